"""Issue 7 benchmark: a 50-paper day through a faulty LLM server vs a clean one.

Same server latency both times; the faulty server answers 20% of requests with HTTP 500 and 10%
with 429 + Retry-After. Prints the wall-time ratio (faulty / clean) and LLM requests per paper.

    .venv/bin/python bench/faults_day.py [--papers 50] [--latency 0.5] [--concurrency 4]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from fakes import FakeOpenAI, Flaky, bench_digest_args, hf_item


def run(workdir: Path, name: str, source: Path, server: FakeOpenAI, concurrency: int) -> float:
    env = dict(os.environ, PAPERDIGEST_HOME=str(workdir / f"home-{name}"))
    cmd = [
        sys.executable,
        "-m",
        "paperdigest",
        *bench_digest_args(
            source, server, workdir / f"{name}.db", workdir / f"out-{name}", concurrency
        ),
    ]
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{name} run failed:\n{proc.stderr}")
    return wall


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--papers", type=int, default=50)
    parser.add_argument("--latency", type=float, default=0.5)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--retry-after", type=float, default=1.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        items = [
            hf_item(f"2407.{i:05d}", f"Benchmark paper {i}", upvotes=i) for i in range(args.papers)
        ]
        source = workdir / "day.json"
        source.write_text(json.dumps(items))
        with FakeOpenAI(latency=args.latency) as server:
            clean = run(workdir, "clean", source, server, args.concurrency)
            clean_requests = len(server.chat_requests)
        flaky = Flaky({"500": 0.20, "429": 0.10}, retry_after=args.retry_after)
        with FakeOpenAI(flaky, latency=args.latency) as server:
            faulty = run(workdir, "faulty", source, server, args.concurrency)
            faulty_requests = len(server.chat_requests)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; {args.papers} papers, latency {args.latency:g} s, "
        f"concurrency {args.concurrency}, Retry-After {args.retry_after:g} s"
    )
    print(f"{'run':<8} {'wall s':>8} {'requests':>9} {'req/paper':>10}")
    print(f"{'clean':<8} {clean:>8.2f} {clean_requests:>9} {clean_requests / args.papers:>10.2f}")
    print(
        f"{'faulty':<8} {faulty:>8.2f} {faulty_requests:>9} {faulty_requests / args.papers:>10.2f}"
    )
    print(f"faults injected: {flaky.kinds}")
    print(f"time ratio faulty/clean: {faulty / clean:.2f}")


if __name__ == "__main__":
    main()
