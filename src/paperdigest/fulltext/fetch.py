"""Get a paper's full text from arXiv: the HTML page first, then the PDF, else the abstract.

arXiv asks automated clients for at most one request every 3 seconds on one connection. Every
fetcher in a process that talks to the same arXiv host shares one :class:`RateLimiter` (see
:func:`shared_limiter`), so the spacing holds across fetchers and threads; retries on 429/503
honour ``Retry-After`` and hold the limiter back for everyone.

Settings (environment): ``PAPERDIGEST_ARXIV_URL`` (base URL, default https://arxiv.org),
``PAPERDIGEST_ARXIV_INTERVAL`` (seconds between requests, default 3),
``PAPERDIGEST_FULLTEXT_MAX_MB`` (size cap per download, default 20 for HTML and 50 for PDFs),
``PAPERDIGEST_CONTACT`` (an e-mail added to the User-Agent, as arXiv asks of heavy users).
"""

from __future__ import annotations

import dataclasses
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from .. import __version__
from ..errors import ConfigError, ExtractError, FetchError, TooLarge
from ..http import HttpPolicy, RateLimiter, make_client, request, shared_limiter
from ..settings import value
from .cache import FulltextCache
from .document import Document, Section
from .html import extract_html
from .ids import ArxivId, find_version, parse_arxiv_id
from .pdf import extract_pdf

ARXIV_URL = "https://arxiv.org"
DEFAULT_INTERVAL = 3.0
MB = 1024 * 1024
DEFAULT_MAX_BYTES = {"html": 20 * MB, "pdf": 50 * MB}
SOURCES = ("html", "pdf")
PERMANENT_STATUSES = frozenset({404, 410})
ARXIV_POLICY = HttpPolicy(
    timeout=60.0,
    connect_timeout=15.0,
    attempts=3,
    backoff_base=DEFAULT_INTERVAL,
    backoff_max=60.0,
    retry_after_max=120.0,
)

def user_agent() -> str:
    contact = str(value("contact")).strip()
    mail = f"; mailto:{contact}" if contact else ""
    return (
        f"paperdigest/{__version__} (daily paper digests; fetches arXiv full text at most once "
        f"per paper; +https://github.com/paperdigest/paperdigest{mail})"
    )


@dataclass(frozen=True)
class Attempt:
    source: str  # html | pdf
    url: str
    outcome: str  # ok | missing (404/410) | unusable (bad file, too big) | failed (transient)
    detail: str
    cached: bool = False

    @property
    def permanent(self) -> bool:
        return self.outcome != "failed"

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "url": self.url,
            "outcome": self.outcome,
            "detail": self.detail,
            "cached": self.cached,
        }


@dataclass(frozen=True)
class FulltextResult:
    """Which text a paper gets (``source``: html, pdf or abstract) and why (``reason``)."""

    arxiv_id: str
    source: str
    reason: str
    document: Document | None = None
    version: str | None = None
    url: str | None = None
    attempts: tuple[Attempt, ...] = ()
    from_cache: bool = False
    downloaded: int = 0  # bytes fetched over the network by this call
    seconds: float = field(default=0.0, compare=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "arxiv_id": self.arxiv_id,
            "source": self.source,
            "reason": self.reason,
            "version": self.version,
            "url": self.url,
            "attempts": [a.to_json() for a in self.attempts],
            "title": self.document.title if self.document else "",
            "notes": list(self.document.notes) if self.document else [],
            "sections": [s.to_json() for s in self.document.sections] if self.document else [],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FulltextResult:
        document = None
        if data.get("source") in SOURCES:
            document = Document(
                source=data["source"],
                sections=tuple(Section(s["heading"], s["text"]) for s in data["sections"]),
                title=data.get("title", ""),
                version=data.get("version"),
                notes=tuple(data.get("notes", [])),
            )
        return cls(
            arxiv_id=data["arxiv_id"],
            source=data["source"],
            reason=data["reason"],
            document=document,
            version=data.get("version"),
            url=data.get("url"),
            attempts=tuple(Attempt(**a) for a in data.get("attempts", [])),
            from_cache=True,
        )


def abstract_only(arxiv_id: str, reason: str) -> FulltextResult:
    return FulltextResult(arxiv_id=arxiv_id, source="abstract", reason=reason)


def extract(source: str, data: bytes) -> Document:
    return extract_html(data) if source == "html" else extract_pdf(data)


class ArxivFetcher:
    """Fetches, extracts and caches full texts. Safe to share between threads."""

    def __init__(
        self,
        base_url: str | None = None,
        *,
        interval: float | None = None,
        policy: HttpPolicy | None = None,
        cache: FulltextCache | None = None,
        transport: httpx.BaseTransport | None = None,
        limiter: RateLimiter | None = None,
        max_bytes: dict[str, int] | int | None = None,
    ) -> None:
        self.base_url = (base_url or value("arxiv_url") or ARXIV_URL).rstrip("/")
        if not urlsplit(self.base_url).scheme.startswith("http"):
            raise ConfigError(f"the arXiv URL must start with http(s)://, not {self.base_url!r}")
        if interval is None:
            interval = float(value("arxiv_interval"))
        self.interval = interval
        self.limiter = limiter or shared_limiter(self.base_url, interval)
        self.policy = policy or ARXIV_POLICY
        self.cache = cache or FulltextCache()
        if max_bytes is None:
            env_mb = float(value("fulltext_max_mb") or 0.0)
            caps = {s: int(env_mb * MB) for s in SOURCES} if env_mb else dict(DEFAULT_MAX_BYTES)
        elif isinstance(max_bytes, int):
            caps = {s: max_bytes for s in SOURCES}
        else:
            caps = {**DEFAULT_MAX_BYTES, **max_bytes}
        self.max_bytes = caps
        self._transport = transport
        self._client: httpx.Client | None = None
        self._client_lock = threading.Lock()
        # After a download failed every retry, arXiv counts as down for this fetcher's life:
        # the other papers fall back to their abstracts at once instead of each waiting it out.
        self.down: str | None = None

    def url(self, aid: ArxivId, source: str) -> str:
        return f"{self.base_url}/{source}/{aid.text}"

    def _http(self) -> httpx.Client:
        with self._client_lock:
            if self._client is None:
                self._client = make_client(
                    self.policy,
                    transport=self._transport,
                    headers={"User-Agent": user_agent()},
                )
            return self._client

    def close(self) -> None:
        with self._client_lock:
            if self._client is not None:
                self._client.close()
                self._client = None

    def __enter__(self) -> ArxivFetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the chain -----------------------------------------------------------------------------

    def get(self, arxiv_id: str | ArxivId, *, refresh: bool = False) -> FulltextResult:
        """The best text for one paper. Raises only :class:`ArxivIdError` for a bad id."""
        started = time.monotonic()
        aid = arxiv_id if isinstance(arxiv_id, ArxivId) else parse_arxiv_id(arxiv_id)
        if refresh:
            self.cache.clear(aid)
        else:
            stored = self.cache.result(aid)
            if stored is not None:
                return FulltextResult.from_json(stored)
        if self.down is not None:
            return abstract_only(aid.text, f"arXiv is unreachable ({self.down}); not retried")
        attempts: list[Attempt] = []
        downloaded = 0
        version = aid.version
        for source in SOURCES:
            if self.down is not None:
                attempts.append(Attempt(source, self.url(aid, source), "failed", "not tried"))
                continue
            data, attempt, size, found_version = self._obtain(aid, source)
            downloaded += size
            version = version or found_version
            if data is None:
                attempts.append(attempt)
                continue
            try:
                document = extract(source, data)
            except ExtractError as exc:
                attempts.append(
                    Attempt(source, attempt.url, "unusable", exc.message, cached=attempt.cached)
                )
                continue
            except Exception as exc:  # a parser failing on a strange file must not stop a run
                detail = f"the extractor failed ({exc.__class__.__name__}: {exc})"
                attempts.append(Attempt(source, attempt.url, "unusable", detail, attempt.cached))
                continue
            attempts.append(attempt)
            version = version or document.version
            document = dataclasses.replace(document, version=version)
            result = FulltextResult(
                arxiv_id=aid.text,
                source=source,
                reason=_reason(attempts),
                document=document,
                version=version,
                url=attempt.url,
                attempts=tuple(attempts),
                downloaded=downloaded,
            )
            self.cache.save_result(aid, result.to_json())
            return _timed(result, started)
        result = FulltextResult(
            arxiv_id=aid.text,
            source="abstract",
            reason=_reason(attempts),
            version=version,
            attempts=tuple(attempts),
            downloaded=downloaded,
        )
        if all(a.permanent for a in attempts):
            self.cache.save_result(aid, result.to_json())
        return _timed(result, started)

    def _obtain(self, aid: ArxivId, source: str) -> tuple[bytes | None, Attempt, int, str | None]:
        """(bytes or None, the attempt, bytes downloaded, version seen) for one source."""
        url = self.url(aid, source)
        cached = self.cache.raw(aid, source)
        if cached is not None:
            return cached, Attempt(source, url, "ok", "ok", cached=True), 0, None
        miss = self.cache.missing(aid, source)
        if miss is not None:
            return (
                None,
                Attempt(source, url, miss.get("outcome", "missing"), miss["detail"], cached=True),
                0,
                None,
            )
        what = f"arXiv {source.upper()} of {aid.text}"
        try:
            response = request(
                self._http(),
                "GET",
                url,
                policy=self.policy,
                what=what,
                limiter=self.limiter,
                max_bytes=self.max_bytes[source],
            )
        except TooLarge as exc:
            attempt = Attempt(source, url, "unusable", exc.message)
            self.cache.save_missing(aid, source, attempt.to_json())
            return None, attempt, 0, None
        except FetchError as exc:
            self.down = exc.message
            return None, Attempt(source, url, "failed", exc.message), 0, None
        except httpx.HTTPError as exc:  # a body that cannot be decoded, a redirect loop
            detail = f"{exc.__class__.__name__}: {exc}"
            return None, Attempt(source, url, "failed", detail), 0, None
        size = len(response.content)
        if response.status_code in PERMANENT_STATUSES:
            attempt = Attempt(source, url, "missing", f"HTTP {response.status_code}")
            self.cache.save_missing(aid, source, attempt.to_json())
            return None, attempt, size, None
        if not response.is_success:
            return None, Attempt(source, url, "failed", f"HTTP {response.status_code}"), size, None
        data = response.content
        final_url = str(response.url)
        version = find_version(final_url, aid.base) or find_version(
            response.headers.get("Content-Disposition", ""), aid.base
        )
        if version is None and source == "html":
            version = find_version(data[:400_000].decode("utf-8", "replace"), aid.base)
        declared = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        self.cache.save_raw(aid, source, data)
        detail = "ok" if not declared else f"ok ({declared}, {size:,} bytes)"
        return data, Attempt(source, final_url, "ok", detail), size, version


def _reason(attempts: list[Attempt]) -> str:
    return "; ".join(f"{a.source}: {a.detail}" for a in attempts)


def _timed(result: FulltextResult, started: float) -> FulltextResult:
    return FulltextResult(
        **{**result.__dict__, "seconds": time.monotonic() - started},
    )
