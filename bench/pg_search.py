"""Issue 17 benchmark: ``/api/search`` latency on PostgreSQL against the bare ranked query.

Generates the papers of bench/search_latency.py (English titles and abstracts, Korean
summaries) in SQLite, copies them into a fresh PostgreSQL database with ``db copy`` (the
triggers build the index), starts ``paperdigest serve --db postgresql://…`` on a free loopback
port and runs the same query list:

- through the server: ``GET /api/search?q=...`` (parsing, count, ranking, snippets, paper
  details, JSON) with one keep-alive client, sequentially;
- bare: the ranked page alone (``SELECT doc, ts_rank(...) FROM search_docs WHERE ... ORDER BY
  rank DESC LIMIT 20``, the same WHERE and tsquery) on a direct connection.

Reports p50/p95 of each and their ratio (target: p95 ratio <= 2).
Uses $PAPERDIGEST_TEST_PG_URL when set, else starts a throwaway server with scripts/pg.

    .venv/bin/python bench/pg_search.py [--papers 100000] [--rounds 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from paperdigest.errors import SearchQueryError
from paperdigest.store import Store
from paperdigest.store.copy import copy_store
from paperdigest.store.engine import to_format
from paperdigest.store.search_pg import pg_query
from pg_workers import fresh_database, postgres
from search_data import build, machine
from search_latency import PER_DAY, free_port, pct, peak_rss_mb, queries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3, help="Times to run the query list.")
    parser.add_argument("--keep", type=Path, help="Keep (and reuse) the SQLite file here.")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="pd-pg-search-"))
    work.mkdir(parents=True, exist_ok=True)
    db = work / f"search-{args.papers}.db"
    if not db.exists():
        made = build(db, days=-(-args.papers // PER_DAY), per_day=PER_DAY)
        print(f"generated {made['papers']:,} papers in {made['seconds']:.0f}s", file=sys.stderr)
    qs = queries(db)
    with postgres() as admin:
        url = fresh_database(admin, f"bench_search_{args.papers}")
        started = time.perf_counter()
        with Store(db, readonly=True) as src, Store(url) as dst:
            report = copy_store(src, dst)
            dst.db.execute("ANALYZE")
        assert all(r.ok for r in report)
        copy_s = time.perf_counter() - started
        print(f"copied into PostgreSQL in {copy_s:.0f}s", file=sys.stderr)

        import psycopg

        bare: list[float] = []
        with psycopg.connect(url, autocommit=True) as con:
            for round_ in range(args.rounds + 1):
                for _, q in qs:
                    try:
                        sql = pg_query(q)
                    except SearchQueryError:
                        continue
                    if sql is None:
                        continue
                    text, params = sql.ranked_sql()
                    t = time.perf_counter()
                    con.execute(to_format(text), [*params, 20, 0]).fetchall()
                    if round_:
                        bare.append((time.perf_counter() - t) * 1000)

        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "paperdigest", "serve", "--db", url, "--port", str(port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        api: list[float] = []
        by_kind: dict[str, list[float]] = {}
        statuses: dict[int, int] = {}
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
                for _ in range(600):
                    try:
                        if client.get("/healthz").status_code == 200:
                            break
                    except httpx.TransportError:
                        time.sleep(0.1)
                for round_ in range(args.rounds + 1):
                    for kind, q in qs:
                        t = time.perf_counter()
                        r = client.get("/api/search", params={"q": q})
                        ms = (time.perf_counter() - t) * 1000
                        statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
                        if round_ == 0 or r.status_code != 200:
                            continue
                        api.append(ms)
                        by_kind.setdefault(kind, []).append(ms)
            rss = peak_rss_mb(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=10)

    results = {
        "machine": machine(),
        "engine": "postgresql",
        "papers": args.papers,
        "copy_s": round(copy_s, 1),
        "queries": len(api),
        "api_p50_ms": round(pct(api, 50), 2),
        "api_p95_ms": round(pct(api, 95), 2),
        "bare_p50_ms": round(pct(bare, 50), 2),
        "bare_p95_ms": round(pct(bare, 95), 2),
        "ratio_p50": round(pct(api, 50) / max(pct(bare, 50), 1e-6), 2),
        "ratio_p95": round(pct(api, 95) / max(pct(bare, 95), 1e-6), 2),
        "server_peak_rss_mb": round(rss, 1),
        "statuses": statuses,
        "by_kind_p50_ms": {k: round(statistics.median(v), 2) for k, v in sorted(by_kind.items())},
    }
    print(json.dumps(results, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
