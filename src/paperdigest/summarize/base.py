"""The summarizer interface: one method to implement, declared capabilities, typed options."""

from __future__ import annotations

import json
import re
import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationError

from ..errors import InvalidAnswer
from ..models import SECTION_KEYS, Paper, Sections
from ..prompts import PromptSet


@dataclass
class BackendConfig:
    """What the user chose for the backend; each summarizer factory takes what it needs."""

    name: str = "auto"
    model: str | None = None
    base_url: str | None = None
    key_env: str = "OPENAI_API_KEY"
    model_path: str | None = None
    timeout: float = 120.0
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SummaryRequest:
    paper: Paper
    input_text: str  # exactly what the model is given
    prompts: PromptSet
    problems: list[str] = field(default_factory=list)  # feedback from failed checks, if any


class Usage:
    """What a backend used in this process: calls, HTTP requests (retries included), tokens.

    Thread-safe; the digest scheduler enforces per-run budgets with :meth:`take_call`.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls = 0
        self.http_requests = 0
        self.tokens = 0

    def take_call(self, max_calls: int | None, max_tokens: int | None) -> str | None:
        """Count one call, or return why the budget forbids it (nothing counted then)."""
        with self._lock:
            if max_calls is not None and self.calls >= max_calls:
                return f"the run's budget of {max_calls} LLM calls is used up (--max-calls)"
            if max_tokens is not None and self.tokens >= max_tokens:
                return (f"the run's budget of {max_tokens} tokens is used up ({self.tokens} "
                        "used; --max-tokens)")
            self.calls += 1
            return None

    def add(self, *, tokens: int = 0, http_requests: int = 0) -> None:
        with self._lock:
            self.tokens += tokens
            self.http_requests += http_requests


class Summarizer(ABC):
    """Turn one paper's text into the three sections.

    Subclasses set ``name`` and implement :meth:`summarize`; they raise
    :class:`~paperdigest.errors.InvalidAnswer` when the model's answer lacks the sections (the
    digest run retries), :class:`~paperdigest.errors.BackendError` for a failure of one paper, and
    :class:`~paperdigest.errors.ConfigError` when no paper can succeed (bad key, unknown model),
    :class:`~paperdigest.errors.BackendStopped` when the backend can serve no more papers in this
    run (both stop the run, keeping what it has).
    """

    name: ClassVar[str]
    needs_key: ClassVar[bool] = False
    max_concurrency: ClassVar[int | None] = None  # None: no limit of its own
    languages: ClassVar[tuple[str, ...] | None] = None  # None: any language with prompts
    input_budget_tokens: ClassVar[int] = 6000  # how much paper text to give the model

    def count_tokens(self, text: str) -> int:
        """Tokens ``text`` takes for this backend's model (default: a ~4 chars/token estimate)."""
        return max(1, len(text) // 4)

    class Options(BaseModel):
        model_config = ConfigDict(extra="forbid")

    @property
    @abstractmethod
    def model_id(self) -> str:
        """The model identity recorded with each summary (part of the reuse key)."""

    @property
    def writer_version(self) -> str:
        """The version of the backend's own way of writing, beyond its model and prompt files
        (part of the reuse key): a backend whose code decides what is written bumps it when that
        code changes, so an upgrade summarizes again instead of keeping the old summaries."""
        return ""

    @abstractmethod
    def summarize(self, request: SummaryRequest) -> Sections: ...

    @property
    def usage(self) -> Usage:
        """Calls and tokens used so far (backends add tokens and HTTP requests they see)."""
        found = self.__dict__.get("_usage")
        if found is None:
            found = self.__dict__.setdefault("_usage", Usage())
        return found  # type: ignore[no-any-return]

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release resources (loaded models, HTTP pools)."""


SECTIONS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {key: {"type": "string", "minLength": 1} for key in SECTION_KEYS},
    "required": list(SECTION_KEYS),
    "additionalProperties": False,
}

_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$", re.IGNORECASE)


def parse_sections(content: str | None) -> Sections:
    """Validate a model's JSON answer; raise InvalidAnswer with a readable reason."""
    if not content or not content.strip():
        raise InvalidAnswer("the model returned an empty answer")
    text = _FENCE.sub("", content.strip())
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        start, end = text.find("{"), text.rfind("}")
        if start < 0 or end <= start:
            raise InvalidAnswer(f"the answer is not JSON: {content[:80]!r}") from None
        try:
            data = json.loads(text[start : end + 1])
        except json.JSONDecodeError as exc:
            raise InvalidAnswer(f"the answer is not valid JSON ({exc.msg})") from None
    if not isinstance(data, dict):
        raise InvalidAnswer("the answer is JSON but not an object")
    missing = [k for k in SECTION_KEYS if not isinstance(data.get(k), str) or not data[k].strip()]
    if missing:
        raise InvalidAnswer(f"the answer lacks {', '.join(missing)}")
    try:
        return Sections(**{k: data[k] for k in SECTION_KEYS})
    except ValidationError as exc:
        raise InvalidAnswer(f"the answer is malformed: {exc.errors()[0]['msg']}") from None
