"""Issue 13 benchmark: ``paperdigest serve`` over 100,000 papers with 50 concurrent clients.

Generates 100,000 papers (``search_data.build``: 30 a day, Korean summaries), starts the server
on a free loopback port and runs 50 concurrent closed-loop clients:

- **pages, feeds, API**: each client draws requests from a mix (day page, papers feed, digest
  feed, ``/api/days/D``, ``/api/papers/ID``, archive, home); the day is one of the latest 30
  days four times in five (readers read recent days), else any day. Latency per kind, p50/p95;
  every answer must be 200 with a body of its ``Content-Length``.
- **search, side by side**: the same 160 queries (never repeated, so no answer comes from the
  server's cache) through ``/api/search`` (after each code's last round) and as the bare FTS5
  query (``SELECT rowid … MATCH ? ORDER BY rank LIMIT 20``) on direct read-only connections,
  each with 50 concurrent clients.

Two generators, selected with ``--client``; both time a request from sending it to having read
the whole answer, and both keep one keep-alive connection per client:

- ``threads`` (the original): 50 Python threads, one ``httpx.Client`` each. On a 2-core
  machine the threads take a large share of the CPU the server needs.
- ``async`` (default): one asyncio process with raw HTTP/1.1 connections (``load_client.py``),
  much cheaper per request, so more of the machine is left to the server.

``--old-src DIR`` first runs the same request plan against a server started from another copy
of the source (e.g. ``git archive <commit> src | tar -x -C DIR``), then against this one: the
side by side. ``--old-plain`` runs that old server without uvloop/httptools (as it was before
they were dependencies). The CPU seconds used by the server (with its worker processes) and by
the generator during each run and the load average are reported too. ``--rounds N`` runs old
and new alternately N times each (the machine's load drifts; alternating shows it), and a
Markdown table of every round is printed to stderr at the end.

Clients and server share the machine's cores (2 here), so the figures are upper bounds.

    .venv/bin/python bench/server_load.py [--papers 100000] [--clients 50] [--requests 3000]
        [--keep DIR] [--client async|threads] [--old-src DIR [--old-plain]] [--workers N]
        [--rounds N] [--no-search] [--json FILE]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import psutil

from paperdigest.store.search import match_expression

sys.path.insert(0, str(Path(__file__).resolve().parent))

import load_client
from search_data import build, machine
from search_latency import PER_DAY, free_port, pct, peak_rss_mb, queries, wait_healthy

Result = tuple[str, float, int]

# run `paperdigest serve` with uvloop and httptools hidden (uvicorn then uses asyncio and h11)
PLAIN = ("import sys; sys.modules['uvloop'] = None; sys.modules['httptools'] = None; "
         "sys.argv[0] = 'paperdigest'; from paperdigest.cli import main; main()")


def run_parallel(jobs: list[Callable[[], Result]], clients: int) -> list[Result]:
    out: list[Result] = []
    lock = threading.Lock()

    def one(job: Callable[[], Result]) -> None:
        result = job()
        with lock:
            out.append(result)

    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(one, jobs))
    return out


def start_server(db: Path, src: Path | None, workers: int, plain: bool
                 ) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = str(src)
    args = ["serve", "--db", str(db), "--port", str(port)]
    if workers:
        args += ["--workers", str(workers)]
    head = [sys.executable, "-c", PLAIN] if plain else [sys.executable, "-m", "paperdigest"]
    server = subprocess.Popen([*head, *args], stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, env=env)
    base = f"http://127.0.0.1:{port}"
    with httpx.Client(base_url=base, timeout=30) as c:
        if not wait_healthy(c):
            server.kill()
            raise SystemExit("the server did not start")
    return server, base


def stop_server(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def cpu_seconds(pid: int) -> float:
    """CPU seconds used by the process and its children (the server's workers) so far."""
    proc = psutil.Process(pid)
    total = sum(proc.cpu_times()[:2])
    for child in proc.children(recursive=True):
        with contextlib.suppress(psutil.Error):
            total += sum(child.cpu_times()[:2])
    return total


def machine_busy() -> float:
    """CPU seconds every process on the machine has used so far (all cores, from /proc/stat)."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return float("nan")
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def threaded_fetch(base: str) -> Callable[[str, str, dict[str, str] | None], Callable[[], Result]]:
    local = threading.local()

    def client() -> httpx.Client:
        c: httpx.Client | None = getattr(local, "client", None)
        if c is None:
            c = httpx.Client(base_url=base, timeout=120)
            local.client = c
        return c

    def fetch(kind: str, path: str, params: dict[str, str] | None = None
              ) -> Callable[[], Result]:
        def job() -> Result:
            t = time.perf_counter()
            try:
                r = client().get(path, params=params)
                status = r.status_code
                if len(r.content) != int(r.headers.get("content-length", len(r.content))):
                    status = -1
            except httpx.TransportError:
                status = -1  # timed out (120 s) or dropped: counted, and its time kept
            return kind, (time.perf_counter() - t) * 1000, status
        return job

    return fetch


def measure(server: subprocess.Popen[bytes], base: str, paths: list[tuple[str, str]],
            args: argparse.Namespace) -> dict[str, Any]:
    """The plan once through the server at ``base``: latency per kind, req/s, CPU, load."""
    port = int(base.rsplit(":", 1)[1])
    server_cpu, gen_cpu, busy = cpu_seconds(server.pid), own_cpu(), machine_busy()
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    if args.client == "async":
        done: list[Result] = [(k, ms, st) for k, ms, st, _ in
                              load_client.run("127.0.0.1", port, paths, clients=args.clients)]
    else:
        fetch = threaded_fetch(base)
        done = run_parallel([fetch(k, p, None) for k, p in paths], args.clients)
    wall = time.perf_counter() - started
    by_kind: dict[str, list[float]] = {}
    statuses: dict[int, int] = {}
    for kind, ms, status in done:
        by_kind.setdefault(kind, []).append(ms)
        statuses[status] = statuses.get(status, 0) + 1
    every = [ms for _, ms, _ in done]
    out: dict[str, Any] = {
        kind: {"n": len(v), "p50_ms": round(pct(v, 50), 1), "p95_ms": round(pct(v, 95), 1)}
        for kind, v in sorted(by_kind.items())
    }
    out["all"] = {"n": len(every), "p50_ms": round(pct(every, 50), 1),
                  "p95_ms": round(pct(every, 95), 1), "per_second": round(len(every) / wall, 1)}
    out["statuses"] = statuses
    out["seconds"] = round(wall, 1)
    out["server_cpu_ms_per_request"] = round(
        (cpu_seconds(server.pid) - server_cpu) * 1000 / len(every), 2)
    out["generator_cpu_ms_per_request"] = round((own_cpu() - gen_cpu) * 1000 / len(every), 2)
    out["load_average_1m"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    # what the rest of the machine used meanwhile, in cores (the lead's model jobs, others)
    ours = (cpu_seconds(server.pid) - server_cpu) + (own_cpu() - gen_cpu)
    out["other_processes_cores"] = round((machine_busy() - busy - ours) / wall, 2)
    return out


def api_summary(api: list[Result]) -> dict[str, Any]:
    return {"n": len(api), "p50_ms": round(pct([m for _, m, _ in api], 50), 1),
            "p95_ms": round(pct([m for _, m, _ in api], 95), 1),
            "statuses": sorted({s for _, _, s in api})}


def table(results: dict[str, Any]) -> str:
    """Every round as Markdown: p50/p95 per kind, requests/s, CPU per request, load."""
    rounds = [(label, i + 1, r) for label in ("old", "new")
              for i, r in enumerate(results.get(f"pages_{label}", []))]
    kinds = [*sorted({k for _, _, r in rounds for k, v in r.items()
                      if isinstance(v, dict) and "p95_ms" in v and k != "all"}), "all"]
    lines = ["| kind | " + " | ".join(f"{label} #{i} p50 / p95" for label, i, _ in rounds) + " |",
             "|---|" + "---:|" * len(rounds)]
    for kind in kinds:
        cells = [f"{r[kind]['p50_ms']:,.0f} / {r[kind]['p95_ms']:,.0f} ms" for _, _, r in rounds]
        lines.append(f"| {kind} | " + " | ".join(cells) + " |")
    extra = [("requests/s", lambda r: f"{r['all']['per_second']:,.0f}"),
             ("server CPU per request", lambda r: f"{r['server_cpu_ms_per_request']} ms"),
             ("generator CPU per request", lambda r: f"{r['generator_cpu_ms_per_request']} ms"),
             ("other processes' CPU (cores)", lambda r: f"{r['other_processes_cores']}"),
             ("load average (1 min, before/after)",
              lambda r: " / ".join(str(x) for x in r["load_average_1m"])),
             ("statuses", lambda r: ", ".join(f"{k}: {v}" for k, v in r["statuses"].items()))]
    for name, cell in extra:
        lines.append(f"| {name} | " + " | ".join(cell(r) for _, _, r in rounds) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--keep", type=Path)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--client", choices=("async", "threads"), default="async")
    parser.add_argument("--old-src", type=Path, help="run the plan against this source first")
    parser.add_argument("--old-plain", action="store_true",
                        help="the old server without uvloop/httptools")
    parser.add_argument("--workers", type=int, default=0, help="serve --workers N (new code)")
    parser.add_argument("--no-search", action="store_true")
    parser.add_argument("--rounds", type=int, default=1,
                        help="old and new alternately, this many times each")
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

    results: dict[str, Any] = {"machine": machine(), "papers": args.papers,
                               "clients": args.clients, "client": args.client,
                               "db_mb": round(db.stat().st_size / 2**20)}
    runs: list[tuple[str, Path | None]] = []
    for _ in range(args.rounds):
        if args.old_src is not None:
            runs.append(("old", args.old_src))
        runs.append(("new", None))
    qs: list[str] = []
    for i, (label, src) in enumerate(runs):
        old = src is not None
        last = all(other != label for other, _ in runs[i + 1:])  # this code's last round
        server, base = start_server(db, src, 0 if old else args.workers,
                                    old and args.old_plain)
        try:
            measured = measure(server, base, paths, args)
            results.setdefault(f"pages_{label}", []).append(measured)
            print(json.dumps({label: measured}, indent=1), file=sys.stderr, flush=True)
            if last and not args.no_search:
                qs = [q for _, q in queries(db)]
                fetch = threaded_fetch(base)
                api = run_parallel([fetch("search", "/api/search", {"q": q}) for q in qs],
                                   args.clients)
                results["search_api" if not old else "search_api_old"] = api_summary(api)
                print(json.dumps({label: api_summary(api)}), file=sys.stderr, flush=True)
            results[f"server_rss_mb_{label}"] = round(peak_rss_mb(server.pid))
        finally:
            stop_server(server)

    if qs:
        conns = threading.local()

        def bare(expr: str) -> Callable[[], Result]:
            def job() -> Result:
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
    print(table(results), file=sys.stderr)
    text = json.dumps(results, indent=1)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
