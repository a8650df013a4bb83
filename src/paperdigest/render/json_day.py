"""One day's digest as data: the papers in vote order, each with its latest summary in one language.

:func:`load_day` is what every publisher reads (HTML pages, Atom feeds, chat messages, the web
API); :func:`day_dict` / :func:`render_day_json` are the per-day JSON file (``days/D.json``) and
the body of ``/api/days/{date}``.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from ..models import SECTION_KEYS, SECTION_LABELS, Paper, Summary
from ..settings import DEFAULT_LANG
from ..store import DayInfo, Store
from ..store.feedback import day_ranking

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
    if any(c.isspace() or c in "\"'<>`" for c in url):
        return None
    return url


@dataclass(frozen=True)
class Entry:
    paper: Paper
    summary: Summary | None
    score: float | None = None  # the reader's profile's score, when the day was ranked
    why: str | None = None  # and its one-line reason

    @property
    def arxiv_url(self) -> str:
        return arxiv_url(self.paper.id)

    @property
    def hf_url(self) -> str:
        return hf_url(self.paper.id)

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
    entries = tuple(
        Entry(
            p,
            store.latest_summary(p.id, lang),
            ranked[p.id].score if p.id in ranked else None,
            ranked[p.id].why if p.id in ranked else None,
        )
        for p in papers
    )
    return Day(day, lang, store.day_info(day), entries)


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
        "summary": None
        if summary is None
        else {
            "lang": summary.lang,
            "sections": {key: getattr(summary.sections, key) for key in SECTION_KEYS},
            "labels": dict(SECTION_LABELS),
            "backend": summary.backend,
            "model": summary.model,
            "status": summary.status,  # "ok": passed the checks; "flagged": read with care
            "prompt_version": summary.prompt_version,
            "created_at": summary.created_at,
        },
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
    "arxiv_url",
    "day_dict",
    "entry_dict",
    "hf_url",
    "languages",
    "load_day",
    "render_day_json",
    "safe_url",
]
