"""Issue 3 benchmark: generation speed through paperdigest vs a bare llama-cpp-python call.

Loads the default model twice in one process: once inside ``LocalSummarizer`` and once as a bare
``llama_cpp.Llama`` with the same context, threads, batch and repeat window. For each paper
(the top N of the shared day, abstracts only) both generate the three sections from the same
messages with the same JSON-schema grammar and sampling settings; the bare call has no logits
processor, so paperdigest's own work (token budgeting, the Latin-start penalty, answer parsing)
is all in the ratio. Side and order alternate per paper; one warm-up paper is not counted.

    .venv/bin/python bench/local_speed.py [--papers 4]

Ratio = (generated tokens / s through paperdigest) / (generated tokens / s bare); target >= 0.95.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path
from typing import Any

from paperdigest.models import SECTION_KEYS
from paperdigest.prompts import abstract_input, load_prompts
from paperdigest.review import load_source
from paperdigest.summarize.base import SummaryRequest
from paperdigest.summarize.local import LocalSummarizer, fit_input

DAY = Path(__file__).resolve().parents[2] / "shared" / "data" / "hf-daily-2024-07-22.json"


def bare_llama(s: LocalSummarizer) -> Any:
    import llama_cpp

    return llama_cpp.Llama(
        model_path=str(s.choice.path),
        n_ctx=s.n_ctx,
        n_batch=s.n_batch,
        n_threads=s.n_threads,
        n_threads_batch=s.n_threads,
        last_n_tokens_size=s.options.repeat_window,
        seed=s.options.seed,
        use_mmap=False,
        verbose=False,
    )


def run_bare(llm: Any, s: LocalSummarizer, request: SummaryRequest) -> tuple[int, float]:
    """The three sections with llama-cpp-python alone: (generated tokens, seconds)."""
    text, _ = fit_input(request.input_text, s.input_limit(request), s.tokenize, s.detokenize)
    lang = request.prompts.lang
    settings = {k: v for k, v in s.sampling(lang).items() if k != "logits_processor"}
    tokens, seconds = 0, 0.0
    for key in SECTION_KEYS:
        messages = s.messages(request, key, text)
        start = time.perf_counter()
        response = llm.create_chat_completion(messages, **settings)
        seconds += time.perf_counter() - start
        tokens += response["usage"]["completion_tokens"]
    return tokens, seconds


def run_paperdigest(s: LocalSummarizer, request: SummaryRequest) -> tuple[int, float]:
    before = len(s.calls)
    start = time.perf_counter()
    s.summarize(request)
    seconds = time.perf_counter() - start
    return sum(c.completion_tokens for c in s.calls[before:]), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=4, help="papers measured (after 1 warm-up)")
    args = parser.parse_args()
    prompts = load_prompts("ko")
    papers = list(load_source(DAY).values())[: args.papers + 1]
    summarizer = LocalSummarizer(None, {})
    bare = bare_llama(summarizer)
    totals = {"paperdigest": [0, 0.0], "bare": [0, 0.0]}
    load = os.getloadavg()[0]
    for i, paper in enumerate(papers):
        request = SummaryRequest(paper, abstract_input(paper), prompts)
        sides = ["paperdigest", "bare"] if i % 2 == 0 else ["bare", "paperdigest"]
        for side in sides:
            if side == "bare":
                tokens, seconds = run_bare(bare, summarizer, request)
            else:
                tokens, seconds = run_paperdigest(summarizer, request)
            print(f"{'warm-up' if i == 0 else paper.id}: {side:11} {tokens:4d} tokens "
                  f"{seconds:6.1f} s  {tokens / seconds:5.1f} tok/s", flush=True)  # fmt: skip
            if i > 0:
                totals[side][0] += tokens
                totals[side][1] += seconds
    rate = {side: t[0] / t[1] for side, t in totals.items()}
    print(
        f"\nMachine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
        f"n_ctx {summarizer.n_ctx}, {summarizer.n_threads} threads; load average at start "
        f"{load:.1f}\n"
        f"paperdigest: {rate['paperdigest']:.2f} tok/s ({totals['paperdigest'][0]} tokens)\n"
        f"bare:        {rate['bare']:.2f} tok/s ({totals['bare'][0]} tokens)\n"
        f"ratio:       {rate['paperdigest'] / rate['bare']:.3f} (target >= 0.95)"
    )
    bare.close()
    summarizer.close()


if __name__ == "__main__":
    main()
