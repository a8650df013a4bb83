"""The digest as HTML pages: a static site (``paperdigest site``) and the web server's pages.

Layout, the same on disk and on the server, so every link is relative::

    index.html                      the default language's latest day
    assets/style.css, site.js, search.js
    <lang>/index.html               latest day
    <lang>/archive.html             every day, by month
    <lang>/days/YYYY-MM-DD.html     one day's cards (and .json beside it)
    <lang>/papers/ID.html           one paper: summaries in each language, abstract, votes by day
    <lang>/weeks/2024-W30.html      a week's top papers by votes (months/2024-07.html: a month's)
    <lang>/search.html              offline search over <lang>/search-index.js
    <lang>/atom/papers.xml, digest.xml

Every text from a paper or a model goes through Jinja2 autoescaping; URLs taken from the data are
kept only when they are plain http(s). Writes are atomic and skipped when a file is unchanged, so
a rebuild touches only what changed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..fsutil import write_atomic
from ..store import Store
from .json_day import (
    DEFAULT_LANG,
    Day,
    languages,
    load_day,
    load_paper,
    load_top,
    periods,
    render_day_json,
)
from .pages import STATIC_FILES, Pages, neighbours, static_file

_LANG_CODE = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})?")
SEARCH_TEXT_CHARS = 300  # of the summary (What's New first), per paper, shown in results
# Searched, not shown: the rest of the summary and the abstract. Budget: at most this many
# characters per paper (about 2 KB of index each); 365 days x 30 papers with Korean summaries
# measure 22.2 MB (4.8 MB gzipped; bench/RESULTS.md), loaded only by the search page.
SEARCH_FIND_CHARS = 3_000
SEARCH_ORIGINAL_CHARS = 2_000  # of those, kept for the English abstract on other languages' pages


# -- the offline search index --------------------------------------------------------------------


def search_records(loaded: Iterable[Day]) -> list[list[Any]]:
    """One row per paper (its newest day): [id, title, authors, day, votes, text, find]:
    ``text`` is shown in results, ``find`` (the rest of the summary and the abstract) is only
    searched, so the static search finds what the server's FTS5 search finds."""
    seen: set[str] = set()
    rows: list[list[Any]] = []
    for day in loaded:  # newest day first
        for e in day.entries:
            if e.paper.id in seen:
                continue
            seen.add(e.paper.id)
            if e.summary is not None:
                text = " ".join(t for _, t in e.summary.sections.items())
            else:
                text = e.paper.abstract
            text = " ".join(text.split())
            find = ""
            if len(text) > SEARCH_TEXT_CHARS:
                find = text[SEARCH_TEXT_CHARS:]
                text = text[:SEARCH_TEXT_CHARS].rstrip() + "…"
            if e.summary is not None:
                # both languages: the rest of the summary, then the English original (its
                # abstract keeps at least SEARCH_ORIGINAL_CHARS of the budget)
                abstract = " ".join(e.paper.abstract.split())
                room = SEARCH_FIND_CHARS - min(len(abstract), SEARCH_ORIGINAL_CHARS)
                find = find[:room].strip() + " " + abstract
            find = find.strip()[:SEARCH_FIND_CHARS]
            rows.append(
                [
                    e.paper.id,
                    e.paper.title,
                    ", ".join(e.paper.authors),
                    day.iso,
                    e.paper.upvotes,
                    text,
                    find,
                ]
            )
    return rows


def render_search_index(lang: str, rows: list[list[Any]]) -> str:
    """A script (not JSON: ``fetch`` fails on ``file://``) that sets ``window.PD_SEARCH_INDEX``."""
    fields = ["id", "title", "authors", "day", "votes", "text", "find"]
    payload: dict[str, Any] = {"v": 2, "lang": lang, "fields": fields}
    payload["papers"] = rows
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    # "<" as \u003c: no "</script>" even if the file is ever inlined; U+2028/9 for old parsers.
    body = body.replace("<", "\\u003c")
    body = body.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return f"window.PD_SEARCH_INDEX={body};\n"


# -- the static site ----------------------------------------------------------------------------


@dataclass
class SiteReport:
    out_dir: Path
    langs: list[str]
    days: int
    papers: int
    written: int = 0
    unchanged: int = 0
    files: list[Path] = field(default_factory=list)


class _Writer:
    def __init__(self, out_dir: Path, report: SiteReport) -> None:
        self.out_dir = out_dir
        self.report = report

    def __call__(self, rel: str, data: str | bytes) -> None:
        path = self.out_dir / rel
        payload = data.encode("utf-8") if isinstance(data, str) else data
        try:
            if path.stat().st_size == len(payload) and path.read_bytes() == payload:
                self.report.unchanged += 1
                self.report.files.append(path)
                return
        except OSError:
            pass
        # the site can be built again: atomic for readers, without an fsync per page (a
        # year's cold build writes ~12,000 files; fsync-bound it took minutes, not seconds)
        write_atomic(path, payload, durable=False)
        self.report.written += 1
        self.report.files.append(path)


def build_site(
    store: Store,
    out_dir: str | Path,
    *,
    langs: Sequence[str] | None = None,
    base_url: str | None = None,
    default_lang: str = DEFAULT_LANG,
) -> SiteReport:
    """Write the whole site for every language into ``out_dir``."""
    from .atom import render_feeds

    out = Path(out_dir)
    all_langs = list(langs) if langs else languages(store, default_lang)
    for lang in all_langs:  # a language is a folder name: "../../x" must not leave --out
        if not _LANG_CODE.fullmatch(lang):
            raise ConfigError(f"{lang[:20]!r} is not a language code (e.g. ko, en, pt-BR)")
    days = store.days()
    report = SiteReport(out, all_langs, len(days), 0)
    write = _Writer(out, report)
    pages = Pages(langs=all_langs, base_url=base_url)

    for name in STATIC_FILES:
        write(f"assets/{name}", static_file(name))

    paper_ids: set[str] = set()
    for lang in all_langs:
        loaded: list[Day] = []
        for info in days:
            day = load_day(store, info.day, lang)
            loaded.append(day)
            paper_ids.update(e.paper.id for e in day.entries)
            newer, older = neighbours(days, info.day)
            write(
                f"{lang}/days/{day.iso}.html",
                pages.day(day, lang=lang, depth=2, newer=newer, older=older),
            )
            write(f"{lang}/days/{day.iso}.json", render_day_json(day))
        for paper_id in sorted({e.paper.id for day in loaded for e in day.entries}):
            view = load_paper(store, paper_id, lang, all_langs)
            if view is not None:
                write(f"{lang}/papers/{view.entry.slug}.html", pages.paper(view, lang=lang))
        day_dates = [info.day for info in days]
        for kind in ("week", "month"):
            found = periods(day_dates, kind)
            for i, period in enumerate(found):
                write(
                    f"{lang}/{period.path}",
                    pages.period(
                        period,
                        load_top(store, period, lang),
                        lang=lang,
                        newer=found[i - 1] if i > 0 else None,
                        older=found[i + 1] if i + 1 < len(found) else None,
                    ),
                )
        latest = loaded[0] if loaded else None
        older = days[1].day.isoformat() if len(days) > 1 else None
        write(
            f"{lang}/index.html",
            pages.day(latest, lang=lang, depth=1, page="index", older=older),
        )
        if lang == all_langs[0]:
            write("index.html", pages.day(latest, lang=lang, depth=0, page="index", older=older))
        write(f"{lang}/archive.html", pages.archive(days, lang=lang))
        write(f"{lang}/search.html", pages.search(lang=lang))
        write(f"{lang}/search-index.js", render_search_index(lang, search_records(loaded)))
        papers_xml, digest_xml = render_feeds(loaded, lang=lang, base_url=base_url, pages=pages)
        write(f"{lang}/atom/papers.xml", papers_xml)
        write(f"{lang}/atom/digest.xml", digest_xml)
    report.papers = len(paper_ids)
    return report


__all__ = [
    "SiteReport",
    "build_site",
    "render_search_index",
    "search_records",
]
