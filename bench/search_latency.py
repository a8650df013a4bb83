"""Issue 6 benchmark: ``/api/search`` latency over 100,000 papers, against the bare FTS5 query.

Generates 100,000 papers (English titles/abstracts, Korean summaries; the m005 triggers build the
index), starts ``paperdigest serve`` on a free loopback port, and runs the same query list:

- through the server: ``GET /api/search?q=...`` (quoting, count, BM25 ranking, snippets and paper
  details, JSON) with one keep-alive client, sequentially;
- bare: ``SELECT rowid FROM search_fts WHERE search_fts MATCH ? ORDER BY rank LIMIT 20`` with the
  same MATCH expressions on a direct read-only connection to the same database.

Reports p50/p95 of each, their ratio, and the server's peak RSS (VmHWM).

    .venv/bin/python bench/search_latency.py [--papers 100000] [--rounds 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import random
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from paperdigest.store.search import match_expression
from search_data import EN, FIRST, KO, LAST, build, machine

PER_DAY = 30


def queries(db: Path, seed: int = 6) -> list[tuple[str, str]]:
    """(kind, query) pairs: common and rare words, two words, phrases, Korean, names, syntax."""
    rng = random.Random(seed)
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    names = [
        r[0].split(":")[0]
        for r in con.execute("SELECT title FROM papers ORDER BY random() LIMIT 40")
    ]
    con.close()
    out: list[tuple[str, str]] = []
    for _ in range(20):
        out.append(("common word", rng.choice(EN[:20])))
        out.append(("two words", f"{rng.choice(EN)} {rng.choice(EN)}"))
        out.append(("phrase", f'"{rng.choice(EN)} {rng.choice(EN)}"'))
        out.append(("korean", rng.choice(KO)))
        out.append(("author", f"{rng.choice(FIRST)} {rng.choice(LAST)}"))
        out.append(("rare name", rng.choice(names)))
        out.append(("prefix", rng.choice(EN)[:3]))
        out.append(
            ("syntax", rng.choice(["NEAR(model token)", 'model" OR "x', "*attention*", "a AND"]))
        )
    return out


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def wait_healthy(client: httpx.Client, tries: int = 600) -> bool:
    """Until the server behind ``client`` answers ``/healthz`` (False if it never does)."""
    for _ in range(tries):
        try:
            if client.get("/healthz").status_code == 200:
                return True
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def generated_db(papers: int, keep: Path | None) -> Path:
    """The generated SQLite database of ``papers`` papers (in ``keep``, reused, when given)."""
    work = keep or Path(tempfile.mkdtemp(prefix="pd-search-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    db = work / f"search-{papers}.db"
    if not db.exists():
        made = build(db, days=-(-papers // PER_DAY), per_day=PER_DAY)
        print(f"generated {made['papers']:,} papers in {made['seconds']:.0f}s", file=sys.stderr)
    return db


def time_server(
    db: str, qs: list[tuple[str, str]], rounds: int, *, uncached: bool = False
) -> tuple[list[float], dict[str, list[float]], dict[int, int], float]:
    """``paperdigest serve --db DB`` on a free port; each query through ``/api/search``,
    ``rounds`` times after a warm-up round; ``uncached``: an extra parameter per round, so the
    server's response cache never answers. (times ms, times by kind, statuses, peak RSS MB)"""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "paperdigest", "serve", "--db", db, "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    api: list[float] = []
    by_kind: dict[str, list[float]] = {}
    statuses: dict[int, int] = {}
    try:
        with httpx.Client(base_url=base, timeout=60) as client:
            wait_healthy(client)
            for round_ in range(rounds + 1):
                for kind, q in qs:
                    t = time.perf_counter()
                    params = {"q": q, "round": str(round_)} if uncached else {"q": q}
                    r = client.get("/api/search", params=params)
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
    return api, by_kind, statuses, rss


def figures(api: list[float], bare: list[float], by_kind: dict[str, list[float]],
            statuses: dict[int, int], rss: float) -> dict[str, Any]:
    """p50/p95 of the server and of the bare query, their ratios, by kind of query."""
    return {
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3, help="Times to run the query list.")
    parser.add_argument("--keep", type=Path, help="Keep (and reuse) the database in this folder.")
    parser.add_argument("--json", type=Path, help="Write the figures as JSON here.")
    args = parser.parse_args()

    db = generated_db(args.papers, args.keep)
    qs = queries(db)
    exprs = []
    for _, q in qs:
        try:
            exprs.append(match_expression(q))
        except ValueError:
            exprs.append(None)

    # bare FTS5, same database, same MATCH expressions
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    bare: list[float] = []
    for expr in exprs * (args.rounds + 1):
        if expr is None:
            continue
        t = time.perf_counter()
        con.execute(
            "SELECT rowid FROM search_fts WHERE search_fts MATCH ? ORDER BY rank LIMIT 20", (expr,)
        ).fetchall()
        bare.append((time.perf_counter() - t) * 1000)
    bare = bare[len(bare) // (args.rounds + 1) :]  # first round warms the page cache
    con.close()

    api, by_kind, statuses, rss = time_server(str(db), qs, args.rounds)
    results = {
        "machine": machine(),
        "papers": args.papers,
        "db_mb": round(db.stat().st_size / 2**20, 1),
        **figures(api, bare, by_kind, statuses, rss),
    }
    print(json.dumps(results, indent=1, ensure_ascii=False))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
