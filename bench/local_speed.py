"""Issues 3 and 11 benchmark: generation speed through paperdigest vs a bare llama-cpp-python call.

Through paperdigest means as ``paperdigest digest`` runs it: the ``local`` backend in its worker
process (``paperdigest.summarize.worker``), each paper's request pickled to it and the sections
back. Bare means a ``llama_cpp.Llama`` in this process with the same model, context, threads,
batch and repeat window. For each paper (the top N of the shared day, abstracts only) both
generate the three sections from the same messages with the same JSON-schema grammar and
sampling settings; the bare call has no logits processor, so paperdigest's own work (the worker
round trip, token budgeting, the Latin-start penalty, the number guard, answer parsing) is all in
the ratio. Side and order alternate per paper; one warm-up paper is not counted.

    .venv/bin/python bench/local_speed.py [--papers 4] [--in-process] [--threads N]

``--in-process`` measures the backend without the worker (``PAPERDIGEST_LOCAL_WORKER=0``).
Ratio = (generated tokens / s through paperdigest) / (generated tokens / s bare); target >= 0.95.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path
from typing import Any

from paperdigest.models import SECTION_KEYS
from paperdigest.prompts import abstract_input, load_prompts
from paperdigest.review import load_source
from paperdigest.summarize.base import SummaryRequest
from paperdigest.summarize.local import SECTION_SCHEMA, LocalSummarizer, fit_input
from paperdigest.summarize.worker import LOCAL_TARGET, WorkerSummarizer

DAY = Path(__file__).resolve().parents[2] / "shared" / "data" / "hf-daily-2024-07-22.json"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def bare_llama(s: Any) -> Any:
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


def run_bare(llm: Any, s: Any, request: SummaryRequest) -> tuple[int, float]:
    """The three sections with llama-cpp-python alone: (generated tokens, seconds)."""
    limit = s.call("input_limit", request) if isinstance(s, WorkerSummarizer) else s.input_limit(
        request
    )

    def tokenize(text: str) -> list[int]:
        return list(llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def detokenize(tokens: Any) -> str:
        return bytes(llm.detokenize(list(tokens))).decode("utf-8", errors="ignore")

    text, _ = fit_input(request.input_text, limit, tokenize, detokenize)
    opts = s.options
    settings = {
        "response_format": {"type": "json_object", "schema": SECTION_SCHEMA},
        "temperature": opts.temperature,
        "top_p": opts.top_p,
        "repeat_penalty": opts.repeat_penalty,
        "max_tokens": opts.max_tokens,
        "seed": opts.seed,
    }
    tokens, seconds = 0, 0.0
    for key in SECTION_KEYS:
        messages = request.prompts.section(key, request.paper.title, text, request.problems)
        start = time.perf_counter()
        response = llm.create_chat_completion(messages, **settings)
        seconds += time.perf_counter() - start
        tokens += response["usage"]["completion_tokens"]
    return tokens, seconds


def run_paperdigest(s: Any, request: SummaryRequest) -> tuple[int, float]:
    before = len(s.calls)
    start = time.perf_counter()
    s.summarize(request)
    seconds = time.perf_counter() - start
    return sum(c.completion_tokens for c in s.calls[before:]), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=4, help="papers measured (after 1 warm-up)")
    parser.add_argument("--in-process", action="store_true", help="no worker process")
    parser.add_argument("--threads", type=int, help="n_threads for both sides (default: CPUs)")
    args = parser.parse_args()
    prompts = load_prompts("ko")
    papers = list(load_source(DAY).values())[: args.papers + 1]
    # The same work on both sides: the three sections from the same prompts (compose mode).
    options: dict[str, Any] = {"mode": "compose"}
    if args.threads:
        options["n_threads"] = args.threads
    summarizer: Any
    if args.in_process:
        summarizer = LocalSummarizer(None, options)
    else:
        summarizer = WorkerSummarizer(LOCAL_TARGET, {"model_path": None, "options": options})
    bare = bare_llama(summarizer)
    import llama_cpp

    system_info = llama_cpp.llama_print_system_info().decode(errors="replace").strip()
    side_name = "in-process" if args.in_process else "worker"
    totals = {side_name: [0, 0.0], "bare": [0, 0.0]}
    load = os.getloadavg()[0]
    for i, paper in enumerate(papers):
        request = SummaryRequest(paper, abstract_input(paper), prompts)
        sides = [side_name, "bare"] if i % 2 == 0 else ["bare", side_name]
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
        f"\nMachine: {os.cpu_count()} cores, {cpu_model()}, n_ctx {summarizer.n_ctx}, "
        f"{summarizer.n_threads} threads; load average at start {load:.1f}\n"
        f"llama.cpp: {system_info}\n"
        f"paperdigest ({side_name}): {rate[side_name]:.2f} tok/s ({totals[side_name][0]} tokens)\n"
        f"bare:        {rate['bare']:.2f} tok/s ({totals['bare'][0]} tokens)\n"
        f"ratio:       {rate[side_name] / rate['bare']:.3f} (target >= 0.95)"
    )
    bare.close()
    summarizer.close()


if __name__ == "__main__":
    main()
