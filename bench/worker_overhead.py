"""Issue 11: what the worker process costs per paper, measured without a model.

The same summarizer (``extractive``: no LLM, a few milliseconds per paper) is called for the 16
papers of the shared day, N rounds, once in this process and once hosted in a worker process
(``WorkerSummarizer``: the request pickled over a pipe, the sections back). The difference per
call is the worker's own cost, which the local backend pays once per paper next to tens of
seconds of generation.

    .venv/bin/python bench/worker_overhead.py [--rounds 20]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from paperdigest.prompts import abstract_input, load_prompts
from paperdigest.review import load_source
from paperdigest.summarize.base import Summarizer, SummaryRequest
from paperdigest.summarize.extractive import ExtractiveSummarizer
from paperdigest.summarize.worker import WorkerSummarizer

DAY = Path(__file__).resolve().parents[2] / "shared" / "data" / "hf-daily-2024-07-22.json"


def per_call(summarizer: Summarizer, requests: list[SummaryRequest], rounds: int) -> float:
    for request in requests:  # warm-up
        summarizer.summarize(request)
    start = time.perf_counter()
    for _ in range(rounds):
        for request in requests:
            summarizer.summarize(request)
            summarizer.count_tokens(request.input_text)
    return (time.perf_counter() - start) / (rounds * len(requests))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    prompts = load_prompts("en")
    requests = [SummaryRequest(p, abstract_input(p), prompts) for p in load_source(DAY).values()]
    local = per_call(ExtractiveSummarizer(), requests, args.rounds)
    worker = WorkerSummarizer("paperdigest.summarize.extractive:ExtractiveSummarizer")
    try:
        hosted = per_call(worker, requests, args.rounds)
    finally:
        worker.close()
    extra = hosted - local
    print(f"in-process: {local * 1000:.2f} ms per paper (summarize + count_tokens)")
    print(f"worker:     {hosted * 1000:.2f} ms per paper")
    print(f"worker's own cost: {extra * 1000:.2f} ms per paper; against 30 s of generation per "
          f"paper that is a ratio of {30 / (30 + extra):.5f}")  # fmt: skip


if __name__ == "__main__":
    main()
