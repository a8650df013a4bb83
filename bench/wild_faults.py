"""Issue 13 benchmark: hostile input and dead LLM servers, timed end to end through the CLI.

- a day of 16 papers (the shared 2024-07-22 list) against a loopback LLM server that accepts
  connections and never answers, at ``--timeout 3`` and ``--timeout 5``, concurrency 1 and 4;
  the same with a server that resets every connection and with nothing listening;
- a day whose items carry 1 MB fields (abstract, title, author) next to a 15 KB abstract
  without commas (the old list regex's worst case), through ``digest --backend extractive``;
- the list counting of the checks on 1 MB of text; the server's search over a 1 MB document.

    .venv/bin/python bench/wild_faults.py
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from fakes import FakeHF, hf_item  # noqa: E402
from search_data import machine  # noqa: E402
from test_wild import BadServer  # noqa: E402

SHARED_DAY = ROOT.parent / "shared" / "data" / "hf-daily-2024-07-22.json"


def cli(args: list[str], home: Path, **env: str) -> tuple[float, int, str]:
    environ = dict(os.environ, PAPERDIGEST_HOME=str(home), PAPERDIGEST_FULLTEXT="0", **env)
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "paperdigest", *args], env=environ,
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=900)
    return time.monotonic() - started, proc.returncode, proc.stderr


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="pd-wild-"))
    out: dict[str, object] = {"machine": machine()}
    dead: list[dict[str, object]] = []
    for mode in ("hang", "reset", "refuse"):
        for timeout, concurrency in ((3, 1), (5, 1), (5, 4)):
            if mode != "hang" and timeout == 3:
                continue
            server = BadServer(mode)
            try:
                run = work / f"{mode}-{timeout}-{concurrency}"
                took, code, err = cli(
                    ["digest", "--source", f"file:{SHARED_DAY}", "--backend", "openai",
                     "--base-url", server.base_url, "--model", "m", "--timeout", str(timeout),
                     "--concurrency", str(concurrency), "--db", str(run / "p.db"),
                     "--out", str(run / "out")], run)
            finally:
                server.close()
            last = [line for line in err.splitlines() if line.startswith("error:")]
            dead.append({"server": mode, "timeout_s": timeout, "concurrency": concurrency,
                         "papers": 16, "seconds": round(took, 1), "exit": code,
                         "connections": server.connections, "line": last[-1][:160] if last else ""})
    out["dead_server"] = dead

    long_clause = " ".join(["word"] * 3_000)
    items = [
        hf_item("2407.00001", "Fine paper", abstract=f"We study x. {long_clause}. It is fast."),
        hf_item("2407.00002", "Huge abstract", abstract="a" * 1_000_000),
        hf_item("2407.00003", "Huge title " + "t" * 1_000_000),
        hf_item("2407.00004", "Huge author", authors=("x" * 1_000_000,)),
        *[hf_item(f"2407.1000{n}", f"Normal {n}", abstract=f"A method. It works {n}.")
          for n in range(5)],
    ]
    with FakeHF({"2024-07-22": items}) as hf:
        run = work / "hostile"
        took, code, err = cli(["digest", "--source", "hf", "--date", "2024-07-22", "--backend",
                               "extractive", "--lang", "en", "--db", str(run / "p.db"), "--out",
                               str(run / "out")], run, PAPERDIGEST_HF_URL=hf.url)
    out["hostile_day"] = {"items": len(items), "seconds": round(took, 2), "exit": code,
                          "warnings": sum(1 for x in err.splitlines() if x.startswith("warning"))}

    from paperdigest.models import Paper
    from paperdigest.store import Store
    from paperdigest.store.search import search
    from paperdigest.text.numbers import list_commas

    t = time.perf_counter()
    list(list_commas("a " * 500_000))
    out["list_commas_1mb_ms"] = round((time.perf_counter() - t) * 1000, 1)
    with Store(work / "s.db") as store:
        store.save_listing(dt.date(2024, 7, 22),
                           [Paper(id="2407.00009", title="Long", abstract="b " * 500_000)], "t")
        t = time.perf_counter()
        search(store, "b")
        out["search_1mb_document_ms"] = round((time.perf_counter() - t) * 1000, 1)
    print(json.dumps(out, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
