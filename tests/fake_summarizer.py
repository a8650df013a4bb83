"""A deterministic summarizer for unit tests: returns queued answers and records every request."""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import ClassVar

from paperdigest.errors import AppError
from paperdigest.models import Sections
from paperdigest.summarize.base import Summarizer, SummaryRequest


class FakeSummarizer(Summarizer):
    """``enqueue`` answers (Sections, a dict of sections, or an exception to raise); with the
    queue empty, ``default`` is answered. ``requests`` holds every request in order."""

    name: ClassVar[str] = "fake"

    def __init__(
        self,
        *answers: Sections | dict[str, str] | AppError,
        default: Sections | dict[str, str] | AppError | None = None,
        delay: float = 0.0,
        languages: tuple[str, ...] | None = None,
    ) -> None:
        self.queue: deque[Sections | dict[str, str] | AppError] = deque(answers)
        self.default = default
        self.delay = delay
        self.requests: list[SummaryRequest] = []
        self.lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0
        if languages is not None:
            self.languages = languages  # type: ignore[misc]

    @property
    def model_id(self) -> str:
        return "fake-1"

    def enqueue(self, *answers: Sections | dict[str, str] | AppError) -> None:
        self.queue.extend(answers)

    def prompts_seen(self) -> list[list[str]]:
        """The feedback (problems) each request carried."""
        return [list(r.problems) for r in self.requests]

    def summarize(self, request: SummaryRequest) -> Sections:
        with self.lock:
            self.requests.append(request)
            answer = self.queue.popleft() if self.queue else self.default
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.delay:
                time.sleep(self.delay)
            if answer is None:
                raise AssertionError("FakeSummarizer: no answer queued")
            if isinstance(answer, AppError):
                raise answer
            return answer if isinstance(answer, Sections) else Sections(**answer)
        finally:
            with self.lock:
                self.in_flight -= 1
