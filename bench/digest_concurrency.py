"""Issue 2 benchmark: 50 papers against a loopback LLM server that answers in 1 s.

For --concurrency 1, 4 and 8, runs `paperdigest digest` as a child process --repeat times and
reports wall time divided by the ideal ceil(50/C) seconds, median and worst of the runs (target
<= 1.10 for every run), and the children's peak RSS (target < 250 MB).

    .venv/bin/python bench/digest_concurrency.py [--papers 50] [--latency 1.0] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from fakes import FakeOpenAI, bench_digest_args, hf_item


def run_once(
    workdir: Path, source: Path, server: FakeOpenAI, concurrency: int, attempt: int = 0
) -> tuple[float, int]:
    """One cold run: a fresh database and output directory, so every paper is summarized."""
    tag = f"{concurrency}-{attempt}"
    env = dict(os.environ, PAPERDIGEST_HOME=str(workdir / f"home{tag}"))
    cmd = [
        sys.executable,
        "-m",
        "paperdigest",
        *bench_digest_args(
            source,
            server,
            workdir / f"c{tag}.db",
            workdir / f"out{tag}",
            concurrency,
        ),
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"digest failed (C={concurrency}):\n{proc.stderr}")
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, max(peak_kb, before)


def run_in_process(workdir: Path, source: Path, server: FakeOpenAI, concurrency: int) -> float:
    """The same command through click in this process: imports already paid for, so this is
    the run itself (fetch, plan, summarize, check, save, render), without interpreter start."""
    from click.testing import CliRunner

    from paperdigest.cli import cli

    args = bench_digest_args(
        source, server, workdir / f"in{concurrency}.db", workdir / f"in{concurrency}", concurrency
    )
    start = time.perf_counter()
    result = CliRunner().invoke(cli, args)
    wall = time.perf_counter() - start
    if result.exit_code != 0:
        raise SystemExit(f"in-process digest failed (C={concurrency}):\n{result.output}")
    return wall


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--papers", type=int, default=50)
    parser.add_argument("--latency", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        items = [
            hf_item(
                f"2407.{i:05d}",
                f"Benchmark paper {i}",
                upvotes=i,
                abstract=f"We propose method {i}. It improves accuracy by {i}.5%.",
            )
            for i in range(args.papers)
        ]
        source = workdir / "day.json"
        source.write_text(json.dumps(items))
        print(
            f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}; {args.papers} papers, server latency "
            f"{args.latency:g} s"
        )
        print(
            f"{'C':>3} {'ideal s':>8} {'walls s':>22} {'median':>7} {'worst':>6} "
            f"{'requests':>9} {'peak RSS':>9}"
        )
        worst = 0.0
        for concurrency in (1, 4, 8):
            ideal = math.ceil(args.papers / concurrency) * args.latency
            walls: list[float] = []
            requests: list[int] = []
            for attempt in range(args.repeat):
                with FakeOpenAI(latency=args.latency) as server:
                    wall, _ = run_once(workdir, source, server, concurrency, attempt)
                    requests.append(len(server.chat_requests))
                walls.append(wall)
            ratios = sorted(w / ideal for w in walls)
            worst = max(worst, ratios[-1])
            shown = ", ".join(f"{w:.2f}" for w in walls)
            # ru_maxrss of children is the largest of any child so far (all runs up to here).
            peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            print(
                f"{concurrency:>3} {ideal:>8.2f} {shown:>22} {statistics.median(ratios):>7.3f} "
                f"{ratios[-1]:>6.3f} {'/'.join(map(str, sorted(set(requests)))):>9} {peak:>7.1f}MB"
            )
        print(f"worst ratio {worst:.3f} (target <= 1.10)")
        import paperdigest.summarize.openai_compat  # noqa: F401 - warm the imports children paid for

        print("in process (interpreter and backend imports excluded):")
        for concurrency in (1, 4, 8):
            with FakeOpenAI(latency=args.latency) as server:
                wall = run_in_process(workdir, source, server, concurrency)
            ideal = math.ceil(args.papers / concurrency) * args.latency
            print(f"{concurrency:>3} {wall:>8.2f} {ideal:>8.2f} {wall / ideal:>6.3f}")


if __name__ == "__main__":
    main()
