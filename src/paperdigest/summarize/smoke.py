"""The smoke test: the installed llama.cpp generates from a long prompt, in a child process.

A build that uses an instruction the machine traps (AMX on a VM, say) answers a one-token prompt
and dies on the first prompt of a few hundred tokens, where batched matrix products start. So the
child evaluates a prompt of more than :data:`MIN_PROMPT_TOKENS` tokens in one batch and generates
a few tokens. The parent only watches: a child killed by a signal becomes one line naming the
signal, its likely cause and the command that fixes it (:mod:`.native`).

Run by ``scripts/setup`` after installing a build (``python -m paperdigest.summarize.smoke
--json``) and by ``paperdigest model verify``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from typing import Any

from ..errors import AppError
from .native import describe_exit, no_core_dumps

MIN_PROMPT_TOKENS = 512
GENERATE_TOKENS = 8
TIMEOUT = 600.0  # loading and one long prompt take seconds; this is for a stuck build

_PARAGRAPH = (
    "Large language models are evaluated on reasoning, coding and retrieval benchmarks. "
    "This paper measures how quantized weights, batched matrix products and long contexts "
    "change the speed and the accuracy of a small model on a commodity processor, and it "
    "reports 12.5 tokens per second with 4-bit weights. "
)


@dataclass
class SmokeResult:
    ok: bool
    message: str
    crashed: bool = False  # the child died of a signal
    signal: str | None = None
    prompt_tokens: int = 0
    seconds: float = 0.0


def run_smoke(model_path: str | None = None, timeout: float = TIMEOUT) -> SmokeResult:
    """Load the model in a child process and generate from a long prompt; never raises for a
    crash of the child (it is the result). The default model is assembled first if needed."""
    from .local_model import choose_model

    try:
        chosen = choose_model(model_path, notify=lambda m: print(f"note: {m}", file=sys.stderr))
    except AppError as exc:
        return SmokeResult(False, exc.message)
    cmd = [sys.executable, "-m", "paperdigest.summarize.smoke", "--child", str(chosen.path)]
    started = time.monotonic()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return SmokeResult(
            False,
            f"the llama.cpp smoke test did not finish within {timeout:.0f} s (a stuck build); "
            "fix: run `scripts/setup local --portable`",
        )
    seconds = time.monotonic() - started
    if proc.returncode != 0:
        what, advice = describe_exit(proc.returncode)
        crashed = proc.returncode < 0
        detail = "" if crashed else _last_line(proc.stderr)
        return SmokeResult(
            False,
            f"the llama.cpp smoke test (a {MIN_PROMPT_TOKENS}+-token prompt) died: {what}"
            f"{f' ({detail})' if detail else ''}; {advice}",
            crashed=crashed,
            signal=what if crashed else None,
            seconds=seconds,
        )
    try:
        data = json.loads(proc.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return SmokeResult(False, "the llama.cpp smoke test gave no result", seconds=seconds)
    return SmokeResult(
        True,
        f"{data['prompt_tokens']}-token prompt and {data['generated']} new tokens in "
        f"{seconds:.1f} s ({chosen.path.name})",
        prompt_tokens=int(data["prompt_tokens"]),
        seconds=seconds,
    )


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:200] if lines else ""


def _child(model: str) -> None:
    """In the child: load, evaluate the long prompt in one batch, generate; print JSON."""
    no_core_dumps()
    result = os.fdopen(os.dup(1), "w")  # our result channel; llama.cpp's own prints go to stderr
    os.dup2(2, 1)
    import llama_cpp

    from .local import cpu_threads

    threads = cpu_threads()
    llm = llama_cpp.Llama(
        model_path=model,
        n_ctx=2048,
        n_batch=1024,
        n_threads=threads,
        n_threads_batch=threads,
        use_mmap=False,
        verbose=False,
    )
    text = _PARAGRAPH
    while len(llm.tokenize(text.encode())) <= MIN_PROMPT_TOKENS + 64:
        text += _PARAGRAPH
    tokens = llm.tokenize(text.encode())
    started = time.perf_counter()
    out: Any = llm.create_completion(tokens, max_tokens=GENERATE_TOKENS, temperature=0.0)
    generated = int(out["usage"]["completion_tokens"])
    print(
        json.dumps(
            {
                "prompt_tokens": len(tokens),
                "generated": generated,
                "seconds": round(time.perf_counter() - started, 2),
            }
        ),
        file=result,
        flush=True,
    )
    llm.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m paperdigest.summarize.smoke")
    parser.add_argument("--child", metavar="MODEL", help=argparse.SUPPRESS)
    parser.add_argument("--model-path", help="a GGUF file instead of the default model")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--timeout", type=float, default=TIMEOUT)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child)
        return 0
    result = run_smoke(args.model_path, args.timeout)
    if args.json:
        print(json.dumps(asdict(result)))
    elif result.ok:
        print(f"ok: {result.message}")
    else:
        print(f"error: {result.message}", file=sys.stderr)
    return 0 if result.ok else 2


if __name__ == "__main__":
    sys.exit(main())
