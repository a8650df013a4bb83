"""``arxiv:CAT,CAT``: the new papers of arXiv's listing of a day in those categories.

One query per day to the arXiv API (``PAPERDIGEST_ARXIV_API_URL``, default
https://export.arxiv.org/api/query)::

    search_query=(cat:cs.CL OR cat:cs.IR) AND submittedDate:[202407181800 TO 202407191759]
    &start=0&max_results=100&sortBy=submittedDate&sortOrder=ascending

``cat:`` matches primary and cross-listed categories alike. The range is the listing's window
(:mod:`.arxiv_days`). Pages are read until every result is in, the next ``start`` being the
entries actually received (the API sometimes sends fewer than asked, and now and then an empty
page: that page is asked again a few times). Requests are spaced ``PAPERDIGEST_ARXIV_INTERVAL``
seconds apart (3 by default, as arXiv asks), shared with the full-text fetcher of the same host,
and retried with the policy of every source (backoff, ``Retry-After``).

Replacements (new versions of older papers announced that day) are left out unless
``--include-replaced``: then a second query by ``lastUpdatedDate`` finds them (as the API
knows them today: for a past day, a paper replaced again since shows only its latest date).

A weekend day has no listing: an empty list, no request. A weekday with no new paper at all is
an error (:class:`~paperdigest.errors.FetchError`): a holiday, a misspelt category or an upstream
change, never a silently empty day.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import Any

import httpx

from ..errors import ArxivAPIError, ConfigError, FetchError, FormatError
from ..http import HttpPolicy, RateLimiter, make_client, request, shared_limiter
from ..models import Paper
from ..settings import Settings, value
from ..untrusted import redact_url
from .arxiv_atom import Entry, Page, parse_feed
from .arxiv_days import Window, has_listing, listing_window
from .base import Listing, is_category

PAGE_SIZE = 100
MAX_RESULTS = 20_000  # far above any day of any set of categories; stops a runaway query
MAX_BYTES = 20_000_000  # one page of 100 entries is about 300 kB
EMPTY_PAGE_TRIES = 3  # an empty page before the end is asked again this many times in all
ARXIV_API_POLICY = HttpPolicy(
    timeout=60.0,
    connect_timeout=15.0,
    attempts=4,
    backoff_base=3.0,
    backoff_max=60.0,
    retry_after_max=120.0,
)


def parse_categories(argument: str) -> tuple[str, ...]:
    """``cs.CL,cs.IR`` -> ('cs.CL', 'cs.IR'): checked, without repeats, sorted (one spelling
    of a set of categories, so a day's count compares with the days before it)."""
    found = [c.strip() for c in argument.split(",") if c.strip()]
    if not found:
        raise ConfigError(
            "--source arxiv: needs categories, e.g. arxiv:cs.CL or arxiv:cs.CL,cs.IR"
        )
    bad = [c for c in found if not is_category(c)]
    if bad:
        raise ConfigError(
            f"--source arxiv:{argument}: {bad[0]!r} is not an arXiv category (e.g. cs.CL, "
            "stat.ML, hep-th)"
        )
    return tuple(sorted(set(found)))


class ArxivSource:
    name = "arxiv"

    def __init__(
        self,
        categories: Sequence[str],
        *,
        api_url: str,
        interval: float = 3.0,
        include_replaced: bool = False,
        policy: HttpPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        page_size: int = PAGE_SIZE,
        limiter: RateLimiter | None = None,
        now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.categories = tuple(categories)
        self.api_url = api_url
        self.include_replaced = include_replaced
        self.policy = policy or ARXIV_API_POLICY
        self.transport = transport
        self.page_size = page_size
        self.limiter = limiter or shared_limiter(api_url, interval)
        self.now = now
        self.sleep = sleep
        self.spec = "arxiv:" + ",".join(self.categories)

    def _cats(self) -> str:
        return " OR ".join(f"cat:{c}" for c in self.categories)

    def query(self, window: Window, *, field: str = "submittedDate") -> str:
        return f"({self._cats()}) AND {field}:{window.query_range()}"

    def fetch(self, day: dt.date | None) -> Listing:
        day = day or self.now().astimezone(dt.UTC).date()
        if not has_listing(day):
            return Listing(
                day=day, papers=(), source=self.spec,
                notes=(f"arXiv has no listing on {day:%A}s ({day.isoformat()})",),
            )
        window = listing_window(day)
        if self.now() < window.announced:
            when = window.announced.isoformat(timespec="minutes").replace("+00:00", "Z")
            raise FetchError(
                f"arXiv's listing of {day.isoformat()} is not out yet: it is announced at "
                f"{when} (20:00 US-Eastern the evening before)"
            )
        skipped: list[str] = []
        with make_client(self.policy, transport=self.transport) as client:
            entries = self._all(client, self.query(window), day, skipped)
            new = _dedupe(e for e in entries if window.holds(e.published))
            replaced: list[Paper] = []
            if self.include_replaced:
                updated = self._all(
                    client, self.query(window, field="lastUpdatedDate"), day, skipped
                )
                seen = {p.id for p in new}
                replaced = [
                    p for p in _dedupe(
                        e for e in updated
                        if e.published < window.start and window.holds(e.updated)
                        and (e.paper.version or 1) > 1
                    )
                    if p.id not in seen
                ]
        if not new:
            raise FetchError(
                f"arXiv listed no new papers in {', '.join(self.categories)} for "
                f"{day.isoformat()} ({window.describe()}): a holiday, a misspelt category, or "
                "an upstream change"
            )
        papers = tuple(_listed(p, day) for p in [*new, *replaced])
        notes = (f"{len(replaced)} replacement(s) included",) if replaced else ()
        return Listing(
            day=day, papers=papers, source=self.spec, skipped=tuple(skipped), notes=notes
        )

    def _all(
        self, client: httpx.Client, query: str, day: dt.date, skipped: list[str]
    ) -> list[Entry]:
        """Every entry the query has, page by page (next start = entries received)."""
        entries: list[Entry] = []
        start = 0
        total: int | None = None
        empty = 0
        while total is None or start < total:
            page = self._page(client, query, start, day)
            total = page.total
            if total > MAX_RESULTS:
                raise FetchError(
                    f"arXiv has {total:,} results for {self.spec} on {day.isoformat()}, over the "
                    f"{MAX_RESULTS:,} limit: is the query right? ({query})"
                )
            if page.count == 0 and start < total:
                empty += 1
                if empty >= EMPTY_PAGE_TRIES:
                    raise FetchError(
                        f"arXiv kept sending an empty page at start={start} of {total} results "
                        f"for {self.spec} on {day.isoformat()}; try again later"
                    )
                continue
            empty = 0
            entries.extend(page.entries)
            skipped.extend(page.skipped)
            start += page.count
        return entries

    def _page(self, client: httpx.Client, query: str, start: int, day: dt.date) -> Page:
        params = {
            "search_query": query,
            "start": start,
            "max_results": self.page_size,
            "sortBy": "submittedDate",
            "sortOrder": "ascending",
        }
        what = f"arXiv listing of {self.spec} for {day.isoformat()} (start={start})"
        shown = redact_url(self.api_url)
        response = request(
            client, "GET", self.api_url, policy=self.policy, params=params, what=what,
            limiter=self.limiter, max_bytes=MAX_BYTES, url_label=shown, sleep=self.sleep,
        )
        try:
            page = parse_feed(response.content)
        except ArxivAPIError as exc:
            status = "" if response.is_success else f"HTTP {response.status_code}: "
            raise FetchError(f"{what}: {status}{exc.message} ({shown})", url=shown) from None
        except FormatError as exc:
            if not response.is_success:
                raise FetchError(
                    f"{what}: HTTP {response.status_code} ({shown})", url=shown
                ) from None
            raise FetchError(
                f"{what}: malformed feed: {exc.message} ({shown})", url=shown
            ) from None
        if not response.is_success:
            raise FetchError(f"{what}: HTTP {response.status_code} ({shown})", url=shown)
        return page


def _dedupe(entries: Iterable[Entry]) -> list[Paper]:
    seen: set[str] = set()
    papers: list[Paper] = []
    for entry in entries:
        if entry.paper.id not in seen:
            seen.add(entry.paper.id)
            papers.append(entry.paper)
    return papers


def _listed(paper: Paper, day: dt.date) -> Paper:
    return replace(paper, list_date=day)


def from_spec(
    argument: str,
    *,
    policy: HttpPolicy | None = None,
    transport: httpx.BaseTransport | None = None,
    settings: Settings | None = None,
) -> ArxivSource:
    """``arxiv:CAT,CAT`` (the plugin registry's factory); the API URL, the spacing and
    ``--include-replaced`` come from the settings."""

    def get(name: str) -> Any:
        if settings is not None and settings.get(name) is not None:
            return settings.get(name)
        return value(name)

    return ArxivSource(
        parse_categories(argument),
        api_url=str(get("arxiv_api_url")),
        interval=float(get("arxiv_interval")),
        include_replaced=bool(get("include_replaced")),
        policy=policy,
        transport=transport,
    )
