"""Issue 5 benchmark: how much of a day's wall time goes to arXiv's rate limit vs summarizing.

One day (the shared 16-paper list) through the real pipeline (``run_digest``) with
``FulltextInput``, against two loopback servers:

- a fake arXiv serving generated papers: most with HTML, some only as PDF, one with neither
  (``--html``, ``--pdf-only``); the limiter spaces requests by ``--interval`` s (arXiv: 3);
- a fake OpenAI-compatible server answering each summary after ``--latency`` s, with
  ``--concurrency`` summaries in flight.

Three runs, each on a fresh database: full text with a cold cache; full text with the cache
warm (as any rerun); abstract only. The pipeline builds inputs while earlier summaries run, so
the phases overlap; per run it reports the wall time, the time the pipeline's thread spent in
``build_input`` and, of that, asleep for the limiter's spacing (``RateLimiter.waited``), the
time with at least one summary in flight (the union of the summarizer's calls), and the time
with none in flight: the day stalled on arXiv (or on planning, saving, rendering).

    .venv/bin/python bench/fulltext_ratelimit.py [--interval 3] [--latency 1] [--concurrency 4]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import fulltext_fixtures as F  # noqa: E402
from fakes import FakeOpenAI  # noqa: E402
from paperdigest.app import open_app  # noqa: E402
from paperdigest.digest import DigestOptions, run_digest  # noqa: E402
from paperdigest.fulltext import ArxivFetcher, FulltextInput  # noqa: E402
from paperdigest.http import RateLimiter  # noqa: E402
from paperdigest.models import Paper, Sections  # noqa: E402
from paperdigest.prompts import abstract_input  # noqa: E402
from paperdigest.settings import Settings  # noqa: E402
from paperdigest.summarize.base import SummaryRequest  # noqa: E402
from paperdigest.summarize.openai_compat import OpenAICompatible  # noqa: E402

SHARED_DAY = ROOT.parent / "shared" / "data" / "hf-daily-2024-07-22.json"


@dataclass
class Run:
    wall: float
    build: float  # seconds inside build_input (fetch + extract + budget), all papers
    waited: float  # of which: sleeping for the limiter's spacing
    summarizing: float  # seconds with at least one summary in flight
    requests: int  # arXiv requests made
    chat: int  # summaries requested
    counts: dict[str, int]


class TimedSummarizer(OpenAICompatible):
    """Records when each summary call starts and ends."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.spans: list[tuple[float, float]] = []
        self._lock = threading.Lock()

    def summarize(self, request: SummaryRequest) -> Sections:
        start = time.perf_counter()
        try:
            return super().summarize(request)
        finally:
            with self._lock:
                self.spans.append((start, time.perf_counter()))


def union(spans: list[tuple[float, float]]) -> float:
    total = 0.0
    end = float("-inf")
    for a, b in sorted(spans):
        if b <= end:
            continue
        total += b - max(a, end)
        end = b
    return total


class Timed:
    def __init__(self, build: Callable[[Paper], str]) -> None:
        self.build = build
        self.seconds = 0.0

    def __call__(self, paper: Paper) -> str:
        start = time.perf_counter()
        try:
            return self.build(paper)
        finally:
            self.seconds += time.perf_counter() - start


def serve_day(server: F.FakeArxiv, ids: list[str], html: int, pdf_only: int) -> dict[str, str]:
    kinds = {}
    for i, paper_id in enumerate(ids):
        parts = F.paper_parts(body_sentences=40, seed=i + 1)
        if i < html:
            server.routes[f"/html/{paper_id}"] = F.html_reply(F.make_html(parts))
            kinds[paper_id] = "html"
        elif i < html + pdf_only:
            server.routes[f"/pdf/{paper_id}"] = F.pdf_reply(F.make_pdf(parts, columns=2))
            kinds[paper_id] = "pdf"
        else:
            kinds[paper_id] = "none"
    return kinds


def one_run(
    workdir: Path,
    name: str,
    llm: FakeOpenAI,
    arxiv: F.FakeArxiv,
    args: argparse.Namespace,
    fulltext: bool,
) -> Run:
    summarizer = TimedSummarizer(base_url=llm.base_url, model="fake-model", max_retries=0)
    limiter = RateLimiter(args.interval)
    fetcher = ArxivFetcher(arxiv.url, limiter=limiter)
    builder: Callable[[Paper], str] = (
        FulltextInput.for_summarizer(summarizer, fetcher=fetcher) if fulltext else abstract_input
    )
    timed = Timed(builder)
    options = DigestOptions(
        day=None, lang="ko", out_dir=workdir / f"out-{name}", concurrency=args.concurrency
    )
    if hasattr(options, "repairs"):
        options.repairs = 0  # one request per paper: the summarizing time is the latency's
    requests_before = len(arxiv.arrivals)
    chat_before = len(llm.chat_requests)
    app = open_app(
        Settings.load(db=workdir / f"{name}.db", source=f"file:{SHARED_DAY}", lang="ko"),
        _summarizer=summarizer,
    )
    with app.open_store() as store:
        if isinstance(builder, FulltextInput):
            builder.store = store
        start = time.perf_counter()
        run_digest(
            app.open_source(),
            store,
            summarizer,
            app.prompts(),
            options,
            build_input=timed,
        )
        wall = time.perf_counter() - start
    fetcher.close()
    summarizer.close()
    return Run(
        wall=wall,
        build=timed.seconds,
        waited=limiter.waited,
        summarizing=union(summarizer.spans),
        requests=len(arxiv.arrivals) - requests_before,
        chat=len(llm.chat_requests) - chat_before,
        counts=builder.counts() if isinstance(builder, FulltextInput) else {},
    )


def cpu_name() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    except OSError:
        return "unknown"
    for line in out.splitlines():
        if line.startswith("Model name:"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--interval", type=float, default=3.0)
    parser.add_argument("--latency", type=float, default=1.0)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--html", type=int, default=12, help="papers with an HTML page")
    parser.add_argument("--pdf-only", type=int, default=3, help="papers only as PDF")
    args = parser.parse_args()
    if not SHARED_DAY.exists():
        raise SystemExit(f"{SHARED_DAY} is missing")
    ids = [item["paper"]["id"] for item in json.loads(SHARED_DAY.read_text())]

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        os.environ["PAPERDIGEST_HOME"] = str(workdir / "home")
        with F.FakeArxiv() as arxiv, FakeOpenAI(latency=args.latency) as llm:
            kinds = serve_day(arxiv, ids, args.html, args.pdf_only)  # type: ignore[arg-type]
            cold = one_run(workdir, "cold", llm, arxiv, args, fulltext=True)  # type: ignore[arg-type]
            warm = one_run(workdir, "warm", llm, arxiv, args, fulltext=True)  # type: ignore[arg-type]
            plain = one_run(workdir, "abstract", llm, arxiv, args, fulltext=False)  # type: ignore[arg-type]

    print(
        f"machine: {cpu_name()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"{dt.date.today().isoformat()}"
    )
    n = len(ids)
    print(
        f"day: {n} papers ({sum(k == 'html' for k in kinds.values())} with HTML, "
        f"{sum(k == 'pdf' for k in kinds.values())} PDF only, "
        f"{sum(k == 'none' for k in kinds.values())} neither); arXiv spacing {args.interval:g} s; "
        f"LLM latency {args.latency:g} s per paper, {args.concurrency} in flight"
    )
    for name, run in (("cold cache", cold), ("warm cache", warm), ("abstract only", plain)):
        stalled = run.wall - run.summarizing
        print(
            f"{name}: wall {run.wall:.1f} s, {run.requests} arXiv requests, {run.chat} summaries"
            + (f", inputs {run.counts}" if run.counts else "")
        )
        print(
            f"  in build_input {run.build:6.1f} s ({run.build / run.wall:6.1%}), of which asleep "
            f"for the spacing {run.waited:6.1f} s ({run.waited / run.wall:6.1%})"
        )
        print(
            f"  a summary in flight {run.summarizing:6.1f} s ({run.summarizing / run.wall:6.1%}); "
            f"none in flight {stalled:6.1f} s ({stalled / run.wall:6.1%})"
        )
    print(
        f"full text costs {cold.wall - plain.wall:+.1f} s of wall time on a cold cache, "
        f"{warm.wall - plain.wall:+.1f} s on a warm one"
    )


if __name__ == "__main__":
    main()
