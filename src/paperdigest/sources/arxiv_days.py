"""Which submissions make arXiv's listing of a given day, in pure code.

arXiv announces new submissions Sunday to Thursday at 20:00 US-Eastern; each announcement is
the listing dated the next day (Monday to Friday). Submissions are cut off at 14:00 Eastern on
weekdays, so the listing dated D holds what was received between two cut-offs:

    listing of     received from            until (not included)
    Monday         Thursday 14:00           Friday 14:00
    Tuesday        Friday 14:00             Monday 14:00
    Wednesday      Monday 14:00             Tuesday 14:00
    Thursday       Tuesday 14:00            Wednesday 14:00
    Friday         Wednesday 14:00          Thursday 14:00

i.e. the window ends at 14:00 on the weekday before D and starts at 14:00 on the weekday before
that. Saturday and Sunday have no listing. Times are converted with ``zoneinfo``
(America/New_York), so the windows follow daylight saving time. arXiv's holidays (a few days a
year, announced on its site) are not modelled: their submissions roll into the next listing
there, while here they are counted under the date the rule gives.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

EASTERN = ZoneInfo("America/New_York")
CUTOFF = dt.time(14, 0)
ANNOUNCE = dt.time(20, 0)


def has_listing(day: dt.date) -> bool:
    """Whether arXiv publishes a listing dated ``day`` (Monday to Friday)."""
    return day.weekday() < 5


def previous_weekday(day: dt.date) -> dt.date:
    day -= dt.timedelta(days=1)
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day


@dataclass(frozen=True)
class Window:
    """The submissions of one listing: ``start <= received < end`` (aware datetimes, UTC)."""

    day: dt.date
    start: dt.datetime
    end: dt.datetime
    announced: dt.datetime  # when arXiv makes the listing public

    def holds(self, when: dt.datetime) -> bool:
        return self.start <= when < self.end

    def query_range(self) -> str:
        """The API's ``submittedDate`` range: minutes in GMT, both ends included."""
        last = self.end - dt.timedelta(minutes=1)
        return f"[{self.start:%Y%m%d%H%M} TO {last:%Y%m%d%H%M}]"

    def describe(self) -> str:
        start = self.start.astimezone(EASTERN)
        end = self.end.astimezone(EASTERN)
        return f"received {start:%a %Y-%m-%d %H:%M} – {end:%a %Y-%m-%d %H:%M} US-Eastern"


def _eastern(day: dt.date, time: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=EASTERN).astimezone(dt.UTC)


def listing_window(day: dt.date) -> Window:
    """The submission window of the listing dated ``day`` (a weekday; see the module doc)."""
    if not has_listing(day):
        raise ValueError(f"arXiv has no listing on {day:%A}s")
    end_day = previous_weekday(day)
    start_day = previous_weekday(end_day)
    announce_day = day - dt.timedelta(days=1)
    return Window(
        day=day,
        start=_eastern(start_day, CUTOFF),
        end=_eastern(end_day, CUTOFF),
        announced=_eastern(announce_day, ANNOUNCE),
    )
