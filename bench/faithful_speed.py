"""Issue 14 benchmark: time per paper of the local backend's two ways of writing, side by side.

Loads the default local model once (in this process), then for each paper of the chosen day
summarizes it the old way (``compose``: each section written freely) and the new way
(``translate``: the abstract's sentences chosen per section, translated one by one and verified),
each through the same repair loop the digest uses (checks, default 2 repairs), alternating the
order per paper so a change in machine load touches both alike. Abstracts only (the text the
judged digests were written from). Prints per paper and in total: seconds, model calls, output
tokens, and the translate/compose ratio of the time per paper.

    .venv/bin/python bench/faithful_speed.py [--day ../shared/data/hf-daily-2024-07-22.json]
        [--limit N] [--threads N] [--verify]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from local_day import cpu_name  # bench/: the same machine line as the day benchmark
from paperdigest.digest.repair import checks_for, summarize_checked
from paperdigest.prompts import abstract_input, load_prompts
from paperdigest.sources.hf_format import parse_items
from paperdigest.summarize.base import SummaryRequest
from paperdigest.summarize.local import LocalSummarizer

ROOT = Path(__file__).resolve().parents[1]
DAY = ROOT.parent / "shared" / "data" / "hf-daily-2024-07-22.json"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--day", type=Path, default=DAY)
    parser.add_argument("--limit", type=int)
    parser.add_argument("--threads", type=int)
    parser.add_argument("--verify", action="store_true", help="translate mode with -o verify")
    args = parser.parse_args()
    papers = list(parse_items(json.loads(args.day.read_text(encoding="utf-8")), None))
    papers = papers[: args.limit] if args.limit else papers
    options: dict[str, object] = {"verify": args.verify}
    if args.threads:
        options["n_threads"] = args.threads
    summarizer = LocalSummarizer(options=options)
    prompts = load_prompts("ko")
    totals = {"compose": [0.0, 0, 0], "translate": [0.0, 0, 0]}
    print(f"machine: {cpu_name()}, {summarizer.n_threads} threads; {len(papers)} papers")
    print(f"{'paper':<12} {'compose s':>10} {'translate s':>12} {'ratio':>6}  flagged (c/t)")
    for n, paper in enumerate(papers):
        text = abstract_input(paper)
        check = checks_for(paper, text, "ko")
        row: dict[str, float] = {}
        flags: dict[str, str] = {}
        modes = ("compose", "translate") if n % 2 == 0 else ("translate", "compose")
        for mode in modes:
            summarizer.options.mode = mode  # type: ignore[assignment]
            calls_before = len(summarizer.calls)
            started = time.perf_counter()
            outcome = summarize_checked(
                summarizer, SummaryRequest(paper, text, prompts), check, answer_retries=2,
                repairs=2,
            )  # fmt: skip
            seconds = time.perf_counter() - started
            calls = summarizer.calls[calls_before:]
            totals[mode][0] += seconds
            totals[mode][1] += len(calls)
            totals[mode][2] += sum(c.completion_tokens for c in calls)
            row[mode] = seconds
            flags[mode] = ",".join(sorted({p.check for p in outcome.best.problems})) or "-"
        ratio = row["translate"] / row["compose"]
        print(
            f"{paper.id:<12} {row['compose']:>10.1f} {row['translate']:>12.1f} {ratio:>6.2f}  "
            f"{flags['compose']} / {flags['translate']}"
        )
        sys.stdout.flush()
    c, t = totals["compose"], totals["translate"]
    print(
        f"\nper paper: compose {c[0] / len(papers):.1f} s ({c[1] / len(papers):.1f} calls, "
        f"{c[2] / len(papers):.0f} tokens out); translate {t[0] / len(papers):.1f} s "
        f"({t[1] / len(papers):.1f} calls, {t[2] / len(papers):.0f} tokens out); "
        f"ratio {t[0] / c[0]:.2f}"
    )
    summarizer.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
