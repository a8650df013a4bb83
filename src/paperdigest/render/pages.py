"""The page renderer shared by the static site, the web server and the Atom feeds: Jinja2
templates, the interface strings per language, and the static assets."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from importlib import resources
from typing import Any

import jinja2

from ..models import SECTION_LABELS
from ..store import DayInfo
from ..store.search import MAX_QUERY_CHARS
from .json_day import DEFAULT_LANG, Day, PaperView, Period, Top, safe_url

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
        "read": "Read",
        "original": "Original title and abstract (English)",
        "summary": "Summary",
        "published": "Submitted",
        "votes_history": "Votes by day",
        "votes_short": "Votes",
        "day": "Day",
        "rank": "Rank",
        "checks_run": "Checks run",
        "description": "Machine-written summaries of the Hugging Face Daily Papers, with the "
        "model and the check status of every summary.",
        "view_cards": "Cards",
        "view_list": "List",
        "view_label": "View",
        "week": "Week",
        "month": "Month",
        "top_week": "Top papers of the week",
        "top_month": "Top papers of the month",
        "keys_hint": "Keys: j / k or ← / → for newer / older days",
        "newer": "Newer",
        "older": "Older",
        "category": "Category",
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
        "read": "읽은 내용",
        "original": "원문 제목과 초록 (영어)",
        "summary": "요약",
        "published": "제출일",
        "votes_history": "날짜별 추천 수",
        "votes_short": "추천",
        "day": "날짜",
        "rank": "순위",
        "checks_run": "실행한 검사",
        "description": "Hugging Face Daily Papers를 기계가 요약하고, 요약마다 작성 모델과 "
        "검사 결과를 밝힌 모음입니다.",
        "view_cards": "카드",
        "view_list": "목록",
        "view_label": "보기",
        "week": "주간",
        "month": "월간",
        "top_week": "이번 주 인기 논문",
        "top_month": "이번 달 인기 논문",
        "keys_hint": "단축키: j / k 또는 ← / → 로 다음 / 이전 날",
        "newer": "최근",
        "older": "이전",
        "category": "분야",
        "why": "추천 이유",
        "score": "프로필 점수",
    },
}

STATIC_FILES = ("style.css", "site.js", "search.js")
DESCRIPTION_CHARS = 200


def _cut(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def ui_strings(lang: str) -> dict[str, str]:
    return UI.get(lang, UI["en"])


@functools.cache
def make_env() -> jinja2.Environment:
    """The one template environment: templates are compiled once per process, not per page
    (the server renders every page kind with it; compiling ``day.html`` costs more than
    rendering it). The templates ship with the package, so they are not checked for changes."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("paperdigest", "render/templates"),
        autoescape=True,  # every template, whatever its name
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
        auto_reload=False,
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

    def __init__(
        self,
        *,
        search_api: str | None = None,
        langs: Sequence[str] = (),
        base_url: str | None = None,
    ) -> None:
        self.env = make_env()
        self.search_api = search_api
        self.langs = list(langs) or [DEFAULT_LANG]
        self.base_url = base_url.rstrip("/") + "/" if base_url else None

    def _meta(
        self,
        ctx: dict[str, Any],
        path: str,
        *,
        title: str | None = None,
        description: str | None = None,
        image: str | None = None,
        kind: str = "website",
    ) -> None:
        """Open Graph and description tags: what a shared link previews."""
        ui = ctx["ui"]
        ctx["meta"] = {
            "title": title or ui["site"],
            "description": _cut(description or ui["description"], DESCRIPTION_CHARS),
            "image": image,
            "type": kind,
            "url": f"{self.base_url}{path}" if self.base_url else None,
        }

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
        if day is not None:
            ctx.update(week=Period.of("week", day.day), month=Period.of("month", day.day))
        if day is not None and day.entries:
            ui = ctx["ui"]
            titles = " · ".join(e.paper.title for e in day.entries[:5])
            images = [e.media_url for e in day.entries if e.media_url and not e.media_is_video]
            self._meta(
                ctx,
                f"{lang}/{same}" if depth else same,
                title=f"{ui['daily']} {day.iso} · {ui['n_papers'].format(n=len(day.entries))}",
                description=titles,
                image=images[0] if images else None,
            )
        else:
            self._meta(ctx, f"{lang}/{same}" if depth else same)
        return self.env.get_template("day.html").render(ctx)

    def period(
        self,
        period: Period,
        tops: Sequence[Top],
        *,
        lang: str,
        newer: Period | None = None,
        older: Period | None = None,
        depth: int = 2,
    ) -> str:
        """A week's or a month's top papers by votes."""
        ctx = self._context(lang, depth, period.kind, period.path)
        ui = ctx["ui"]
        heading = f"{ui['top_' + period.kind]} {period.key}"
        ctx.update(period=period, tops=tops, newer=newer, older=older, heading=heading)
        titles = " · ".join(t.entry.paper.title for t in tops[:5])
        self._meta(ctx, f"{lang}/{period.path}", title=heading, description=titles or None)
        return self.env.get_template("top.html").render(ctx)

    def paper(self, view: PaperView, *, lang: str, depth: int = 2) -> str:
        e = view.entry
        same = f"papers/{e.slug}.html"
        ctx = self._context(lang, depth, "paper", same)
        ctx["view"] = view
        summary = e.summary or (view.summaries[0].summary if view.summaries else None)
        text = summary.sections.whats_new if summary is not None else e.paper.abstract
        image = e.media_url if e.media_url and not e.media_is_video else None
        self._meta(ctx, f"{lang}/{same}", title=e.paper.title, description=text, image=image,
                   kind="article")
        return self.env.get_template("paper.html").render(ctx)

    def archive(self, days: Sequence[DayInfo], *, lang: str, depth: int = 1) -> str:
        ctx = self._context(lang, depth, "archive", "archive.html")
        ctx["months"] = _months(days)
        ui = ctx["ui"]
        self._meta(ctx, f"{lang}/archive.html", title=f"{ui['archive']} · {ui['site']}")
        return self.env.get_template("archive.html").render(ctx)

    def search(self, *, lang: str, depth: int = 1) -> str:
        ctx = self._context(lang, depth, "search", "search.html")
        ctx.update(search_api=self.search_api, max_query=MAX_QUERY_CHARS)
        self._meta(ctx, f"{lang}/search.html", title=f"{ctx['ui']['search']} · {ctx['ui']['site']}")
        return self.env.get_template("search.html").render(ctx)

    def not_found(self, message: str, *, lang: str) -> str:
        """A 404 page for the server: its links start at "/", whatever the missing path."""
        ctx = self._context(lang, 0, "404", "index.html", absolute=True)
        ctx["message"] = message
        self._meta(ctx, "index.html", title=f"404 · {ctx['ui']['site']}")
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
