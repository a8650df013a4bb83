"""What a run gathers, and the database writes that record it (main thread only)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from ..checks import Problem, check_names, checks_version
from ..models import Paper, Sections, Summary
from ..store import Store
from ..store.checks import CheckRecord, load_checks, save_checks
from .plan import Recheck, Summarize
from .repair import Checked, checks_for


class Progress(Protocol):
    def start(self, total: int, description: str) -> None: ...
    def advance(self, paper: Paper, outcome: str) -> None: ...
    def stop(self) -> None: ...


class NoProgress:
    def start(self, total: int, description: str) -> None:
        pass

    def advance(self, paper: Paper, outcome: str) -> None:
        pass

    def stop(self) -> None:
        pass


class DayDisplays:
    """One progress display for days that overlap (:func:`~.run.run_days`): it shows the
    oldest open day; papers of later days finishing meanwhile are shown when their day comes
    up, so each day's count stays its own."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.days: list[_DayDisplay] = []  # started and not shown to the end, oldest first

    def day(self) -> Progress:
        """The display of the next day to start."""
        return _DayDisplay(self)

    def _next(self) -> None:
        """The shown day stopped: show the next one, with what it gathered meanwhile."""
        self.days.pop(0)
        while self.days:
            head = self.days[0]
            self.progress.start(head.total, head.description)
            for paper, outcome in head.early:
                self.progress.advance(paper, outcome)
            head.early = []
            if not head.stopped:
                return
            self.progress.stop()
            self.days.pop(0)


class _DayDisplay:
    def __init__(self, displays: DayDisplays) -> None:
        self.displays = displays
        self.total = 0
        self.description = ""
        self.early: list[tuple[Paper, str]] = []  # finished before the day was shown
        self.stopped = False

    @property
    def shown(self) -> bool:
        return bool(self.displays.days) and self.displays.days[0] is self

    def start(self, total: int, description: str) -> None:
        self.total, self.description = total, description
        self.displays.days.append(self)
        if self.shown:
            self.displays.progress.start(total, description)

    def advance(self, paper: Paper, outcome: str) -> None:
        if self.shown:
            self.displays.progress.advance(paper, outcome)
        else:
            self.early.append((paper, outcome))

    def stop(self) -> None:
        self.stopped = True
        if self.shown:
            self.displays.progress.stop()
            self.displays._next()


@dataclass(frozen=True)
class Flagged:
    """A paper whose kept summary still fails some checks."""

    paper_id: str
    title: str
    problems: tuple[Problem, ...]
    attempts: int = 1  # summaries asked for in this run (0: reused from an earlier run)
    requests: int = 0  # requests to the backend for it in this run (answer retries included)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.paper_id,
            "title": self.title,
            "attempts": self.attempts,
            "requests": self.requests,
            "problems": [p.to_dict() for p in self.problems],
        }


@dataclass
class Tally:
    """What one run has gathered so far."""

    done: dict[str, Sections] = field(default_factory=dict)
    failed: list[tuple[str, str]] = field(default_factory=list)
    flagged: list[Flagged] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    repaired: int = 0
    checked: int = 0
    reused: int = 0  # stored summaries used as they are (some finished by a concurrent run)
    not_attempted: list[str] = field(default_factory=list)
    stopped: str | None = None  # why the run stopped early (a budget), if it did


def current_checks(
    store: Store, paper: Paper, input_text: str, summary: Summary
) -> tuple[CheckRecord, bool]:
    """A stored summary's check results, checked (again) now when they are missing or were
    made by another version of the checks; (record, whether it was checked now). No LLM."""
    assert summary.id is not None
    record = load_checks(store, summary.id)
    if record is not None and record.version == checks_version():
        return record, False
    problems = checks_for(paper, input_text, summary.lang)(summary.sections)
    attempts = record.attempts if record is not None else ()
    return save_checks(store, summary.id, problems, checks=check_names(), attempts=attempts), True


class Recorder:
    """Saves summaries and check results as they arrive and counts them in a :class:`Tally`."""

    def __init__(self, store: Store, tally: Tally) -> None:
        self.store = store
        self.tally = tally

    def recheck(self, intent: Recheck) -> list[Problem]:
        """Check a stored summary again with the current checks and save the results."""
        record, checked_now = current_checks(
            self.store, intent.paper, intent.input_text, intent.summary
        )
        self.tally.checked += checked_now
        return list(record.problems)

    def reuse(self, paper: Paper, summary: Summary, input_text: str) -> None:
        """A stored summary: use its check results, checking it now if missing or stale."""
        self.tally.done[paper.id] = summary.sections
        self.tally.reused += 1
        if summary.id is None:
            return
        record, checked_now = current_checks(self.store, paper, input_text, summary)
        self.tally.checked += checked_now
        if record.problems:
            self.tally.flagged.append(
                Flagged(paper.id, paper.title, tuple(record.problems), attempts=0)
            )

    def save(self, intent: Summarize, outcome: Checked) -> bool:
        """Save the kept attempt and its check results; True when it passed every check."""
        best = outcome.best
        status = "flagged" if best.problems else "ok"
        summary = self.store.save_summary(
            intent.key, best.sections, intent.input_text, attempts=outcome.calls, status=status
        )
        log = [
            {"attempt": n, "failed": sorted({p.check for p in a.problems})}
            for n, a in enumerate(outcome.attempts, start=1)
        ]
        assert summary.id is not None
        save_checks(self.store, summary.id, best.problems, checks=check_names(), attempts=log,
                    status_saved=True)  # saved above with the same problems
        tally = self.tally
        tally.done[intent.paper.id] = best.sections
        tally.checked += 1
        if outcome.repaired:
            tally.repaired += 1
        if outcome.error is not None:
            tally.notes.append(f"{intent.paper.id}: repairs stopped early: {outcome.error.message}")
        if best.problems:
            attempts = len(outcome.attempts)
            tally.flagged.append(
                Flagged(intent.paper.id, intent.paper.title, best.problems, attempts=attempts,
                        requests=outcome.calls)
            )
            return False
        return True

    def fail(self, paper: Paper, message: str) -> None:
        self.tally.failed.append((paper.id, message))
