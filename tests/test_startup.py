"""What a worker process loads: a `backfill` with the openai backend imports neither the
OpenAI SDK (the backend speaks HTTP itself) nor the web server, the site renderer or the PDF
reader, which every worker on a small machine would otherwise pay for at start; nor, reading
the Hugging Face list without a progress bar and without a reader's profile, the XML parser
(the arXiv source's), httpx's own command-line tool (rich, pygments) or the ranking."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from fakes import FakeHF, FakeOpenAI, hf_item

HEAVY = ("openai", "jinja2", "fastapi", "uvicorn", "feedgen", "fitz", "pymupdf", "numpy", "lxml",
         "pygments", "rich", "paperdigest.rank")

RUN = """
import atexit, json, sys
heavy = {heavy!r}
atexit.register(lambda: print("LOADED " + json.dumps([m for m in heavy if m in sys.modules]),
                              file=sys.stderr))
from paperdigest.cli import main
sys.argv = ["paperdigest", *sys.argv[1:]]
main()
"""


def test_a_backfill_worker_loads_no_sdk_and_no_web_stack(tmp_path: Path) -> None:
    days = {day: [hf_item(f"2407.{n}{i:04d}", f"Paper {n}-{i}", day=day) for i in range(2)]
            for n, day in enumerate(("2024-07-22", "2024-07-23"))}
    with FakeHF(days) as hf, FakeOpenAI() as llm:
        env = dict(os.environ, PAPERDIGEST_HF_URL=hf.url)
        result = subprocess.run(
            [sys.executable, "-c", RUN.format(heavy=HEAVY), "backfill", "--from", "2024-07-22",
             "--to", "2024-07-23", "--source", "hf", "--backend", "openai", "--base-url",
             llm.base_url, "--model", "fake-model", "--db", str(tmp_path / "p.db"), "--out",
             str(tmp_path / "out"), "--no-progress", "--repairs", "0", "--no-fulltext"],
            env=env, capture_output=True, text=True, timeout=120,
        )
        assert len(llm.chat_requests) == 4  # it did the work
    assert result.returncode in (0, 1), result.stderr  # 1: some summaries flagged
    written = sorted(p.name for p in (tmp_path / "out").rglob("*.md") if p.name != "README.md")
    assert len(written) == 2
    line = [x for x in result.stderr.splitlines() if x.startswith("LOADED ")][-1]
    assert json.loads(line.removeprefix("LOADED ")) == []
