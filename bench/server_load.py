"""Issue 13 benchmark: ``paperdigest serve`` over 100,000 papers with 50 concurrent clients.

Generates 100,000 papers (``search_data.build``: 30 a day, Korean summaries), starts the server
on a free loopback port and runs 50 client threads (one keep-alive ``httpx.Client`` each):

- **pages, feeds, API**: each client draws requests from a mix (day page, papers feed, digest
  feed, ``/api/days/D``, ``/api/papers/ID``, archive); the day is one of the latest 30 days
  four times in five (readers read recent days), else any day. Latency per kind, p50/p95.
- **search, side by side**: the same 160 queries (never repeated, so no answer comes from the
  server's cache) through ``/api/search`` and as the bare FTS5 query
  (``SELECT rowid … MATCH ? ORDER BY rank LIMIT 20``) on direct read-only connections, each with
  50 concurrent threads.

Clients and server share the machine's cores (2 here), so the figures are upper bounds.

    .venv/bin/python bench/server_load.py [--papers 100000] [--clients 50] [--requests 3000]
        [--keep DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import random
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from paperdigest.store.search import match_expression

sys.path.insert(0, str(Path(__file__).resolve().parent))

from search_data import build, machine
from search_latency import PER_DAY, free_port, pct, peak_rss_mb, queries


def run_parallel(jobs: list[Callable[[], tuple[str, float, int]]],
                 clients: int) -> list[tuple[str, float, int]]:
    out: list[tuple[str, float, int]] = []
    lock = threading.Lock()

    def one(job: Callable[[], tuple[str, float, int]]) -> None:
        result = job()
        with lock:
            out.append(result)

    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(one, jobs))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--keep", type=Path)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    work = args.keep or Path(tempfile.mkdtemp(prefix="pd-load-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    db = work / f"search-{args.papers}.db"
    if not db.exists():
        made = build(db, days=-(-args.papers // PER_DAY), per_day=PER_DAY)
        print(f"generated {made['papers']:,} papers in {made['seconds']:.0f}s", file=sys.stderr)
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    days = [r[0] for r in con.execute("SELECT day FROM days ORDER BY day DESC")]
    ids = [r[0] for r in con.execute("SELECT id FROM papers ORDER BY random() LIMIT 2000")]
    con.close()
    rng = random.Random(13)

    def pick_day() -> str:
        return rng.choice(days[:30]) if rng.random() < 0.8 else rng.choice(days)

    kinds: list[tuple[str, Callable[[], str]]] = [
        ("day page", lambda: f"/ko/days/{pick_day()}.html"),
        ("api day", lambda: f"/api/days/{pick_day()}"),
        ("api paper", lambda: f"/api/papers/{rng.choice(ids)}"),
        ("papers feed", lambda: "/ko/atom/papers.xml"),
        ("digest feed", lambda: "/ko/atom/digest.xml"),
        ("archive", lambda: "/ko/archive.html"),
        ("home", lambda: "/"),
    ]
    plan = [rng.choice(kinds) for _ in range(args.requests)]
    paths = [(kind, make()) for kind, make in plan]

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "paperdigest", "serve", "--db", str(db), "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    local = threading.local()

    def client() -> httpx.Client:
        c: httpx.Client | None = getattr(local, "client", None)
        if c is None:
            c = httpx.Client(base_url=base, timeout=120)
            local.client = c
        return c

    def fetch(kind: str, path: str, params: dict[str, str] | None = None
              ) -> Callable[[], tuple[str, float, int]]:
        def job() -> tuple[str, float, int]:
            t = time.perf_counter()
            try:
                status = client().get(path, params=params).status_code
            except httpx.TransportError:
                status = -1  # timed out (120 s) or dropped: counted, and its time kept
            return kind, (time.perf_counter() - t) * 1000, status
        return job

    results: dict[str, object] = {"machine": machine(), "papers": args.papers,
                                  "clients": args.clients,
                                  "db_mb": round(db.stat().st_size / 2**20)}
    try:
        with httpx.Client(base_url=base, timeout=30) as c:
            for _ in range(600):
                try:
                    if c.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
        started = time.perf_counter()
        done = run_parallel([fetch(k, p) for k, p in paths], args.clients)
        wall = time.perf_counter() - started
        by_kind: dict[str, list[float]] = {}
        statuses: dict[int, int] = {}
        for kind, ms, status in done:
            by_kind.setdefault(kind, []).append(ms)
            statuses[status] = statuses.get(status, 0) + 1
        every = [ms for _, ms, _ in done]
        results["pages"] = {
            kind: {"n": len(v), "p50_ms": round(pct(v, 50), 1), "p95_ms": round(pct(v, 95), 1)}
            for kind, v in sorted(by_kind.items())
        }
        results["pages_all"] = {"n": len(every), "p50_ms": round(pct(every, 50), 1),
                                "p95_ms": round(pct(every, 95), 1),
                                "per_second": round(len(every) / wall, 1)}
        results["statuses"] = statuses
        print(json.dumps(results, indent=1), file=sys.stderr, flush=True)

        qs = [q for _, q in queries(db)]
        api = run_parallel([fetch("search", "/api/search", {"q": q}) for q in qs], args.clients)
        results["search_api"] = {
            "n": len(api), "p50_ms": round(pct([m for _, m, _ in api], 50), 1),
            "p95_ms": round(pct([m for _, m, _ in api], 95), 1),
            "statuses": sorted({s for _, _, s in api}),
        }
        print(json.dumps(results["search_api"]), file=sys.stderr, flush=True)
        results["server_rss_mb"] = round(peak_rss_mb(server.pid))
    finally:
        server.terminate()
        server.wait(timeout=10)

    conns = threading.local()

    def bare(expr: str) -> Callable[[], tuple[str, float, int]]:
        def job() -> tuple[str, float, int]:
            c: sqlite3.Connection | None = getattr(conns, "c", None)
            if c is None:
                c = sqlite3.connect(f"file:{db}?mode=ro", uri=True, check_same_thread=False)
                conns.c = c
            t = time.perf_counter()
            c.execute("SELECT rowid FROM search_fts WHERE search_fts MATCH ? ORDER BY rank "
                      "LIMIT 20", (expr,)).fetchall()
            return "bare", (time.perf_counter() - t) * 1000, 200
        return job

    exprs = []
    for q in qs:
        with contextlib.suppress(ValueError):
            exprs.append(match_expression(q))
    bare_done = run_parallel([bare(e) for e in exprs], args.clients)
    results["search_bare"] = {"n": len(bare_done),
                              "p50_ms": round(pct([m for _, m, _ in bare_done], 50), 1),
                              "p95_ms": round(pct([m for _, m, _ in bare_done], 95), 1)}
    results["at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    text = json.dumps(results, indent=1)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
