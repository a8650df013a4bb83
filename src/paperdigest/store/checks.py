"""Check results stored with their summary (table ``summary_checks``, migration m004_checks)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..checks import Problem, checks_version
from . import Store, database_errors, utcnow


@dataclass(frozen=True)
class CheckRecord:
    summary_id: int
    checked_at: str
    checks: list[str]
    problems: list[Problem]
    attempts: list[dict[str, Any]] = field(default_factory=list)
    version: str = ""  # checks_version() of the checks that produced it ('' before m008)

    @property
    def ok(self) -> bool:
        return not self.problems


def _problem_dict(problem: Problem) -> dict[str, str]:
    data = problem.to_dict()
    if problem.section:
        data["section"] = problem.section
    return data


@database_errors
def save_checks(
    store: Store,
    summary_id: int,
    problems: Sequence[Problem],
    *,
    checks: Sequence[str],
    attempts: Sequence[dict[str, Any]] = (),
    version: str | None = None,
    status_saved: bool = False,
) -> CheckRecord:
    """Record a summary's check results and set its status: 'flagged' with problems, else 'ok'.

    ``version`` defaults to the running checks' ``checks_version()``. ``status_saved``: the
    summary was just saved with that status (a round trip fewer)."""
    if version is None:
        version = checks_version()
    now = utcnow()
    with store.transaction() as db:
        db.execute(
            "INSERT INTO summary_checks "
            "(summary_id, checked_at, checks, problems, attempts, version) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(summary_id) DO UPDATE SET "
            "checked_at = excluded.checked_at, checks = excluded.checks, "
            "problems = excluded.problems, attempts = excluded.attempts, "
            "version = excluded.version",
            (
                summary_id,
                now,
                json.dumps(list(checks)),
                json.dumps([_problem_dict(p) for p in problems], ensure_ascii=False),
                json.dumps(list(attempts), ensure_ascii=False),
                version,
            ),
        )
        status = "flagged" if problems else "ok"
        if not status_saved:
            db.execute(
                "UPDATE summaries SET status = ? WHERE id = ? AND status <> ?",
                (status, summary_id, status),
            )
    return CheckRecord(summary_id, now, list(checks), list(problems), list(attempts), version)


@database_errors
def load_checks(store: Store, summary_id: int) -> CheckRecord | None:
    """The stored results for one summary, or None when it was never checked."""
    row = store.db.execute(
        "SELECT * FROM summary_checks WHERE summary_id = ?", (summary_id,)
    ).fetchone()
    if row is None:
        return None
    return CheckRecord(
        summary_id=row["summary_id"],
        checked_at=row["checked_at"],
        checks=list(json.loads(row["checks"])),
        problems=[Problem.from_dict(p) for p in json.loads(row["problems"])],
        attempts=list(json.loads(row["attempts"])),
        version=row["version"],
    )


__all__ = ["CheckRecord", "load_checks", "save_checks"]
