"""Issue 17 benchmark: ``/api/search`` latency on PostgreSQL against the bare ranked query.

Generates the papers of bench/search_latency.py (English titles and abstracts, Korean
summaries) in SQLite, copies them into a fresh PostgreSQL database with ``db copy`` (the
triggers build the index), starts ``paperdigest serve --db postgresql://…`` on a free loopback
port and runs the same query list:

- through the server: ``GET /api/search?q=...`` (parsing, count, ranking, snippets, paper
  details, JSON) with one keep-alive client, sequentially, never from the response cache (a
  parameter that changes every round);
- bare: the ranked page alone (``SELECT doc, ts_rank(...) FROM search_docs WHERE ... ORDER BY
  rank DESC LIMIT 20``, the same WHERE and tsquery) on a direct connection.

Reports p50/p95 of each and their ratio (target: p95 ratio <= 2).
Uses $PAPERDIGEST_TEST_PG_URL when set, else starts a throwaway server with scripts/pg.

    .venv/bin/python bench/pg_search.py [--papers 100000] [--rounds 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from paperdigest.errors import SearchQueryError
from paperdigest.store import Store
from paperdigest.store.copy import copy_store
from paperdigest.store.engine import to_format
from paperdigest.store.search_pg import pg_query
from pg_workers import fresh_database, postgres
from search_data import machine
from search_latency import figures, generated_db, queries, time_server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3, help="Times to run the query list.")
    parser.add_argument("--keep", type=Path, help="Keep (and reuse) the SQLite file here.")
    args = parser.parse_args()
    db = generated_db(args.papers, args.keep)
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
                    text, params, _ = sql.ranked_sql(20, 0)
                    t = time.perf_counter()
                    con.execute(to_format(text), params).fetchall()
                    if round_:
                        bare.append((time.perf_counter() - t) * 1000)

        api, by_kind, statuses, rss = time_server(url, qs, args.rounds, uncached=True)

    results = {
        "machine": machine(),
        "engine": "postgresql",
        "papers": args.papers,
        "copy_s": round(copy_s, 1),
        **figures(api, bare, by_kind, statuses, rss),
    }
    print(json.dumps(results, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
