"""Read-only queries behind ``paperdigest status``."""

from __future__ import annotations

import datetime as dt
import json

from ..ops import SMALL_RECENT, DayStatus, classify_day, small_listing
from . import Store, database_errors


@database_errors
def day_status(store: Store, day: dt.date, lang: str) -> DayStatus:
    iso = day.isoformat()
    fetched = store.day_info(day) is not None
    ids = [r[0] for r in store.db.execute(
        "SELECT paper_id FROM day_papers WHERE day = ? ORDER BY position", (iso,))]
    # the newest summary per paper in this language decides its state
    rows = store.db.execute(
        "SELECT s.paper_id, s.status FROM summaries s JOIN day_papers d ON d.paper_id = s.paper_id"
        " WHERE d.day = ? AND s.lang = ? ORDER BY s.created_at, s.id",
        (iso, lang),
    )
    status = {paper_id: st for paper_id, st in rows}
    last = store.db.execute(
        "SELECT errors FROM runs WHERE day = ? AND lang = ? AND ended_at IS NOT NULL"
        " ORDER BY id DESC LIMIT 1",
        (iso, lang),
    ).fetchone()
    failed = [e.get("paper_id") for e in json.loads(last[0])] if last else []
    return classify_day(day, fetched=fetched, paper_ids=ids, summary_status=status,
                        failed_ids=[f for f in failed if f], small=small_listings(store, day))


@database_errors
def small_listings(store: Store, day: dt.date) -> list[str]:
    """The arXiv listings of ``day`` that are suspiciously small (:func:`~..ops.small_listing`)."""
    has_table = store.db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'day_sources'"
    ).fetchone()
    if not has_table or day.weekday() >= 5:
        return []  # a database from before the arXiv source, or a weekend
    found: list[str] = []
    for source, count in sorted(store.source_counts(day).items()):
        if not source.startswith("arxiv:"):
            continue
        why = small_listing(source, count, store.recent_source_counts(source, day, SMALL_RECENT))
        if why:
            found.append(why)
    return found
