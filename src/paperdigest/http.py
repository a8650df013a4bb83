"""One HTTP policy for every outside call: timeout, user agent, bounded retries with backoff.

Sources build their client with :func:`make_client` and call :func:`request`; tests inject an
``httpx`` transport or point the base URL at a loopback server.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from . import __version__
from .errors import FetchError

USER_AGENT = f"paperdigest/{__version__} (+https://github.com/paperdigest/paperdigest)"
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class HttpPolicy:
    timeout: float = 30.0
    attempts: int = 5  # total tries, first one included
    backoff_base: float = 1.0  # seconds; doubles each retry
    backoff_max: float = 60.0
    retry_after_max: float = 300.0  # never sleep longer than this on one Retry-After
    jitter: float = 0.25  # +/- share of the delay

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait before try ``attempt + 1`` (``attempt`` counts from 1)."""
        if retry_after is not None:
            return min(retry_after, self.retry_after_max)
        base = min(self.backoff_base * (2 ** (attempt - 1)), self.backoff_max)
        return max(0.0, base * (1 + random.uniform(-self.jitter, self.jitter)))


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """``Retry-After`` as seconds: either delta-seconds or an HTTP date. None when absent/bad."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


def make_client(
    policy: HttpPolicy | None = None,
    *,
    transport: httpx.BaseTransport | None = None,
    headers: Mapping[str, str] | None = None,
) -> httpx.Client:
    policy = policy or HttpPolicy()
    all_headers = {"User-Agent": USER_AGENT}
    all_headers.update(headers or {})
    return httpx.Client(
        timeout=httpx.Timeout(policy.timeout),
        headers=all_headers,
        transport=transport,
        follow_redirects=True,
    )


def request(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    policy: HttpPolicy | None = None,
    params: Mapping[str, Any] | None = None,
    what: str = "request",
    sleep: Callable[[float], None] = time.sleep,
) -> httpx.Response:
    """Send with retries on connection errors, timeouts and retryable statuses.

    Returns the final response for any non-retryable status (the caller checks it); raises
    :class:`FetchError` with a readable message when every try failed.
    """
    policy = policy or HttpPolicy()
    last: str = "no attempt made"
    for attempt in range(1, policy.attempts + 1):
        retry_after: float | None = None
        try:
            response = client.request(method, url, params=params)
        except httpx.TimeoutException:
            last = f"timed out after {policy.timeout:g}s"
        except httpx.TransportError as exc:
            last = f"could not connect ({exc.__class__.__name__}: {exc})"
        else:
            if response.status_code not in RETRY_STATUSES:
                return response
            last = f"HTTP {response.status_code}"
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            if retry_after is not None and retry_after > policy.retry_after_max:
                raise FetchError(
                    f"{what} failed: {url} asked to retry after {retry_after:.0f}s "
                    f"(more than the {policy.retry_after_max:.0f}s limit); try again later",
                    url=url,
                )
        if attempt < policy.attempts:
            sleep(policy.delay(attempt, retry_after))
    raise FetchError(f"{what} failed after {policy.attempts} tries: {url}: {last}", url=url)
