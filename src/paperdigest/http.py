"""One HTTP policy for every outside call: timeout, user agent, bounded retries with backoff.

Sources build their client with :func:`make_client` and call :func:`request`; tests inject an
``httpx`` transport or point the base URL at a loopback server. Hosts that ask for spacing between
requests (arXiv: one every 3 s, one connection) get a :class:`RateLimiter` passed to
:func:`request`, which also backs the limiter off on retries; ``max_bytes`` streams the body and
stops at a size cap.
"""

from __future__ import annotations

import contextlib
import email.utils
import functools
import os
import random
import ssl
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from . import __version__
from .errors import FetchError, TooLarge
from .untrusted import redact

USER_AGENT = f"paperdigest/{__version__} (+https://github.com/paperdigest/paperdigest)"
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
MAX_REDIRECTS = 5


@dataclass(frozen=True)
class HttpPolicy:
    timeout: float = 30.0
    attempts: int = 5  # total tries, first one included
    backoff_base: float = 1.0  # seconds; doubles each retry
    backoff_max: float = 60.0
    retry_after_max: float = 300.0  # never sleep longer than this on one Retry-After
    jitter: float = 0.25  # +/- share of the delay
    connect_timeout: float | None = None  # seconds to connect; None: ``timeout``

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait before try ``attempt + 1`` (``attempt`` counts from 1)."""
        if retry_after is not None:
            return min(retry_after, self.retry_after_max)
        base = min(self.backoff_base * (2 ** (attempt - 1)), self.backoff_max)
        return float(max(0.0, base * (1 + random.uniform(-self.jitter, self.jitter))))



class RateLimiter:
    """At most one request per ``interval`` seconds (start to start), one request at a time.

    Thread-safe: :meth:`slot` is held for the whole request, so threads sharing a limiter use the
    host one at a time, each start at least ``interval`` after the previous one. :meth:`defer`
    pushes the next start back (a ``Retry-After`` or a backoff seen by any thread). ``waited``
    adds up the seconds spent sleeping for spacing, for reports and benchmarks.
    """

    def __init__(
        self,
        interval: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if interval < 0:
            raise ValueError("interval must be >= 0")
        self.interval = interval
        self._clock = clock
        self._sleep = sleep
        self._busy = threading.Lock()  # held while a request is in flight
        self._state = threading.Lock()  # guards _next_at and the counters
        self._next_at = float("-inf")
        self.waited = 0.0
        self.requests = 0

    def defer(self, seconds: float) -> None:
        """Start no request before ``seconds`` from now."""
        with self._state:
            self._next_at = max(self._next_at, self._clock() + max(0.0, seconds))

    @contextlib.contextmanager
    def slot(self) -> Iterator[None]:
        with self._busy:
            while True:
                with self._state:
                    now = self._clock()
                    wait = self._next_at - now
                    if wait <= 0:
                        self._next_at = now + self.interval
                        self.requests += 1
                        break
                    self.waited += wait
                self._sleep(wait)  # defer() may move _next_at meanwhile: check again
            yield


_LIMITERS: dict[tuple[str, float], RateLimiter] = {}
_LIMITERS_LOCK = threading.Lock()


def shared_limiter(base_url: str, interval: float) -> RateLimiter:
    """The process-wide limiter for ``base_url``'s host at this interval (arXiv's full texts
    and its API share the spacing arXiv asks for)."""
    parts = urlsplit(base_url)
    key = (f"{parts.scheme}://{parts.netloc}".lower(), float(interval))
    with _LIMITERS_LOCK:
        limiter = _LIMITERS.get(key)
        if limiter is None:
            limiter = _LIMITERS[key] = RateLimiter(interval)
        return limiter


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


def tls_context() -> ssl.SSLContext:
    """The process's TLS context: httpx's default (certifi's roots, or ``SSL_CERT_FILE`` /
    ``SSL_CERT_DIR``), made once per set of those variables. Loading the roots costs about
    0.1 s of CPU, which a client made per call (a source's fetch of each day of a backfill)
    would otherwise pay every time."""
    return _tls_context(os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))


@functools.lru_cache(maxsize=4)
def _tls_context(cert_file: str | None, cert_dir: str | None) -> ssl.SSLContext:
    return httpx.create_ssl_context(verify=True, trust_env=True)


def make_client(
    policy: HttpPolicy | None = None,
    *,
    transport: httpx.BaseTransport | None = None,
    headers: Mapping[str, str] | None = None,
    follow_redirects: bool = True,
) -> httpx.Client:
    """A client with the policy's timeouts and our user agent. Redirects are followed (at
    most :data:`MAX_REDIRECTS`) unless ``follow_redirects`` is False (webhooks: a redirect must
    not re-send the payload elsewhere)."""
    policy = policy or HttpPolicy()
    all_headers = {"User-Agent": USER_AGENT}
    all_headers.update(headers or {})
    return httpx.Client(
        timeout=httpx.Timeout(policy.timeout, connect=policy.connect_timeout or policy.timeout),
        headers=all_headers,
        transport=transport,
        verify=tls_context(),
        follow_redirects=follow_redirects,
        max_redirects=MAX_REDIRECTS,
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
    limiter: RateLimiter | None = None,
    max_bytes: int | None = None,
    json: Any = None,
    url_label: str | None = None,
) -> httpx.Response:
    """Send with retries on connection errors, timeouts and retryable statuses.

    Returns the final response for any non-retryable status (the caller checks it); raises
    :class:`FetchError` with a readable message when every try failed. With ``limiter``, every
    try waits for its slot and each retry delay also holds the limiter back for everyone. With
    ``max_bytes``, the body is streamed and a larger one raises :class:`TooLarge` at once.
    ``json`` is sent as the body (a POST to a webhook); ``url_label`` stands for the URL in every
    message when the URL itself is a secret (webhooks).
    """
    policy = policy or HttpPolicy()
    shown = url_label or url
    last: str = "no attempt made"
    for attempt in range(1, policy.attempts + 1):
        retry_after: float | None = None
        try:
            with limiter.slot() if limiter is not None else contextlib.nullcontext():
                response = _send(client, method, url, params, max_bytes, what, json)
        except httpx.TimeoutException:
            last = f"timed out after {policy.timeout:g}s"
        except (httpx.TooManyRedirects, httpx.UnsupportedProtocol, httpx.InvalidURL,
                UnicodeError) as exc:
            # a redirect loop, a redirect to file:// or a malformed URL: asking again is futile
            detail = redact(str(exc).replace(url, shown))[:200]
            raise FetchError(
                f"{what} failed: {shown}: {exc.__class__.__name__}: {detail}", url=shown
            ) from None
        except _CutShort as exc:
            last = str(exc)
        except httpx.TransportError as exc:
            last = f"could not connect ({exc.__class__.__name__}: {str(exc).replace(url, shown)})"
        else:
            if response.status_code not in RETRY_STATUSES:
                return response
            last = f"HTTP {response.status_code}"
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            if retry_after is not None and retry_after > policy.retry_after_max:
                if limiter is not None:
                    limiter.defer(retry_after)
                raise FetchError(
                    f"{what} failed: {shown} asked to retry after {retry_after:.0f}s "
                    f"(more than the {policy.retry_after_max:.0f}s limit); try again later",
                    url=shown,
                )
        if attempt < policy.attempts:
            delay = policy.delay(attempt, retry_after)
            if limiter is not None:
                limiter.defer(delay)
            sleep(delay)
    raise FetchError(f"{what} failed after {policy.attempts} tries: {shown}: {last}", url=shown)


class _CutShort(Exception):
    """The connection broke while the body was being read (retried like a transport error)."""


_BODY_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})


def _send(
    client: httpx.Client,
    method: str,
    url: str,
    params: Mapping[str, Any] | None,
    max_bytes: int | None,
    what: str,
    json: Any = None,
) -> httpx.Response:
    if max_bytes is None:
        return client.request(method, url, params=params, json=json)
    req = client.build_request(method, url, params=params, json=json)
    response = client.send(req, stream=True)
    try:
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > max_bytes and response.is_success:
            raise TooLarge(
                f"{what}: {url} is {int(declared):,} bytes, over the {max_bytes:,}-byte limit",
                url=url,
            )
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise TooLarge(
                        f"{what}: {url} is over the {max_bytes:,}-byte limit (stopped reading)",
                        url=url,
                    )
                chunks.append(chunk)
        except httpx.TimeoutException:
            raise
        except httpx.TransportError as exc:
            raise _CutShort(
                f"download cut short after {size:,} bytes ({exc.__class__.__name__}: {exc})"
            ) from None
    finally:
        response.close()
    headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in _BODY_HEADERS]
    return httpx.Response(
        response.status_code, headers=headers, content=b"".join(chunks), request=response.request
    )
