"""The digest as HTML pages: a static site (``paperdigest site``) and the web server's pages.

Layout, the same on disk and on the server, so every link is relative::

    index.html                      the default language's latest day
    assets/style.css, site.js, search.js
    <lang>/index.html               latest day
    <lang>/archive.html             every day, by month
    <lang>/days/YYYY-MM-DD.html     one day's cards (and .json beside it)
    <lang>/search.html              offline search over <lang>/search-index.js
    <lang>/atom/papers.xml, digest.xml

Every text from a paper or a model goes through Jinja2 autoescaping; URLs taken from the data are
kept only when they are plain http(s). Writes are atomic and skipped when a file is unchanged, so
a rebuild touches only what changed.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2

from ..fsutil import write_atomic
from ..models import SECTION_LABELS
from ..store import DayInfo, Store
from ..store.search import MAX_QUERY_CHARS
from .json_day import DEFAULT_LANG, Day, languages, load_day, render_day_json, safe_url

UI: dict[str, dict[str, str]] = {
    "en": {
        "site": "Daily Papers digest",
        "nav": "Site",
        "latest": "Latest",
        "archive": "Archive",
        "search": "Search",
        "daily": "Daily Papers",
        "days_nav": "Other days",
        "votes": "Hugging Face upvotes",
        "project": "Project",
        "n_papers": "{n} papers",
        "n_summarized": "{n} summarized",
        "no_summary": "No summary in this language yet.",
        "abstract": "Abstract",
        "no_media": "No preview",
        "empty_db": "No digests yet. Run `paperdigest digest` to add a day, then build again.",
        "empty_day": "No papers were listed on this day.",
        "search_placeholder": "Title, author, method…",
        "no_results": "Nothing found.",
        "n_results": "{n} results",
        "search_error": "Search failed: ",
        "needs_js": "Search needs JavaScript.",
        "feed_papers": "Papers (Atom)",
        "feed_digest": "Daily digest (Atom)",
        "footer": "Summaries are machine-written from the Hugging Face Daily Papers list; "
        "check the paper before citing.",
        "not_found": "Nothing here.",
    },
    "ko": {
        "site": "Daily Papers 요약",
        "nav": "사이트",
        "latest": "최신",
        "archive": "보관함",
        "search": "검색",
        "daily": "Daily Papers",
        "days_nav": "다른 날",
        "votes": "Hugging Face 추천 수",
        "project": "프로젝트",
        "n_papers": "논문 {n}편",
        "n_summarized": "{n}편 요약됨",
        "no_summary": "이 언어로 된 요약이 아직 없습니다.",
        "abstract": "초록",
        "no_media": "미리보기 없음",
        "empty_db": "아직 요약이 없습니다. "
        "`paperdigest digest`로 하루치를 추가한 뒤 다시 만드세요.",
        "empty_day": "이 날에는 올라온 논문이 없습니다.",
        "search_placeholder": "제목, 저자, 방법…",
        "no_results": "찾은 결과가 없습니다.",
        "n_results": "결과 {n}건",
        "search_error": "검색 실패: ",
        "needs_js": "검색에는 JavaScript가 필요합니다.",
        "feed_papers": "논문 (Atom)",
        "feed_digest": "일별 요약 (Atom)",
        "footer": "요약은 Hugging Face Daily Papers 목록을 바탕으로 기계가 작성했습니다. "
        "인용 전에 논문을 확인하세요.",
        "not_found": "페이지를 찾을 수 없습니다.",
    },
}

STATIC_FILES = ("style.css", "site.js", "search.js")
SEARCH_TEXT_CHARS = 300  # of the summary (What's New first), per paper, in the offline index


def ui_strings(lang: str) -> dict[str, str]:
    return UI.get(lang, UI["en"])


def make_env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("paperdigest", "render/templates"),
        autoescape=True,  # every template, whatever its name
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
    )
    env.filters["safe_url"] = safe_url
    return env


def static_file(name: str) -> bytes:
    if name not in STATIC_FILES:
        raise KeyError(name)
    return resources.files("paperdigest").joinpath("render", "static", name).read_bytes()


def _months(days: Sequence[DayInfo]) -> list[tuple[str, list[DayInfo]]]:
    grouped: dict[str, list[DayInfo]] = {}
    for info in days:
        grouped.setdefault(info.day.strftime("%Y-%m"), []).append(info)
    return list(grouped.items())


class Pages:
    """Renders each page kind. ``depth`` is how many folders below the site root a page is."""

    def __init__(self, *, search_api: str | None = None, langs: Sequence[str] = ()) -> None:
        self.env = make_env()
        self.search_api = search_api
        self.langs = list(langs) or [DEFAULT_LANG]

    def _context(
        self, lang: str, depth: int, page: str, same_page: str, absolute: bool = False
    ) -> dict[str, Any]:
        """Relative links (``depth`` folders below the root), or ones from "/" (absolute)."""
        if absolute:
            root, lang_root = "/", f"/{lang}/"
        else:
            root = "../" * depth
            lang_root = f"{root}{lang}/" if depth == 0 else "../" * (depth - 1)
        return {
            "lang": lang,
            "langs": self.langs,
            "ui": ui_strings(lang),
            "labels": SECTION_LABELS,
            "root": root,
            "lang_root": lang_root,
            "page": page,
            "same_page": same_page,
        }

    def day(
        self,
        day: Day | None,
        *,
        lang: str,
        depth: int,
        page: str = "day",
        newer: str | None = None,
        older: str | None = None,
    ) -> str:
        same = f"days/{day.iso}.html" if day is not None and page == "day" else "index.html"
        ctx = self._context(lang, depth, page, same)
        ctx.update(day=day, newer=newer, older=older)
        return self.env.get_template("day.html").render(ctx)

    def archive(self, days: Sequence[DayInfo], *, lang: str, depth: int = 1) -> str:
        ctx = self._context(lang, depth, "archive", "archive.html")
        ctx["months"] = _months(days)
        return self.env.get_template("archive.html").render(ctx)

    def search(self, *, lang: str, depth: int = 1) -> str:
        ctx = self._context(lang, depth, "search", "search.html")
        ctx.update(search_api=self.search_api, max_query=MAX_QUERY_CHARS)
        return self.env.get_template("search.html").render(ctx)

    def not_found(self, message: str, *, lang: str) -> str:
        """A 404 page for the server: its links start at "/", whatever the missing path."""
        ctx = self._context(lang, 0, "404", "index.html", absolute=True)
        ctx["message"] = message
        return self.env.get_template("not_found.html").render(ctx)

    def fragment(self, name: str, **values: Any) -> str:
        values.setdefault("labels", SECTION_LABELS)
        return self.env.get_template(name).render(values)


def neighbours(days: Sequence[DayInfo], day: dt.date) -> tuple[str | None, str | None]:
    """(newer, older) ISO dates around ``day`` in a newest-first list."""
    isos = [d.day for d in days]
    if day not in isos:
        return None, None
    i = isos.index(day)
    newer = isos[i - 1].isoformat() if i > 0 else None
    older = isos[i + 1].isoformat() if i + 1 < len(isos) else None
    return newer, older


# -- the offline search index --------------------------------------------------------------------


def search_records(loaded: Iterable[Day]) -> list[list[Any]]:
    """One row per paper (its newest day): [id, title, authors, day, votes, text]."""
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
            if len(text) > SEARCH_TEXT_CHARS:
                text = text[:SEARCH_TEXT_CHARS].rstrip() + "…"
            rows.append(
                [
                    e.paper.id,
                    e.paper.title,
                    ", ".join(e.paper.authors),
                    day.iso,
                    e.paper.upvotes,
                    text,
                ]
            )
    return rows


def render_search_index(lang: str, rows: list[list[Any]]) -> str:
    """A script (not JSON: ``fetch`` fails on ``file://``) that sets ``window.PD_SEARCH_INDEX``."""
    payload = {"v": 1, "lang": lang, "fields": ["id", "title", "authors", "day", "votes", "text"]}
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
        write_atomic(path, payload)
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
    days = store.days()
    report = SiteReport(out, all_langs, len(days), 0)
    write = _Writer(out, report)
    pages = Pages(langs=all_langs)

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
    "UI",
    "Pages",
    "SiteReport",
    "build_site",
    "make_env",
    "neighbours",
    "render_search_index",
    "search_records",
    "static_file",
    "ui_strings",
]
