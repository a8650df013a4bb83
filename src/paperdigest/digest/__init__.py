"""Making one day's digest.

    plan.py       pure decisions: stored rows, inputs and options in, intents out
    repair.py     one paper: ask → check → ask again with the problems
    record.py     what a run gathers, and the database writes that record it
    scheduler.py  bounded concurrency, claims, heartbeat, budgets, interruption
    run.py        one day start to end: fetch, plan, schedule, write the file
"""

from __future__ import annotations

from .run import DigestOptions, DigestResult, require_language, run_digest

__all__ = ["DigestOptions", "DigestResult", "require_language", "run_digest"]
