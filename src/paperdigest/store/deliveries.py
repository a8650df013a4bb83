"""What was published where (table ``deliveries``, migration ``m009_deliveries``): one row per
day, language, channel and recipient, so publishing the same day again sends nothing new."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from . import Store, database_errors, utcnow


@dataclass(frozen=True)
class Delivery:
    day: dt.date
    lang: str
    channel: str
    recipient: str
    papers: int
    sent_at: str


@database_errors
def delivered(store: Store, day: dt.date, lang: str, channel: str, recipient: str) -> str | None:
    """When this day was sent to this recipient (``sent_at``), or None."""
    row = store.db.execute(
        "SELECT sent_at FROM deliveries WHERE day = ? AND lang = ? AND channel = ? "
        "AND recipient = ?",
        (day.isoformat(), lang, channel, recipient),
    ).fetchone()
    return None if row is None else str(row[0])


@database_errors
def record_delivery(
    store: Store, day: dt.date, lang: str, channel: str, recipient: str, papers: int
) -> None:
    with store.transaction() as db:
        db.execute(
            "INSERT INTO deliveries (day, lang, channel, recipient, papers, sent_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(day, lang, channel, recipient) DO UPDATE "
            "SET papers = excluded.papers, sent_at = excluded.sent_at",
            (day.isoformat(), lang, channel, recipient, papers, utcnow()),
        )


@database_errors
def deliveries(store: Store, day: dt.date | None = None) -> list[Delivery]:
    where, args = ("WHERE day = ?", (day.isoformat(),)) if day else ("", ())
    rows = store.db.execute(
        f"SELECT * FROM deliveries {where} ORDER BY sent_at, channel, recipient", args
    ).fetchall()
    return [
        Delivery(
            dt.date.fromisoformat(r["day"]),
            r["lang"],
            r["channel"],
            r["recipient"],
            int(r["papers"]),
            r["sent_at"],
        )
        for r in rows
    ]


__all__ = ["Delivery", "delivered", "deliveries", "record_delivery"]
