"""``hf``: the Hugging Face Daily Papers API, every page of it."""

from __future__ import annotations

import datetime as dt
import json

import httpx

from ..errors import FetchError
from ..http import HttpPolicy, make_client, request
from ..settings import value
from ..untrusted import LIMITS, redact_url
from .base import Listing
from .hf_format import check_error_body, parse_items, vote_order

PAGE_SIZE = 50  # the API's default page size; we ask for it explicitly
MAX_PAGES = 40  # 2,000 papers: far above any real day; stops a server that ignores `p`


class HFDailySource:
    name = "hf"

    def __init__(
        self,
        base_url: str,
        *,
        policy: HttpPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        page_size: int = PAGE_SIZE,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.policy = policy or HttpPolicy()
        self.transport = transport
        self.page_size = page_size

    def fetch(self, day: dt.date | None) -> Listing:
        day = day or dt.date.today()
        url = f"{self.base_url}/api/daily_papers"
        papers = []
        skipped: list[str] = []
        seen: set[str] = set()
        with make_client(self.policy, transport=self.transport) as client:
            for page in range(MAX_PAGES):
                params = {"date": day.isoformat(), "limit": self.page_size, "p": page}
                what = f"Hugging Face daily papers for {day.isoformat()} (page {page + 1})"
                response = request(
                    client, "GET", url, policy=self.policy, params=params, what=what,
                    max_bytes=LIMITS["response_bytes"], url_label=redact_url(url),
                )
                data = self._json(response, what)
                items = parse_items(data, day, skipped)
                new = [p for p in items if p.id not in seen]
                seen.update(p.id for p in new)
                papers.extend(new)
                if len(data) < self.page_size or not new:
                    break
            else:
                raise FetchError(
                    f"{url} kept returning full pages after {MAX_PAGES} pages; stopped"
                )
        return Listing(
            day=day,
            papers=vote_order(papers),
            source=redact_url(self.base_url),
            skipped=tuple(skipped),
        )

    @staticmethod
    def _json(response: httpx.Response, what: str) -> list[object]:
        url = redact_url(str(response.request.url))
        try:
            data = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
            data = None
            if response.is_success:
                raise FetchError(f"{what}: the answer is not JSON ({url})", url=url) from None
        error = check_error_body(data)
        if not response.is_success:
            detail = f": {error}" if error else ""
            raise FetchError(f"{what}: HTTP {response.status_code}{detail} ({url})", url=url)
        if error is not None:
            raise FetchError(f"{what}: the API answered with an error: {error} ({url})", url=url)
        if not isinstance(data, list):
            raise FetchError(f"{what}: expected a JSON array, got {type(data).__name__}", url=url)
        return data


def from_spec(
    argument: str,
    *,
    policy: HttpPolicy | None = None,
    transport: httpx.BaseTransport | None = None,
) -> HFDailySource:
    """``hf`` (the plugin registry's factory); the API's base URL is a setting."""
    base = str(value("hf_url"))
    return HFDailySource(base, policy=policy, transport=transport)
