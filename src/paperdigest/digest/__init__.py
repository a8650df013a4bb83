"""Making one day's digest.

    plan.py       pure decisions: stored rows, inputs and options in, intents out
    repair.py     one paper: ask → check → ask again with the problems
    record.py     what a run gathers, and the database writes that record it
    scheduler.py  bounded concurrency, claims, heartbeat, budgets, interruption
    run.py        days start to end: fetch, plan, schedule, write the files
"""

from __future__ import annotations

from .run import (
    DayNotFetched,
    DayOutcome,
    DigestEnv,
    DigestOptions,
    DigestResult,
    require_language,
    run_days,
    run_digest,
)

__all__ = [
    "DayNotFetched",
    "DayOutcome",
    "DigestEnv",
    "DigestOptions",
    "DigestResult",
    "require_language",
    "run_days",
    "run_digest",
]
