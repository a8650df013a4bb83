"""Issue 17 benchmark: ``/api/search`` latency on PostgreSQL against the bare ranked query.

Generates the papers of bench/search_latency.py (English titles and abstracts, Korean
summaries) in SQLite, copies them into a fresh PostgreSQL database with ``db copy`` (the
triggers build the index), starts ``paperdigest serve --db postgresql://…`` on a free loopback
port and runs the same query list:

- through the server: ``GET /api/search?q=...`` (parsing, ranking and count, snippets, paper
  details, JSON) with one keep-alive client, sequentially, never from the response cache (a
  parameter that changes every round);
- bare: the server's ranked page alone on a direct connection: the same statement (the
  same WHERE and tsquery, ``ts_rank`` over the same window of newest matches, the count in
  the same statement), unprepared like the server's.

Each query runs both ways one right after the other (the order alternating), so on a shared
machine both meet the same load. Reports p50/p95 of each and their ratio (target: p95 ratio
<= 2), by kind of query too.
Uses $PAPERDIGEST_TEST_PG_URL when set, else starts a throwaway server with scripts/pg.

    .venv/bin/python bench/pg_search.py [--papers 100000] [--rounds 3] [--keep DIR] [--reuse]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from paperdigest.errors import SearchQueryError
from paperdigest.store import Store
from paperdigest.store.copy import copy_store
from paperdigest.store.engine import to_format
from paperdigest.store.search_pg import pg_query
from pg_workers import fresh_database, postgres
from search_data import machine
from search_latency import (
    figures,
    free_port,
    generated_db,
    peak_rss_mb,
    queries,
    wait_healthy,
)


def bare_ms(con: Any, q: str) -> float | None:
    """The ranked page of ``q`` as the server's first statement runs it (window, count), on a
    direct connection, unprepared like every search statement of the server; None when the
    query has nothing to search for."""
    try:
        sql = pg_query(q)
    except SearchQueryError:
        return None
    if sql is None:
        return None
    text, params, _ = sql.ranked_sql(20, 0)
    t = time.perf_counter()
    con.execute(to_format(text), params, prepare=False).fetchall()
    return (time.perf_counter() - t) * 1000


def loaded(url: str) -> bool:
    """Whether ``url`` already holds the copied papers (``--reuse``)."""
    import psycopg

    try:
        with psycopg.connect(url, autocommit=True) as con:
            row = con.execute("SELECT count(*) FROM search_docs").fetchone()
            return bool(row and row[0])
    except psycopg.Error:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3, help="Times to run the query list.")
    parser.add_argument("--keep", type=Path, help="Keep (and reuse) the SQLite file here.")
    parser.add_argument("--reuse", action="store_true",
                        help="Reuse the PostgreSQL database of an earlier run when it is there.")
    args = parser.parse_args()
    db = generated_db(args.papers, args.keep)
    qs = queries(db)
    with postgres() as admin:
        name = f"bench_search_{args.papers}"
        url = admin.rsplit("/", 1)[0] + "/" + name
        copy_s: float | None = None
        if not (args.reuse and loaded(url)):
            url = fresh_database(admin, name)
            started = time.perf_counter()
            with Store(db, readonly=True) as src, Store(url) as dst:
                report = copy_store(src, dst)
                dst.db.execute("ANALYZE")
            assert all(r.ok for r in report)
            copy_s = time.perf_counter() - started
            print(f"copied into PostgreSQL in {copy_s:.0f}s", file=sys.stderr)

        import psycopg

        # Interleaved: each query through the server and bare, one right after the other (the
        # order alternating), so both meet the same load on a shared machine.
        api: list[float] = []
        bare: list[float] = []
        by_kind: dict[str, list[float]] = {}
        bare_by_kind: dict[str, list[float]] = {}
        statuses: dict[int, int] = {}
        load = os.getloadavg()
        with running_server(url) as (client, server), \
                psycopg.connect(url, autocommit=True) as con:
            for round_ in range(args.rounds + 1):
                for n, (kind, q) in enumerate(qs):
                    for side in ("bare", "api") if (n + round_) % 2 else ("api", "bare"):
                        if side == "bare":
                            ms = bare_ms(con, q)
                            if ms is not None and round_:
                                bare.append(ms)
                                bare_by_kind.setdefault(kind, []).append(ms)
                            continue
                        t = time.perf_counter()
                        r = client.get("/api/search", params={"q": q, "round": str(round_)})
                        ms = (time.perf_counter() - t) * 1000
                        statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
                        if round_ and r.status_code == 200:
                            api.append(ms)
                            by_kind.setdefault(kind, []).append(ms)
            rss = peak_rss_mb(server.pid)

    results = {
        "machine": machine(),
        "engine": "postgresql",
        "papers": args.papers,
        "copy_s": None if copy_s is None else round(copy_s, 1),
        "load_avg_before": [round(x, 2) for x in load],
        "load_avg_after": [round(x, 2) for x in os.getloadavg()],
        **figures(api, bare, by_kind, statuses, rss),
        "bare_by_kind_p50_ms": {k: round(statistics.median(v), 2)
                                for k, v in sorted(bare_by_kind.items())},
    }
    print(json.dumps(results, indent=1, ensure_ascii=False))


@contextmanager
def running_server(url: str) -> Iterator[tuple[httpx.Client, subprocess.Popen[bytes]]]:
    """``paperdigest serve --db URL`` on a free port, and a keep-alive client for it."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "paperdigest", "serve", "--db", url, "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
            wait_healthy(client)
            yield client, server
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
