"""``openai``: any OpenAI-compatible server (OpenAI, vLLM, Ollama, llama.cpp server, ...).

Asks for structured output with a JSON schema holding the three sections and validates the
answer. An answer with a retryable status (408, 409, 429, 5xx) is asked again, with backoff
honouring ``Retry-After``; a timeout or a lost connection is not retried per paper but raised as
:class:`~paperdigest.errors.ServerTrouble`, which the run's circuit breaker counts across papers
(a hung server costs about two timeouts, not papers × retries).

The two endpoints used (``POST /chat/completions``, ``GET /models``) are spoken directly with
httpx, which every run loads anyway, not through the ``openai`` SDK: importing the SDK costs
about a second of CPU at every start, which a fleet of workers sharing a 2-core machine pays
once each.
"""

from __future__ import annotations

import json
import os
import random
import time
from typing import Any, ClassVar

import httpx
from pydantic import Field

from ..errors import (
    AppError,
    BackendError,
    BackendUnavailable,
    ConfigError,
    InvalidAnswer,
    NeedsKey,
    ServerTrouble,
)
from ..http import USER_AGENT, tls_context
from ..models import Sections
from ..untrusted import redact_url
from .base import SECTIONS_SCHEMA, Summarizer, SummaryRequest, parse_sections

OPENAI_URL = "https://api.openai.com/v1"
DEFAULT_OPENAI_MODEL = "gpt-4o-mini"
RETRY_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504})
RETRY_AFTER_MAX = 60.0  # seconds: a longer Retry-After fails the paper instead of waiting
MAX_ANSWER_BYTES = 8 * 1024 * 1024  # a larger answer is not a summary


class StatusError(Exception):
    """The server answered with an error status; ``body`` is its JSON, else its text."""

    def __init__(self, status_code: int, headers: httpx.Headers, raw: bytes) -> None:
        self.status_code = status_code
        self.headers = headers
        try:
            self.body: Any = json.loads(raw)
        except ValueError:
            self.body = raw[:2000].decode("utf-8", "replace")
        super().__init__(f"Error code: {status_code} - {self.body}")


class NoAnswer(Exception):
    """No answer: a timeout, a refused or lost connection (``cause`` says which)."""

    def __init__(self, cause: httpx.HTTPError) -> None:
        self.cause = cause
        self.timed_out = isinstance(cause, httpx.TimeoutException)
        super().__init__(f"{cause.__class__.__name__}: {cause}")


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

        def count_request(request: httpx.Request) -> None:
            self.usage.add(http_requests=1)

        try:
            self.client = httpx.Client(
                base_url=self.base_url + "/",
                headers={"Authorization": f"Bearer {key}", "User-Agent": USER_AGENT},
                timeout=timeout,
                verify=tls_context(),
                follow_redirects=True,
                event_hooks={"request": [count_request]},
            )
        except (httpx.InvalidURL, httpx.UnsupportedProtocol, ValueError) as exc:
            raise ConfigError(f"--base-url {self.shown_url}: {exc}") from None
        self._model = model or self._default_model()
        self._structured = True  # falls back to json_object mode if the server refuses schemas

    @property
    def model_id(self) -> str:
        return self._model

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """One request; the answer's JSON. :class:`StatusError` for an error status,
        :class:`NoAnswer` without an answer, ``ValueError`` for a body that is not JSON."""
        try:
            with self.client.stream(method, path, json=body) as response:
                raw = bytearray()
                for chunk in response.iter_bytes():
                    raw += chunk
                    if len(raw) > MAX_ANSWER_BYTES:
                        raise InvalidAnswer(
                            f"the server's answer is larger than {MAX_ANSWER_BYTES} bytes"
                        )
        except httpx.HTTPError as exc:  # timeouts, refused and lost connections, redirect loops
            raise NoAnswer(exc) from None
        if response.status_code >= 400:
            raise StatusError(response.status_code, response.headers, bytes(raw))
        return json.loads(raw)

    def _default_model(self) -> str:
        if self.base_url == OPENAI_URL:
            return DEFAULT_OPENAI_MODEL
        try:
            data = self._call("GET", "models")
            models = [str(m["id"]) for m in data["data"]]
        except NoAnswer as exc:
            raise BackendUnavailable(_what(exc, self.shown_url, self.timeout)) from None
        except (StatusError, InvalidAnswer, ValueError, KeyError, TypeError) as exc:
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
        try:
            try:
                response = self._create(messages)
            except StatusError as exc:
                if (exc.status_code == 400 and self._structured
                        and "response_format" in str(exc).lower()):
                    self._structured = False  # the server refuses schemas: json_object mode
                    response = self._create(messages)
                else:
                    raise
        except StatusError as exc:
            raise _status_error(exc, self.shown_url, self._model) from None
        except NoAnswer as exc:  # timeouts included
            raise ServerTrouble(
                _what(exc, self.shown_url, self.timeout), server=self.shown_url
            ) from None
        except ValueError as exc:  # a body that is not JSON (cut off, or not an API at all)
            raise InvalidAnswer(f"the server's answer is not JSON: {exc}") from None
        if not isinstance(response, dict):
            raise InvalidAnswer("the server's answer is not a JSON object")
        usage = response.get("usage")
        total = usage.get("total_tokens") if isinstance(usage, dict) else None
        if isinstance(total, int) and not isinstance(total, bool):
            self.usage.add(tokens=total)
        choices = response.get("choices")
        if not isinstance(choices, list) or not choices:
            raise InvalidAnswer("the server's answer has no choices")
        choice = choices[0] if isinstance(choices[0], dict) else {}
        message = choice.get("message")
        content = message.get("content") if isinstance(message, dict) else None
        if choice.get("finish_reason") == "length":
            raise InvalidAnswer("the answer was cut off (max_tokens reached)")
        if not isinstance(content, str):
            raise InvalidAnswer("the server's answer has no message content")
        return parse_sections(content)

    def _create(self, messages: list[dict[str, str]]) -> Any:
        """One answer; a retryable status is asked again (``max_retries`` times, backoff)."""
        body = {
            "model": self._model,
            "messages": messages,
            "response_format": self._response_format(),
            "temperature": self.options.temperature,
            "max_tokens": self.options.max_tokens,
        }
        for attempt in range(self.max_retries + 1):
            try:
                return self._call("POST", "chat/completions", body)
            except StatusError as exc:
                if exc.status_code not in RETRY_STATUSES or attempt >= self.max_retries:
                    raise
                delay = _retry_after(exc) or min(8.0, 0.5 * 2**attempt) * random.uniform(0.8, 1.2)
                if delay > RETRY_AFTER_MAX:
                    raise
                time.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        self.client.close()


def _status_error(exc: StatusError, server: str, model: str) -> AppError:
    """What an error status means for the run: a configuration to fix, or a failed paper."""
    code = exc.status_code
    if code == 400:
        return BackendError(f"the server refused the request: {_detail(exc)}")
    if code == 401:
        return ConfigError(
            f"the server at {server} rejected the API key ({_detail(exc)}): check OPENAI_API_KEY"
        )
    if code == 404:
        return ConfigError(f"model {model!r} not found at {server} ({_detail(exc)}): pass --model")
    if code == 429:
        return BackendError(f"rate limited by {server}: {_detail(exc)}")
    return BackendError(f"the LLM server answered HTTP {code}")


def _what(exc: NoAnswer, server: str, timeout: float) -> str:
    """What went wrong with a request that got no answer, in one line."""
    if exc.timed_out:
        return f"the LLM server at {server} did not answer within {timeout:g}s (timed out)"
    detail = " ".join(redact_url(str(exc)).split())[:160]
    return f"cannot reach the LLM server at {server} ({detail}); is it running?"


def _retry_after(exc: StatusError) -> float | None:
    value = exc.headers.get("retry-after")
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
