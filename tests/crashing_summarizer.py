"""Test-only summarizers hosted in the worker process (``paperdigest.summarize.worker``): one
that dies of a signal on its Nth paper, hangs, writes to fd 1, or fails like a real backend.

Registered as a backend by tests (in the plugin registry's summarizers, as "crashtest"); the
factory reads its behaviour from CRASH_* variables.
"""

from __future__ import annotations

import os
import resource
import signal
import sys
import time
from typing import Any, ClassVar

from paperdigest.errors import ConfigError, InvalidAnswer
from paperdigest.models import Sections
from paperdigest.summarize.base import Summarizer, SummaryRequest
from paperdigest.summarize.worker import WorkerSummarizer


class Crasher(Summarizer):
    name: ClassVar[str] = "crashtest"
    max_concurrency: ClassVar[int | None] = 1
    input_budget_tokens: ClassVar[int] = 1234

    def __init__(
        self,
        crash_on: int = 0,
        signal_name: str = "SIGILL",
        hang_on: int = 0,
        invalid_on: int = 0,
        noise: bool = False,
        refuse: str = "",
    ) -> None:
        if refuse:
            raise ConfigError(refuse)
        self.crash_on, self.hang_on, self.invalid_on = crash_on, hang_on, invalid_on
        self.signal = signal.Signals[signal_name]
        self.noise = noise
        self.papers = 0

    @property
    def model_id(self) -> str:
        return "crash-model"

    @property
    def writer_version(self) -> str:
        return "crash-writer-7"

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def summarize(self, request: SummaryRequest) -> Sections:
        self.papers += 1
        if self.noise:
            os.write(1, b"native noise on fd 1\n")  # what a C library printing to stdout does
            print("python noise on stdout")
            sys.stdout.flush()
        if self.papers == self.crash_on:
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
            os.kill(os.getpid(), self.signal)  # as a trapped instruction in llama.cpp would
            time.sleep(10)
        if self.papers == self.hang_on:
            time.sleep(3600)  # a stuck generation
        if self.papers == self.invalid_on:
            raise InvalidAnswer("the answer is not JSON: 'garbage'")
        self.usage.add(tokens=100)
        title = request.paper.title
        return Sections(
            whats_new=f"이 논문은 {title}을(를) 제안합니다.",
            technical_details=f"{title}의 방법은 새로운 구조(architecture)를 사용합니다.",
            performance_highlights="실험에서 기존 방법보다 좋은 성능을 보였습니다.",
        )


def worker_factory(**_config: Any) -> WorkerSummarizer:
    """A backend factory (``make_summarizer`` calls it): a Crasher in a worker process."""
    env = os.environ
    return WorkerSummarizer(
        "crashing_summarizer:Crasher",
        {
            "crash_on": int(env.get("CRASH_ON", "0")),
            "signal_name": env.get("CRASH_SIGNAL", "SIGILL"),
            "hang_on": int(env.get("CRASH_HANG_ON", "0")),
        },
        answer_timeout=float(env.get("CRASH_TIMEOUT", "60")),
    )
