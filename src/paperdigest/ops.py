"""Operations planning, pure: date ranges, the daily schedule and day completeness.

Nothing here touches the network or the database; the CLI feeds it rows and acts on the answer.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ConfigError

MAX_RANGE_DAYS = 366


def day_range(start: dt.date, end: dt.date, *, max_days: int = MAX_RANGE_DAYS) -> list[dt.date]:
    """Every day from ``start`` to ``end`` inclusive, refusing reversed or huge ranges."""
    if end < start:
        raise ConfigError(
            f"--from {start.isoformat()} is after --to {end.isoformat()}: swap them"
        )
    count = (end - start).days + 1
    if count > max_days:
        raise ConfigError(
            f"{count} days from {start.isoformat()} to {end.isoformat()} is more than "
            f"{max_days}: split the range or raise --max-days"
        )
    return [start + dt.timedelta(days=i) for i in range(count)]


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"unknown time zone {name!r}: use an IANA name like Asia/Seoul") from None


def daily_days(now: dt.datetime, tz: str, *, lookback: int = 1) -> list[dt.date]:
    """The list dates a daily run handles at ``now``: today in ``tz`` and ``lookback`` days
    before it, oldest first. Going back catches papers added late and refreshes the votes; the
    stored summaries make the repeat visits free."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    today = now.astimezone(zone(tz)).date()
    return [today - dt.timedelta(days=i) for i in range(lookback, -1, -1)]


@dataclass(frozen=True)
class DayStatus:
    day: dt.date
    fetched: bool
    listed: int
    summarized: int  # summaries that passed their checks (or were never checked)
    flagged: int  # summaries kept but flagged by the checks
    failed: int  # no summary, and the last run for the day failed on it
    missing: int  # no summary, never tried (or the run was interrupted)
    small: tuple[str, ...] = ()  # arXiv listings suspiciously small for a weekday

    @property
    def weekend(self) -> bool:
        return self.day.weekday() >= 5

    @property
    def problem(self) -> str | None:
        if not self.fetched:
            return "never fetched"
        if self.listed == 0:
            return None if self.weekend else "no papers listed on a weekday (upstream change?)"
        if self.failed:
            return f"{self.failed} failed"
        if self.missing:
            return f"{self.missing} missing"
        if self.small and not self.weekend:
            return "; ".join(self.small)
        return None

    @property
    def complete(self) -> bool:
        return self.problem is None


def classify_day(
    day: dt.date,
    *,
    fetched: bool,
    paper_ids: Iterable[str],
    summary_status: Mapping[str, str],
    failed_ids: Iterable[str],
    small: Sequence[str] = (),
) -> DayStatus:
    """Count a day's papers by state. ``summary_status`` maps paper id -> 'ok' | 'flagged'."""
    ids = list(paper_ids)
    failed_set = set(failed_ids)
    summarized = sum(1 for i in ids if summary_status.get(i) == "ok")
    flagged = sum(1 for i in ids if summary_status.get(i) == "flagged")
    unsummarized = [i for i in ids if i not in summary_status]
    failed = sum(1 for i in unsummarized if i in failed_set)
    return DayStatus(
        day=day, fetched=fetched, listed=len(ids), summarized=summarized, flagged=flagged,
        failed=failed, missing=len(unsummarized) - failed, small=tuple(small),
    )


# An arXiv listing is suspiciously small when it holds fewer than SMALL_SHARE of the median of
# the same categories' last SMALL_RECENT fetched weekdays (judged once SMALL_MIN_DAYS are known).
SMALL_SHARE = 0.2
SMALL_RECENT = 10
SMALL_MIN_DAYS = 3


def small_listing(source: str, count: int, recent: Sequence[int]) -> str | None:
    """Why ``count`` papers from ``source`` look like a partial listing, or None."""
    if len(recent) < SMALL_MIN_DAYS:
        return None
    median = statistics.median(recent)
    if median > 0 and count < SMALL_SHARE * median:
        return (
            f"{source} listed {count} paper(s), under {SMALL_SHARE:.0%} of the median "
            f"{median:g} of its last {len(recent)} weekdays (a partial listing?)"
        )
    return None
