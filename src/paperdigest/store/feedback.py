"""The reader's feedback (like / dislike per paper) and each day's stored ranking.

Feedback is kept per paper, without version; the latest verdict wins. A ranking row holds the
score and the one-line reason a profile gave a paper on a day, in one language: the site, the
JSON, the feeds and the chat messages show them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from ..errors import ConfigError
from ..models import Paper
from . import Store, database_errors, utcnow

VERDICTS = ("like", "dislike")
_VERSION = re.compile(r"v\d+$")


@dataclass(frozen=True)
class Feedback:
    paper_id: str
    verdict: str
    created_at: str


@dataclass(frozen=True)
class RankRow:
    paper_id: str
    score: float
    why: str
    profile: str


def _bare(paper_id: str) -> str:
    return _VERSION.sub("", paper_id)


@database_errors
def find_paper(store: Store, paper_id: str) -> Paper | None:
    """The stored paper with this id, with or without version."""
    bare = _bare(paper_id)
    found = store.paper(bare) or store.paper(paper_id)
    if found is not None:
        return found
    row = store.db.execute(
        "SELECT id FROM papers WHERE id LIKE ? ORDER BY id DESC LIMIT 1", (f"{bare}v%",)
    ).fetchone()
    return store.paper(row[0]) if row else None


@database_errors
def record_feedback(store: Store, paper_id: str, verdict: str) -> Paper:
    """Store a like or a dislike; the paper must be in the database (its text is what the
    ranking compares with)."""
    if verdict not in VERDICTS:
        raise ConfigError(f"feedback must be 'like' or 'dislike', not {verdict!r}")
    paper = find_paper(store, paper_id)
    if paper is None:
        raise ConfigError(
            f"paper {paper_id} is not in {store.path}: rank or digest a day that lists it first"
        )
    with store.transaction() as db:
        db.execute(
            "INSERT INTO feedback (paper_id, verdict, created_at) VALUES (?, ?, ?) "
            "ON CONFLICT(paper_id) DO UPDATE SET verdict = excluded.verdict, "
            "created_at = excluded.created_at",
            (_bare(paper.id), verdict, utcnow()),
        )
    return paper


@database_errors
def feedback(store: Store) -> list[Feedback]:
    """Every verdict, oldest first (empty on a database opened read-only before the table)."""
    if not store.has_table("feedback"):
        return []
    rows = store.db.execute(
        "SELECT paper_id, verdict, created_at FROM feedback ORDER BY created_at, paper_id"
    )
    return [Feedback(r[0], r[1], r[2]) for r in rows]


@database_errors
def save_ranking(
    store: Store, day: dt.date, profile: str, lang: str, rows: Iterable[tuple[str, float, str]]
) -> None:
    """Replace the day's ranking for this profile and language: (paper id, score, reason)."""
    now = utcnow()
    with store.transaction() as db:
        db.execute(
            "DELETE FROM rankings WHERE day = ? AND profile = ? AND lang = ?",
            (day.isoformat(), profile, lang),
        )
        db.executemany(
            "INSERT INTO rankings (day, paper_id, profile, lang, score, why, ranked_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(day.isoformat(), pid, profile, lang, score, why, now) for pid, score, why in rows],
        )


@database_errors
def day_ranking(store: Store, day: dt.date, lang: str) -> dict[str, RankRow]:
    """The newest ranking of the day in this language (by any profile), by paper id."""
    if not store.has_table("rankings"):
        return {}
    iso = day.isoformat()
    # the newest: the same second's rankings by insertion order on SQLite (PostgreSQL has no
    # rowid; there a tie falls to the profile's name)
    tie = "profile DESC" if store.is_postgres else "rowid DESC"
    latest = store.db.execute(
        "SELECT profile FROM rankings WHERE day = ? AND lang = ? "
        f"ORDER BY ranked_at DESC, {tie} LIMIT 1",
        (iso, lang),
    ).fetchone()
    if latest is None:
        return {}
    rows = store.db.execute(
        "SELECT paper_id, score, why, profile FROM rankings "
        "WHERE day = ? AND lang = ? AND profile = ?",
        (iso, lang, latest[0]),
    )
    return {r[0]: RankRow(r[0], float(r[1]), r[2], r[3]) for r in rows}


@database_errors
def days_listing(store: Store, paper_id: str) -> list[dt.date]:
    rows = store.db.execute(
        "SELECT day FROM day_papers WHERE paper_id = ? ORDER BY day", (paper_id,)
    )
    return [dt.date.fromisoformat(r[0]) for r in rows]


__all__ = [
    "VERDICTS",
    "Feedback",
    "RankRow",
    "day_ranking",
    "days_listing",
    "feedback",
    "find_paper",
    "record_feedback",
    "save_ranking",
]
