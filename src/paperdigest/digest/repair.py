"""Self-feedback for one paper: ask → check → ask again with the problems.

Pure apart from the backend call: no database, no threads. :func:`summarize_checked` is what a
scheduler worker runs for each paper.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from ..checks import Problem, run_checks
from ..errors import AppError, BackendError, BudgetExhausted, InvalidAnswer
from ..models import Paper, Sections
from ..summarize.base import Summarizer, SummaryRequest

CheckFunction = Callable[[Sections], list[Problem]]
Budget = tuple[int | None, int | None]  # (max calls, max tokens) for the whole run


def checks_for(paper: Paper, input_text: str, lang: str) -> CheckFunction:
    """The check function for one paper's summaries: its input text, its abstract, ``lang``."""

    def check(sections: Sections) -> list[Problem]:
        return run_checks(sections, input_text, lang=lang, abstract=paper.abstract or None)

    return check


def summarize_paper(
    summarizer: Summarizer,
    request: SummaryRequest,
    answer_retries: int,
    budget: Budget = (None, None),
) -> tuple[Sections, int]:
    """Ask the backend, retrying an answer that is not the three sections. (sections, tries).

    Every call is counted against ``budget`` (max calls, max tokens) first; a call the budget
    forbids is not made and :class:`BudgetExhausted` is raised.
    """
    last: InvalidAnswer | None = None
    for attempt in range(1, answer_retries + 2):
        refused = summarizer.usage.take_call(*budget)
        if refused is not None:
            raise BudgetExhausted(refused)
        try:
            return summarizer.summarize(request), attempt
        except InvalidAnswer as exc:
            last = exc
    assert last is not None
    raise BackendError(f"no valid answer after {answer_retries + 1} tries: {last.message}")


@dataclass(frozen=True)
class Attempt:
    sections: Sections
    problems: tuple[Problem, ...]

    @property
    def rank(self) -> tuple[int, int]:
        """Fewer failed checks first, then fewer problems."""
        return len({p.check for p in self.problems}), len(self.problems)


@dataclass(frozen=True)
class Checked:
    """The outcome of summarizing one paper with self-feedback."""

    best: Attempt
    attempts: tuple[Attempt, ...]  # those asked for in this run, in order
    calls: int  # requests to the backend, answer retries included
    error: AppError | None = None  # what stopped the repairs early, if anything

    @property
    def repaired(self) -> bool:
        return not self.best.problems and bool(self.attempts) and bool(self.attempts[0].problems)


def summarize_checked(
    summarizer: Summarizer,
    request: SummaryRequest,
    check: CheckFunction,
    *,
    answer_retries: int,
    repairs: int,
    previous: Sections | None = None,
    budget: Budget = (None, None),
) -> Checked:
    """Summarize, check, and ask again with the problems while any remain (``repairs`` times).

    The best attempt (fewest failed checks; the earliest among equals, ``previous`` first) is
    kept; ``previous`` (a stored summary being repaired) is checked again and competes. A
    failure of the first request is raised; one of a repair ends the repairs and is
    returned in ``error`` with the best attempt so far. An answer identical to an earlier one
    (a deterministic backend) ends the repairs too: asking again would not change it.
    """
    attempts: list[Attempt] = []
    calls = 0
    feedback = list(request.problems)
    error: AppError | None = None
    for round_ in range(repairs + 1):
        try:
            sections, tries = summarize_paper(
                summarizer, replace(request, problems=feedback), answer_retries, budget
            )
        except AppError as exc:
            if round_ == 0:
                raise
            calls += 0 if isinstance(exc, BudgetExhausted) else 1
            error = exc
            break
        calls += tries
        if any(a.sections == sections for a in attempts):
            break
        attempt = Attempt(sections, tuple(check(sections)))
        attempts.append(attempt)
        if not attempt.problems:
            break
        feedback = [p.feedback for p in attempt.problems]
    candidates = list(attempts)
    if previous is not None:
        candidates.insert(0, Attempt(previous, tuple(check(previous))))
    best = min(candidates, key=lambda a: a.rank)
    return Checked(best=best, attempts=tuple(attempts), calls=calls, error=error)
