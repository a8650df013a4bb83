"""Issue 17 benchmark: `paperdigest backfill` workers sharing one PostgreSQL database.

A 200-paper backfill (10 days x 20 papers from a loopback Hugging Face stand-in) against a
loopback OpenAI-compatible server that answers in 1 s, with 1, 2 and 4 worker processes at the
same concurrency per worker. Reports the wall time, the scaling (T1 / (N x TN), target >= 0.8),
papers summarized twice (target 0) and digests written; then a run where one of two workers is
killed with SIGKILL mid-run and a new one is started in its place: every paper must still end
up summarized, and only the killed worker's papers in flight are asked again.

Uses $PAPERDIGEST_TEST_PG_URL when set, else starts a throwaway server with scripts/pg.

    .venv/bin/python bench/pg_workers.py [--days 10] [--per-day 20] [--latency 1.0]
                                         [--concurrency 4] [--workers 1,2,4]
                                         [--compare SRC_DIR] [--repeat 1]

Besides the wall time, each run reports the CPU seconds (user + system) its worker processes
used, from ``os.wait4``: on a shared machine the wall time depends on what else runs, the CPU
a worker spends does much less. It also samples the requests in flight at the LLM stand-in
every 20 ms: when the first request arrived (start-up), when the last answer left, and the
share of the request slots (workers x concurrency) in use in between.

With 20 papers a day, four slots and a constant latency, every day ends with all of a
worker's slots freeing up together; ``--per-day 18`` leaves half of them idle for the last
round of each day unless the next day's papers start meanwhile (the end of a day).

``--compare SRC_DIR`` runs every configuration twice, side by side: once with another
checkout's ``src`` folder first on PYTHONPATH (e.g. the main branch exported with
``git archive main src | tar -x -C /tmp/base``) and once with this one.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from fakes import FakeHF, FakeOpenAI, hf_item, title_of  # noqa: E402

FIRST = dt.date(2024, 7, 1)


@contextmanager
def postgres() -> Any:
    url = os.environ.get("PAPERDIGEST_TEST_PG_URL")
    if url:
        yield url
        return
    out = subprocess.run([str(ROOT / "scripts" / "pg"), "start"], check=True,
                         capture_output=True, text=True).stdout
    env = dict(part.split("=", 1) for part in out.split()[1:])
    try:
        yield env["PAPERDIGEST_TEST_PG_URL"]
    finally:
        subprocess.run([str(ROOT / "scripts" / "pg"), "stop", env["PAPERDIGEST_TEST_PG_DIR"]],
                       check=False)


def fresh_database(admin_url: str, name: str) -> str:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {name}")
    return admin_url.rsplit("/", 1)[0] + "/" + name


def hf_days(days: int, per_day: int) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for d in range(days):
        day = (FIRST + dt.timedelta(days=d)).isoformat()
        out[day] = [hf_item(f"2407.{d:02d}{i:03d}", f"Paper {d}-{i}", day=day,
                            upvotes=per_day - i) for i in range(per_day)]
    return out


def worker(work: Path, tag: str, hf: FakeHF, llm: FakeOpenAI, db: str, days: int,
           concurrency: int, src: str = "") -> subprocess.Popen[str]:
    env = dict(os.environ, PAPERDIGEST_HOME=str(work / f"home-{tag}"),
               PAPERDIGEST_HF_URL=hf.url, PAPERDIGEST_FULLTEXT="0")
    if src:
        env["PYTHONPATH"] = src
    last = FIRST + dt.timedelta(days=days - 1)
    cmd = [sys.executable, "-m", "paperdigest", "backfill", "--from", FIRST.isoformat(),
           "--to", last.isoformat(), "--source", "hf", "--backend", "openai", "--base-url",
           llm.base_url, "--model", "fake-model", "--concurrency", str(concurrency), "--db", db,
           "--out", str(work / "out"), "--no-progress", "--repairs", "0", "--no-fulltext"]
    log = open(work / f"worker-{tag}.log", "w")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)


def reap(procs: list[subprocess.Popen[str]]) -> tuple[list[int], float]:
    """Wait for every process; their exit codes and the CPU seconds (user + system) they used."""
    codes: list[int] = []
    cpu = 0.0
    for proc in procs:
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        codes.append(proc.returncode)
        cpu += usage.ru_utime + usage.ru_stime
    return codes, cpu


def tally(db: str, llm: FakeOpenAI) -> dict[str, Any]:
    import psycopg

    asked = Counter(title_of(r) for r in llm.chat_requests)
    with psycopg.connect(db) as conn:
        def one(sql: str) -> int:
            row = conn.execute(sql).fetchone()
            return int(row[0]) if row else 0

        span = conn.execute("SELECT min(started_at), max(ended_at) FROM runs").fetchone()
        work = (dt.datetime.fromisoformat(span[1].replace("Z", "+00:00"))
                - dt.datetime.fromisoformat(span[0].replace("Z", "+00:00"))).total_seconds()
        return {
            "work_s": work,  # first run started -> last run ended (no process start-up)
            "summaries": one("SELECT count(*) FROM summaries"),
            "asked_twice": sum(1 for n in asked.values() if n > 1),
            "requests": sum(asked.values()),
            "digests_written": one("SELECT count(*) FROM digest_writes"),
            "claims_left": one("SELECT count(*) FROM claims"),
        }


def run_workers(
    admin: str, n: int, args: argparse.Namespace, days: dict[str, Any], src: str = ""
) -> dict[str, Any]:
    db = fresh_database(admin, f"bench_w{n}")
    with tempfile.TemporaryDirectory() as tmp, FakeHF(days) as hf, \
            FakeOpenAI(latency=args.latency) as llm:
        work = Path(tmp)
        load = os.getloadavg()[0]
        start = time.perf_counter()
        samples: list[tuple[float, int]] = []  # (seconds since start, requests in flight)
        done = threading.Event()

        def sample() -> None:
            while not done.wait(0.02):
                samples.append((time.perf_counter() - start, llm.in_flight))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        procs = [worker(work, str(k), hf, llm, db, args.days, args.concurrency, src)
                 for k in range(n)]
        codes, cpu = reap(procs)
        wall = time.perf_counter() - start
        done.set()
        sampler.join()
        if any(codes):
            logs = (work / "worker-0.log").read_text()[-2000:]
            raise SystemExit(f"workers exited with {codes}:\n{logs}")
        files = sum(1 for p in (work / "out").rglob("*.md") if p.name != "README.md")
        return {"workers": n, "code": src or "this", "wall_s": round(wall, 2),
                "cpu_s": round(cpu, 2),
                "cpu_per_paper_ms": round(1000 * cpu / paper_count(args), 1),
                "load_before": round(load, 2), "digest_files": files,
                **slot_use(samples, n * args.concurrency),
                "max_in_flight": llm.max_in_flight, **tally(db, llm)}


def slot_use(samples: list[tuple[float, int]], slots: int) -> dict[str, float]:
    """When the first request arrived, when the last answer left, and the mean share of the
    workers' request slots in use in between (1.0: every slot always waiting on the LLM)."""
    busy = [t for t, k in samples if k]
    if not busy:
        return {}
    first, last = busy[0], busy[-1]
    span = [k for t, k in samples if first <= t <= last]
    return {"first_request_s": round(first, 2), "last_answer_s": round(last, 2),
            "slot_use": round(sum(span) / (len(span) * slots), 3)}


def paper_count(args: argparse.Namespace) -> int:
    return int(args.days * args.per_day)


def run_kill(admin: str, args: argparse.Namespace, days: dict[str, Any]) -> dict[str, Any]:
    """Two workers; one is SIGKILLed after a third of the papers, a new one replaces it."""
    db = fresh_database(admin, "bench_kill")
    total = args.days * args.per_day
    with tempfile.TemporaryDirectory() as tmp, FakeHF(days) as hf, \
            FakeOpenAI(latency=args.latency) as llm:
        work = Path(tmp)
        start = time.perf_counter()
        procs = [worker(work, str(k), hf, llm, db, args.days, args.concurrency)
                 for k in range(2)]
        while len(llm.chat_requests) < total // 3:
            time.sleep(0.05)
        os.kill(procs[0].pid, signal.SIGKILL)
        procs[0].wait()
        killed_at = len(llm.chat_requests)
        replacement = worker(work, "r", hf, llm, db, args.days, args.concurrency)
        codes, _ = reap([procs[1], replacement])
        wall = time.perf_counter() - start
        if any(codes):
            raise SystemExit(f"workers exited with {codes}")
        result = tally(db, llm)
        return {"killed_after_requests": killed_at, "wall_s": round(wall, 2),
                "lost": total - result["summaries"], **result}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--days", type=int, default=10)
    parser.add_argument("--per-day", type=int, default=20)
    parser.add_argument("--latency", type=float, default=1.0)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--no-kill", action="store_true")
    parser.add_argument("--compare", metavar="SRC_DIR", default="",
                        help="also run every configuration with this src folder, side by side")
    parser.add_argument("--repeat", type=int, default=1, help="rounds of every configuration")
    args = parser.parse_args()
    days = hf_days(args.days, args.per_day)
    total = args.days * args.per_day
    print(f"{total} papers ({args.days} days x {args.per_day}), LLM latency {args.latency}s, "
          f"concurrency {args.concurrency} per worker; {platform.processor() or platform.machine()}"
          f", {os.cpu_count()} CPUs", flush=True)
    results: dict[str, Any] = {"papers": total, "latency_s": args.latency,
                               "concurrency_per_worker": args.concurrency, "runs": []}
    with postgres() as admin:
        codes = ([str(Path(args.compare).resolve())] if args.compare else []) + [""]
        base: dict[str, dict[str, Any]] = {}
        for _ in range(max(1, args.repeat)):
            for n in [int(x) for x in args.workers.split(",")]:
                for src in codes:
                    row = run_workers(admin, n, args, days, src)
                    first = base.setdefault(src, row)
                    row["scaling"] = round(first["wall_s"] / (n * row["wall_s"]), 3)
                    row["work_scaling"] = round(
                        first["work_s"] / (n * max(row["work_s"], 1.0)), 3)
                    results["runs"].append(row)
                    print(json.dumps(row), flush=True)
        if not args.no_kill:
            results["kill"] = run_kill(admin, args, days)
            print(json.dumps({"kill": results["kill"]}), flush=True)
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
