"""The page renderer shared by the static site, the web server and the Atom feeds: Jinja2
templates, the interface strings per language, and the static assets."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from importlib import resources
from typing import Any

import jinja2

from ..models import SECTION_LABELS
from ..store import DayInfo
from ..store.search import MAX_QUERY_CHARS
from .json_day import DEFAULT_LANG, Day, safe_url

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
        "written_by": "Written by",
        "checked": "passed the checks",
        "flagged": "flagged by the checks: read with care",
        "why": "Why",
        "score": "Score for your profile",
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
        "written_by": "작성 모델",
        "checked": "검사 통과",
        "flagged": "검사에서 문제 발견: 주의해서 읽으세요",
        "why": "추천 이유",
        "score": "프로필 점수",
    },
}

STATIC_FILES = ("style.css", "site.js", "search.js")


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
