"""One day's digest as data: the papers in vote order, each with its latest summary in one language.

:func:`load_day` is what every publisher reads (HTML pages, Atom feeds, chat messages, the web
API); :func:`day_dict` / :func:`render_day_json` are the per-day JSON file (``days/D.json``) and
the body of ``/api/days/{date}``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote

from ..models import SECTION_KEYS, SECTION_LABELS, Paper, Summary
from ..settings import DEFAULT_LANG
from ..store import DayInfo, Store
from ..store.feedback import day_ranking
from .provenance import Record, load_record, load_records

JSON_VERSION = 1


def hf_url(paper_id: str) -> str:
    return f"https://huggingface.co/papers/{quote(paper_id, safe='/.-')}"


def arxiv_url(paper_id: str) -> str:
    return f"https://arxiv.org/abs/{quote(paper_id, safe='/.-')}"


def safe_url(url: str | None) -> str | None:
    """The URL if it is plain http(s) (no ``javascript:``, no spaces or quotes), else None."""
    if not url:
        return None
    url = url.strip()
    if not url.lower().startswith(("https://", "http://")):
        return None
    if _UNSAFE_IN_URL.search(url):
        return None
    return url


# whitespace (``\s`` is str.isspace()'s set) and characters that end an HTML attribute
_UNSAFE_IN_URL = re.compile(r"[\s\"'<>`]")


@dataclass(frozen=True)
class Entry:
    paper: Paper
    summary: Summary | None
    record: Record | None = None  # the summary's provenance and check status
    score: float | None = None  # the reader's profile's score, when the day was ranked
    why: str | None = None  # and its one-line reason

    @property
    def arxiv_url(self) -> str:
        return arxiv_url(self.paper.id)

    @property
    def hf_url(self) -> str:
        return hf_url(self.paper.id)

    @property
    def pdf_url(self) -> str:
        return pdf_url(self.paper.id)

    @property
    def slug(self) -> str:
        return paper_slug(self.paper.id)

    @property
    def media_url(self) -> str | None:
        return safe_url(self.paper.media_url)

    @property
    def media_is_video(self) -> bool:
        return self.media_url is not None and self.paper.media_is_video


@dataclass(frozen=True)
class Day:
    day: dt.date
    lang: str
    info: DayInfo | None
    entries: tuple[Entry, ...]

    @property
    def iso(self) -> str:
        return self.day.isoformat()

    @property
    def summarized(self) -> int:
        return sum(1 for e in self.entries if e.summary is not None)

    @property
    def updated(self) -> str:
        """The newest time anything on this day changed (list fetch or summary)."""
        stamps = [e.summary.created_at for e in self.entries if e.summary is not None]
        if self.info is not None:
            stamps.append(self.info.fetched_at)
        return max(stamps) if stamps else f"{self.iso}T00:00:00Z"


def languages(store: Store, default: str = DEFAULT_LANG) -> list[str]:
    """Languages with at least one summary, the default first; just the default when none."""
    found = [r[0] for r in store.db.execute("SELECT DISTINCT lang FROM summaries ORDER BY lang")]
    return [default] + [lang for lang in found if lang != default]


def load_day(store: Store, day: dt.date, lang: str, *, limit: int | None = None) -> Day:
    papers = store.day_papers(day)
    if limit is not None:
        papers = papers[:limit]
    ranked = day_ranking(store, day, lang)
    # the day's summaries and their records in a few queries, not three per paper
    latest = store.latest_summaries([p.id for p in papers], lang)
    found = list(latest.values())
    records = {id(s): r for s, r in zip(found, load_records(store, found), strict=True)}
    entries = []
    for p in papers:
        summary = latest.get(p.id)
        entry = Entry(p, summary, records[id(summary)] if summary is not None else None)
        if p.id in ranked:
            entry = replace(entry, score=ranked[p.id].score, why=ranked[p.id].why)
        entries.append(entry)
    return Day(day, lang, store.day_info(day), tuple(entries))


def paper_slug(paper_id: str) -> str:
    """The paper page's file name stem: the id, with "/" (old-style arXiv ids) as "_"."""
    return quote(paper_id.replace("/", "_"), safe=".-_")


def pdf_url(paper_id: str) -> str:
    return f"https://arxiv.org/pdf/{quote(paper_id, safe='/.-')}"


@dataclass(frozen=True)
class Listed:
    """One day a paper was on the list: its votes then and its rank by votes that day."""

    day: dt.date
    upvotes: int
    rank: int


@dataclass(frozen=True)
class PaperView:
    """Everything the paper's own page shows."""

    entry: Entry  # the paper with its summary in the page's language (if any)
    listed: tuple[Listed, ...]  # newest day first
    summaries: tuple[Entry, ...]  # one per language that has one, the page's language first

    @property
    def paper(self) -> Paper:
        return self.entry.paper


def load_paper(store: Store, paper_id: str, lang: str, langs: list[str]) -> PaperView | None:
    paper = store.paper(paper_id)
    if paper is None:
        return None
    rows = store.db.execute(
        "SELECT d.day, d.upvotes, (SELECT count(*) FROM day_papers o WHERE o.day = d.day AND "
        "(o.upvotes > d.upvotes OR (o.upvotes = d.upvotes AND o.position < d.position))) + 1 "
        "FROM day_papers d WHERE d.paper_id = ? ORDER BY d.day DESC",
        (paper.id,),
    ).fetchall()
    listed = tuple(Listed(dt.date.fromisoformat(r[0]), int(r[1]), int(r[2])) for r in rows)
    order = [lang] + [other for other in langs if other != lang]
    summaries = tuple(
        e for e in (entry_for(store, paper, other) for other in order) if e.summary is not None
    )
    return PaperView(entry_for(store, paper, lang), listed, summaries)


TOP_LIMIT = 20  # papers in a week's or a month's view


@dataclass(frozen=True)
class Period:
    """A week (``2024-W30``, ISO weeks) or a month (``2024-07``) of days."""

    kind: str  # "week" | "month"
    key: str
    start: dt.date
    end: dt.date

    @classmethod
    def of(cls, kind: str, day: dt.date) -> Period:
        if kind == "week":
            year, week, weekday = day.isocalendar()
            start = day - dt.timedelta(days=weekday - 1)
            return cls("week", f"{year}-W{week:02d}", start, start + dt.timedelta(days=6))
        start = day.replace(day=1)
        following = (start + dt.timedelta(days=32)).replace(day=1)
        return cls("month", f"{day.year:04d}-{day.month:02d}", start,
                   following - dt.timedelta(days=1))

    @classmethod
    def parse(cls, kind: str, key: str) -> Period | None:
        """The period named ``key`` (``2024-W30`` or ``2024-07``), or None."""
        try:
            if kind == "week":
                year, _, week = key.partition("-W")
                if len(year) != 4 or len(week) != 2:
                    return None
                return cls.of("week", dt.date.fromisocalendar(int(year), int(week), 1))
            if kind == "month" and len(key) == 7 and key[4] == "-":
                return cls.of("month", dt.date(int(key[:4]), int(key[5:]), 1))
        except ValueError:
            return None
        return None

    @property
    def path(self) -> str:
        return f"{self.kind}s/{self.key}.html"


@dataclass(frozen=True)
class Top:
    """A paper in a period's top list: its best day (most votes) and those votes."""

    entry: Entry
    day: dt.date
    upvotes: int


def periods(days: list[dt.date], kind: str) -> list[Period]:
    """The periods that hold any of ``days``, newest first."""
    found = {Period.of(kind, d).key: Period.of(kind, d) for d in days}
    return sorted(found.values(), key=lambda p: p.start, reverse=True)


def load_top(store: Store, period: Period, lang: str, limit: int = TOP_LIMIT) -> list[Top]:
    """The period's papers by their most votes on any of its days, most first."""
    rows = store.db.execute(
        "SELECT paper_id, day, upvotes FROM day_papers WHERE day BETWEEN ? AND ? "
        "ORDER BY upvotes DESC, day DESC, position ASC",
        (period.start.isoformat(), period.end.isoformat()),
    ).fetchall()
    best: dict[str, tuple[dt.date, int]] = {}
    for paper_id, day, upvotes in rows:
        if paper_id not in best:
            best[paper_id] = (dt.date.fromisoformat(day), int(upvotes))
        if len(best) >= limit:
            break
    tops: list[Top] = []
    for paper_id, (day, upvotes) in best.items():
        paper = store.paper(paper_id)
        if paper is not None:
            tops.append(Top(entry_for(store, paper, lang), day, upvotes))
    return tops


def entry_for(store: Store, paper: Paper, lang: str) -> Entry:
    summary = store.latest_summary(paper.id, lang)
    record = load_record(store, summary) if summary is not None else None
    return Entry(paper, summary, record)


def summary_dict(summary: Summary, record: Record | None) -> dict[str, Any]:
    """A summary for the JSON files and the API: its sections, who wrote it, and its check
    record (``check.state``: checked, repaired, flagged or unchecked; ``check.problems`` in
    plain words for a reader)."""
    data: dict[str, Any] = {
        "lang": summary.lang,
        "sections": {key: getattr(summary.sections, key) for key in SECTION_KEYS},
        "labels": dict(SECTION_LABELS),
        "backend": summary.backend,
        "model": summary.model,
        "status": summary.status,  # "ok": passed the checks; "flagged": read with care
        "prompt_version": summary.prompt_version,
        "created_at": summary.created_at,
    }
    if record is not None:
        data["check"] = record.to_dict(summary.lang)
        data["provenance"] = record.line(summary.lang)
    return data


def entry_dict(entry: Entry) -> dict[str, Any]:
    paper, summary = entry.paper, entry.summary
    ranking = (
        {} if entry.why is None else {"score": round(entry.score or 0.0, 4), "why": entry.why}
    )
    return {
        "id": paper.id,
        "title": paper.title,
        "authors": list(paper.authors),
        "upvotes": paper.upvotes,
        "abstract": paper.abstract,
        "published_at": paper.published_at,
        "arxiv_url": entry.arxiv_url,
        "hf_url": entry.hf_url,
        "media_url": entry.media_url,
        "media_is_video": entry.media_is_video,
        "github_url": safe_url(paper.github_url),
        "project_url": safe_url(paper.project_url),
        # from an arXiv listing (empty for a paper only the Hugging Face list gave)
        "categories": list(paper.categories),
        "version": paper.version,
        "comments": paper.comments,
        **ranking,
        "summary": None if summary is None else summary_dict(summary, entry.record),
    }


def day_dict(day: Day) -> dict[str, Any]:
    return {
        "version": JSON_VERSION,
        "date": day.iso,
        "lang": day.lang,
        "source": day.info.source if day.info else None,
        "fetched_at": day.info.fetched_at if day.info else None,
        "updated": day.updated,
        "count": len(day.entries),
        "summarized": day.summarized,
        "papers": [entry_dict(e) for e in day.entries],
    }


def render_day_json(day: Day) -> str:
    return json.dumps(day_dict(day), ensure_ascii=False, indent=1) + "\n"


__all__ = [
    "DEFAULT_LANG",
    "Day",
    "Entry",
    "Listed",
    "PaperView",
    "Period",
    "Top",
    "arxiv_url",
    "day_dict",
    "entry_dict",
    "entry_for",
    "hf_url",
    "languages",
    "load_day",
    "load_paper",
    "load_top",
    "paper_slug",
    "pdf_url",
    "periods",
    "render_day_json",
    "safe_url",
    "summary_dict",
]
