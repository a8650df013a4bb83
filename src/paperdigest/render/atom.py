"""Atom feeds per language (built with feedgen): one entry per paper, and one per day.

- ``<lang>/atom/papers.xml``: the papers of the latest days, one entry each (newest day first,
  vote order within a day), content = the three sections as HTML.
- ``<lang>/atom/digest.xml``: one entry per day, content = that day's whole digest.

Ids are stable (``urn:paperdigest:paper:<lang>:<arxiv id>``, ``urn:paperdigest:day:<lang>:<date>``),
so a reader never sees an entry twice. Times come from the database (summary and fetch times),
not from the clock, so an unchanged database gives a byte-identical feed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING
from urllib.parse import quote

from feedgen.feed import FeedGenerator

from .json_day import Day, Entry

if TYPE_CHECKING:
    from .pages import Pages

PAPERS_IN_FEED = 100
DAYS_IN_FEED = 30
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(text: str) -> str:
    """Drop the characters XML 1.0 cannot carry (feedgen would refuse the whole feed)."""
    return _NOT_XML.sub("", text)


def _when(stamp: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _day_start(day: Day) -> dt.datetime:
    return dt.datetime.combine(day.day, dt.time(0, 0), tzinfo=dt.UTC)


def _entry_updated(day: Day, entry: Entry) -> dt.datetime:
    if entry.summary is not None:
        return _when(entry.summary.created_at)
    if day.info is not None:
        return _when(day.info.fetched_at)
    return _day_start(day)


def _feed(kind: str, lang: str, base_url: str | None, title: str) -> FeedGenerator:
    fg = FeedGenerator()
    fg.id(f"urn:paperdigest:feed:{quote(lang)}:{kind}")
    fg.title(title)
    fg.author({"name": "paperdigest"})
    fg.language(lang)
    fg.generator("paperdigest")
    if base_url:
        root = base_url.rstrip("/") + "/"
        fg.link(href=f"{root}{quote(lang)}/atom/{kind}.xml", rel="self")
        fg.link(href=f"{root}{quote(lang)}/index.html", rel="alternate")
    else:
        # a self link relative to the feed itself: right wherever the feed is served from
        fg.link(href=f"{kind}.xml", rel="self")
        fg.link(href="https://huggingface.co/papers", rel="alternate")
    return fg


def _paper_link(base_url: str | None, lang: str, entry: Entry) -> str | None:
    """The paper's own page on the site, when the site's address is known."""
    if not base_url:
        return None
    return f"{base_url.rstrip('/')}/{quote(lang)}/papers/{entry.slug}.html"


def _day_link(base_url: str | None, lang: str, day: Day) -> str | None:
    if not base_url:
        return None
    return f"{base_url.rstrip('/')}/{quote(lang)}/days/{day.iso}.html"


def papers_feed(
    days: Sequence[Day],
    *,
    lang: str,
    base_url: str | None = None,
    pages: Pages | None = None,
    limit: int = PAPERS_IN_FEED,
) -> str:
    from .pages import Pages, ui_strings

    renderer = pages or Pages()
    ui = ui_strings(lang)
    fg = _feed("papers", lang, base_url, ui["feed_papers"])
    seen: set[str] = set()
    newest: dt.datetime | None = None
    count = 0
    for day in days:  # newest first
        for entry in day.entries:
            if count >= limit:
                break
            if entry.paper.id in seen or entry.summary is None:
                continue  # a paper with no summary in this language is not in its feed
            seen.add(entry.paper.id)
            count += 1
            fe = fg.add_entry(order="append")
            fe.id(f"urn:paperdigest:paper:{quote(lang)}:{quote(entry.paper.id, safe='/.-')}")
            fe.title(xml_text(entry.paper.title))
            # One link: feedgen 1.0 drops the rel of entry links, so a second would also read
            # as "alternate". Hugging Face and the day page are linked from the content.
            page = _paper_link(base_url, lang, entry)
            fe.link(href=page or entry.arxiv_url, rel="alternate")
            day_link = _day_link(base_url, lang, day)
            for name in entry.paper.authors[:50]:
                fe.author({"name": xml_text(name) or "?"})
            updated = _entry_updated(day, entry)
            newest = updated if newest is None or updated > newest else newest
            fe.updated(updated)
            fe.published(_day_start(day))
            fe.category(term=day.iso, label=day.iso)
            html = renderer.fragment(
                "atom_paper.html", e=entry, day_link=day_link, ui=ui, lang=lang
            )
            fe.content(xml_text(html), type="html")
    fg.updated(newest or dt.datetime(1970, 1, 1, tzinfo=dt.UTC))
    return str(fg.atom_str(pretty=True).decode("utf-8"))


def digest_feed(
    days: Sequence[Day],
    *,
    lang: str,
    base_url: str | None = None,
    pages: Pages | None = None,
    limit: int = DAYS_IN_FEED,
) -> str:
    from .pages import Pages, ui_strings

    renderer = pages or Pages()
    ui = ui_strings(lang)
    fg = _feed("digest", lang, base_url, ui["feed_digest"])
    newest: dt.datetime | None = None
    for day in days[:limit]:
        fe = fg.add_entry(order="append")
        fe.id(f"urn:paperdigest:day:{quote(lang)}:{day.iso}")
        fe.title(f"{ui['daily']} {day.iso} · {ui['n_papers'].format(n=len(day.entries))}")
        link = _day_link(base_url, lang, day)
        fe.link(href=link or f"https://huggingface.co/papers?date={day.iso}", rel="alternate")
        updated = _when(day.updated)
        newest = updated if newest is None or updated > newest else newest
        fe.updated(updated)
        fe.published(_day_start(day))
        if day.entries:
            body = renderer.fragment("atom_day.html", day=day, lang=lang, ui=ui)
            fe.content(xml_text(body), type="html")
        else:
            fe.content(ui["empty_day"], type="text")
    fg.updated(newest or dt.datetime(1970, 1, 1, tzinfo=dt.UTC))
    return str(fg.atom_str(pretty=True).decode("utf-8"))


def render_feeds(
    days: Sequence[Day], *, lang: str, base_url: str | None = None, pages: Pages | None = None
) -> tuple[str, str]:
    """(papers.xml, digest.xml) for ``days`` (newest first, all in ``lang``)."""
    return (
        papers_feed(days, lang=lang, base_url=base_url, pages=pages),
        digest_feed(days, lang=lang, base_url=base_url, pages=pages),
    )


__all__ = ["digest_feed", "papers_feed", "render_feeds", "xml_text"]
