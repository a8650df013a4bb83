"""Issue 15 benchmark: reading a day of arXiv categories, and merging it with Hugging Face.

Against loopback servers (``tests/fakes.py``: ``FakeArxivAPI``, ``FakeHF``), with generated
papers shaped like arXiv's (a 1,100-character abstract, 6 authors, 3 categories, a comment):

- **Parsing:** ``parse_feed`` on one Atom page of 100 entries and on one of 2,000 (the API's
  largest page), best of 5: milliseconds and entries per second.
- **A day:** ``ArxivSource.fetch`` of one listing of ``--papers`` new papers (a busy day of
  cs.CL + cs.IR is about 350 with cross-lists) with pages of 100 and the real spacing
  ``--interval`` (arXiv asks for 3 s): wall time against the spacing alone
  (``(pages - 1) * interval``), i.e. what the source costs beyond the wait arXiv imposes.
- **A merged day:** the same listing merged with a 50-paper Hugging Face list (10 shared).

    .venv/bin/python bench/arxiv_listing.py [--papers 350] [--interval 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from fakes import ArxivPaper, FakeArxivAPI, FakeHF, atom_feed, hf_item  # noqa: E402
from paperdigest.http import RateLimiter  # noqa: E402
from paperdigest.sources.arxiv_api import ArxivSource  # noqa: E402
from paperdigest.sources.arxiv_atom import parse_feed  # noqa: E402
from paperdigest.sources.hf_daily import HFDailySource  # noqa: E402
from paperdigest.sources.merged import MergedSource  # noqa: E402

DAY = dt.date(2024, 7, 23)  # window: Fri 2024-07-19 18:00Z .. Mon 2024-07-22 18:00Z
SENTENCE = ("We study a problem of language models and propose a method that improves the "
            "accuracy on five benchmarks by 3.2 points while using fewer parameters. ")


def papers(n: int) -> list[ArxivPaper]:
    start = dt.datetime(2024, 7, 19, 18, 0, tzinfo=dt.UTC)
    span = 3 * 24 * 3600 - 60
    out = []
    for i in range(n):
        when = start + dt.timedelta(seconds=span * i // max(1, n))
        out.append(ArxivPaper(
            f"2407.{20000 + i}", f"A generated paper number {i} on retrieval and language",
            published=when.strftime("%Y-%m-%dT%H:%M:%SZ"),
            abstract=SENTENCE * 7, authors=tuple(f"Author {i}-{k}" for k in range(6)),
            categories=("cs.CL", "cs.IR", "cs.LG"), comment="12 pages, 4 figures"))
    return out


def bench_parse(n: int) -> tuple[float, int]:
    body = atom_feed([p.entry() for p in papers(n)], total=n).encode()
    best = float("inf")
    for _ in range(5):
        t = time.perf_counter()
        page = parse_feed(body)
        best = min(best, time.perf_counter() - t)
        assert len(page.entries) == n
    return best, len(body)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--papers", type=int, default=350)
    parser.add_argument("--interval", type=float, default=3.0)
    args = parser.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, Python "
          f"{platform.python_version()}")
    for n in (100, 2000):
        seconds, size = bench_parse(n)
        print(f"parse {n:>5} entries ({size / 1e6:.2f} MB): {seconds * 1000:7.1f} ms, "
              f"{n / seconds:,.0f} entries/s")

    listing_papers = papers(args.papers)
    pages = -(-args.papers // 100)
    with FakeArxivAPI(listing_papers) as api:
        source = ArxivSource(("cs.CL", "cs.IR"), api_url=api.api_url, page_size=100,
                             limiter=RateLimiter(args.interval))
        t = time.perf_counter()
        listing = source.fetch(DAY)
        wall = time.perf_counter() - t
        spacing = (pages - 1) * args.interval
        assert len(listing.papers) == args.papers
        print(f"one day: {args.papers} papers, {len(api.queries())} requests, wall {wall:.2f} s, "
              f"spacing alone {spacing:.2f} s, beyond it {wall - spacing:.2f} s")

        hf_list = [hf_item(p.id, p.title, upvotes=50 - k, day=DAY.isoformat())
                   for k, p in enumerate(listing_papers[:10])]
        hf_list += [hf_item(f"2407.{90000 + k}", f"HF only {k}", upvotes=10, day=DAY.isoformat())
                    for k in range(40)]
        with FakeHF({DAY.isoformat(): hf_list}) as hf:
            merged = MergedSource([
                ("hf", HFDailySource(hf.url)),
                ("arxiv:cs.CL,cs.IR", ArxivSource(
                    ("cs.CL", "cs.IR"), api_url=api.api_url, page_size=100,
                    limiter=RateLimiter(args.interval))),
            ])
            t = time.perf_counter()
            day = merged.fetch(DAY)
            wall = time.perf_counter() - t
        print(f"merged day: {len(day.papers)} papers ({dict(day.counts)}), wall {wall:.2f} s, "
              f"beyond the spacing {wall - spacing:.2f} s")


if __name__ == "__main__":
    main()
