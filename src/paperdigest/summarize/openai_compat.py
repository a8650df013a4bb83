"""``openai``: any OpenAI-compatible server (OpenAI, vLLM, Ollama, llama.cpp server, ...).

Asks for structured output with a JSON schema holding the three sections and validates the
answer. The SDK's own retries are off: an answer with a retryable status (408, 409, 429, 5xx) is
asked again here, with backoff honouring ``Retry-After``; a timeout or a lost connection is not
retried per paper but raised as :class:`~paperdigest.errors.ServerTrouble`, which the run's
circuit breaker counts across papers (a hung server costs about two timeouts, not papers ×
retries).
"""

from __future__ import annotations

import os
import random
import time
from typing import Any, ClassVar

from pydantic import Field

from ..errors import (
    BackendError,
    BackendUnavailable,
    ConfigError,
    InvalidAnswer,
    NeedsKey,
    ServerTrouble,
)
from ..models import Sections
from ..untrusted import redact_url
from .base import SECTIONS_SCHEMA, Summarizer, SummaryRequest, parse_sections

OPENAI_URL = "https://api.openai.com/v1"
DEFAULT_OPENAI_MODEL = "gpt-4o-mini"
RETRY_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504})
RETRY_AFTER_MAX = 60.0  # seconds: a longer Retry-After fails the paper instead of waiting


class OpenAICompatible(Summarizer):
    name: ClassVar[str] = "openai"
    needs_key: ClassVar[bool] = True
    # API models have long contexts: most papers fit whole (PAPERDIGEST_INPUT_BUDGET to change,
    # e.g. for a small-context model behind a local server)
    input_budget_tokens: ClassVar[int] = 24000

    class Options(Summarizer.Options):
        temperature: float = Field(0.2, ge=0, le=2)
        max_tokens: int = Field(1200, ge=64, le=32000)

    def __init__(
        self,
        *,
        base_url: str | None = None,
        model: str | None = None,
        key_env: str = "OPENAI_API_KEY",
        timeout: float = 120.0,
        max_retries: int = 4,
        options: dict[str, Any] | None = None,
    ) -> None:
        try:
            import openai
        except ImportError:  # pragma: no cover - a core dependency
            raise ConfigError("the 'openai' package is missing: pip install openai") from None
        self._openai = openai
        self.base_url = (base_url or os.environ.get("OPENAI_BASE_URL") or OPENAI_URL).rstrip("/")
        self.shown_url = redact_url(self.base_url)  # what messages name: no credentials
        self.timeout = timeout
        self.max_retries = max_retries
        key = os.environ.get(key_env)
        if not key:
            if self.base_url == OPENAI_URL:
                raise NeedsKey(self.name, key_env)
            key = "no-key"  # local servers (vLLM, Ollama, llama.cpp) accept any key
        try:
            self.options = self.Options(**(options or {}))
        except Exception as exc:
            raise ConfigError(f"bad option for the openai backend: {exc}") from None
        import httpx

        def count_request(request: httpx.Request) -> None:
            self.usage.add(http_requests=1)

        self.client = openai.OpenAI(
            base_url=self.base_url,
            api_key=key,
            timeout=timeout,
            max_retries=0,  # see the module docstring
            http_client=openai.DefaultHttpxClient(event_hooks={"request": [count_request]}),
        )
        self._model = model or self._default_model()
        self._structured = True  # falls back to json_object mode if the server refuses schemas

    @property
    def model_id(self) -> str:
        return self._model

    def _default_model(self) -> str:
        if self.base_url == OPENAI_URL:
            return DEFAULT_OPENAI_MODEL
        try:
            models = [m.id for m in self.client.models.list()]
        except self._openai.APIConnectionError as exc:
            raise BackendUnavailable(_what(exc, self.shown_url, self.timeout)) from None
        except self._openai.APIError as exc:
            raise ConfigError(
                f"cannot list the models of {self.shown_url} ({_detail(exc)}): pass --model"
            ) from None
        if len(models) == 1:
            return models[0]
        if not models:
            raise ConfigError(f"the server at {self.shown_url} serves no model: pass --model")
        raise ConfigError(
            f"the server at {self.shown_url} serves {len(models)} models "
            f"({', '.join(models[:8])}): choose one with --model"
        )

    def _response_format(self) -> dict[str, Any]:
        if self._structured:
            return {
                "type": "json_schema",
                "json_schema": {"name": "paper_summary", "strict": True, "schema": SECTIONS_SCHEMA},
            }
        return {"type": "json_object"}

    def summarize(self, request: SummaryRequest) -> Sections:
        messages = request.prompts.whole(request.paper.title, request.input_text, request.problems)
        openai = self._openai
        try:
            response = self._create(messages)
        except openai.BadRequestError as exc:
            if self._structured and "response_format" in str(exc).lower():
                self._structured = False
                response = self._create(messages)
            else:
                raise BackendError(f"the server refused the request: {_detail(exc)}") from None
        except openai.AuthenticationError as exc:
            raise ConfigError(
                f"the server at {self.shown_url} rejected the API key ({_detail(exc)}): "
                f"check OPENAI_API_KEY"
            ) from None
        except openai.NotFoundError as exc:
            raise ConfigError(
                f"model {self._model!r} not found at {self.shown_url} ({_detail(exc)}): "
                "pass --model"
            ) from None
        except openai.APIConnectionError as exc:  # timeouts included
            raise ServerTrouble(
                _what(exc, self.shown_url, self.timeout), server=self.shown_url
            ) from None
        except openai.RateLimitError as exc:
            raise BackendError(f"rate limited by {self.shown_url}: {_detail(exc)}") from None
        except openai.APIStatusError as exc:
            raise BackendError(f"the LLM server answered HTTP {exc.status_code}") from None
        except openai.APIError as exc:
            raise InvalidAnswer(f"unreadable answer from the server: {exc}") from None
        except ValueError as exc:  # the SDK raises JSONDecodeError for a body that is not JSON
            raise InvalidAnswer(f"the server's answer is not JSON: {exc}") from None
        total = getattr(getattr(response, "usage", None), "total_tokens", None)
        if isinstance(total, int):
            self.usage.add(tokens=total)
        choices = getattr(response, "choices", None)
        if not isinstance(choices, list) or not choices:
            raise InvalidAnswer("the server's answer has no choices")
        choice = choices[0]
        message = getattr(choice, "message", None)
        content = getattr(message, "content", None)
        if getattr(choice, "finish_reason", None) == "length":
            raise InvalidAnswer("the answer was cut off (max_tokens reached)")
        if not isinstance(content, str):
            raise InvalidAnswer("the server's answer has no message content")
        return parse_sections(content)

    def _create(self, messages: list[dict[str, str]]) -> Any:
        """One answer; a retryable status is asked again (``max_retries`` times, backoff)."""
        for attempt in range(self.max_retries + 1):
            try:
                return self.client.chat.completions.create(  # type: ignore[call-overload]
                    model=self._model,
                    messages=messages,
                    response_format=self._response_format(),
                    temperature=self.options.temperature,
                    max_tokens=self.options.max_tokens,
                )
            except self._openai.APIStatusError as exc:
                if exc.status_code not in RETRY_STATUSES or attempt >= self.max_retries:
                    raise
                delay = _retry_after(exc) or min(8.0, 0.5 * 2**attempt) * random.uniform(0.8, 1.2)
                if delay > RETRY_AFTER_MAX:
                    raise
                time.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        self.client.close()


def _what(exc: Exception, server: str, timeout: float) -> str:
    """What went wrong with a request that got no answer, in one line."""
    if isinstance(exc, _timeout_error()):
        return f"the LLM server at {server} did not answer within {timeout:g}s (timed out)"
    cause = exc.__cause__ or exc.__context__
    detail = f"{cause.__class__.__name__}: {cause}" if cause is not None else str(exc)
    detail = " ".join(redact_url(detail).split())[:160]
    return f"cannot reach the LLM server at {server} ({detail}); is it running?"


def _timeout_error() -> type[Exception]:
    import openai

    return openai.APITimeoutError


def _retry_after(exc: Exception) -> float | None:
    response = getattr(exc, "response", None)
    value = response.headers.get("retry-after") if response is not None else None
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


def _detail(exc: Exception) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"])[:200]
        if isinstance(error, str):
            return error[:200]
    return str(exc)[:200]
