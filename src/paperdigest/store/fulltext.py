"""Provenance of model inputs (table ``fulltext_inputs``, migration ``m006_fulltext``).

Functions take a :class:`~paperdigest.store.Store`; writes run in its transactions and, like all
writes to a Store, from the thread that opened it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from . import Store, database_errors, utcnow


@dataclass(frozen=True)
class InputProvenance:
    paper_id: str
    input_hash: str
    source: str  # html | pdf | abstract
    reason: str
    arxiv_version: str | None
    url: str | None
    attempts: list[dict[str, Any]]
    sections: list[dict[str, Any]]
    dropped: list[str]
    budget_tokens: int
    input_tokens: int
    created_at: str
    updated_at: str


@database_errors
def record_input(
    store: Store,
    paper_id: str,
    input_hash: str,
    *,
    source: str,
    reason: str,
    budget_tokens: int,
    input_tokens: int,
    arxiv_version: str | None = None,
    url: str | None = None,
    attempts: Sequence[dict[str, Any]] = (),
    sections: Sequence[dict[str, Any]] = (),
    dropped: Sequence[str] = (),
) -> None:
    """Insert or refresh the provenance of one model input."""
    now = utcnow()
    with store.transaction() as db:
        db.execute(
            "INSERT INTO fulltext_inputs (paper_id, input_hash, source, reason, arxiv_version, url,"
            " attempts, sections, dropped, budget_tokens, input_tokens, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT(paper_id, input_hash) DO UPDATE SET source = excluded.source,"
            " reason = excluded.reason, arxiv_version = excluded.arxiv_version,"
            " url = excluded.url, attempts = excluded.attempts, sections = excluded.sections,"
            " dropped = excluded.dropped, budget_tokens = excluded.budget_tokens,"
            " input_tokens = excluded.input_tokens, updated_at = excluded.updated_at",
            (
                paper_id,
                input_hash,
                source,
                reason,
                arxiv_version,
                url,
                json.dumps(list(attempts), ensure_ascii=False),
                json.dumps(list(sections), ensure_ascii=False),
                json.dumps(list(dropped), ensure_ascii=False),
                budget_tokens,
                input_tokens,
                now,
                now,
            ),
        )


@database_errors
def input_provenance(store: Store, paper_id: str, input_hash: str) -> InputProvenance | None:
    """The provenance of the input with this hash (e.g. a stored summary's ``input_hash``)."""
    row = store.db.execute(
        "SELECT * FROM fulltext_inputs WHERE paper_id = ? AND input_hash = ?",
        (paper_id, input_hash),
    ).fetchone()
    return _provenance(row) if row else None


@database_errors
def latest_provenance(store: Store, paper_id: str) -> InputProvenance | None:
    row = store.db.execute(
        "SELECT * FROM fulltext_inputs WHERE paper_id = ? ORDER BY updated_at DESC, id DESC "
        "LIMIT 1",
        (paper_id,),
    ).fetchone()
    return _provenance(row) if row else None


@database_errors
def input_sources(store: Store, paper_ids: Sequence[str], lang: str) -> dict[str, str]:
    """For each paper with a summary in ``lang``, what its newest summary read: the recorded
    input's source (html, pdf, abstract), 'abstract' for the extractive backend, else
    'unknown' (as :func:`paperdigest.render.provenance.record_for` tells it). One query per
    500 papers instead of three per paper."""
    found: dict[str, str] = {}
    ids = list(dict.fromkeys(paper_ids))
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = store.db.execute(
            "SELECT s.paper_id, s.backend, f.source FROM summaries s LEFT JOIN fulltext_inputs f"
            " ON f.paper_id = s.paper_id AND f.input_hash = s.input_hash"
            f" WHERE s.lang = ? AND s.paper_id IN ({', '.join('?' * len(chunk))})"
            " ORDER BY s.paper_id, s.created_at DESC, s.id DESC",
            (lang, *chunk),
        )
        for paper_id, backend, source in rows:
            if paper_id not in found:  # the newest summary of the paper comes first
                found[paper_id] = (
                    str(source) if source is not None
                    else "abstract" if backend == "extractive" else "unknown"
                )
    return found


@database_errors
def source_counts(store: Store) -> dict[str, int]:
    """How many recorded inputs came from each source, e.g. ``{"html": 12, "pdf": 3}``."""
    rows = store.db.execute(
        "SELECT source, count(*) FROM fulltext_inputs GROUP BY source ORDER BY source"
    )
    return {str(r[0]): int(r[1]) for r in rows}


def _provenance(row: Any) -> InputProvenance:
    return InputProvenance(
        paper_id=row["paper_id"],
        input_hash=row["input_hash"],
        source=row["source"],
        reason=row["reason"],
        arxiv_version=row["arxiv_version"],
        url=row["url"],
        attempts=json.loads(row["attempts"]),
        sections=json.loads(row["sections"]),
        dropped=json.loads(row["dropped"]),
        budget_tokens=int(row["budget_tokens"]),
        input_tokens=int(row["input_tokens"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


__all__ = [
    "InputProvenance",
    "input_provenance",
    "latest_provenance",
    "record_input",
    "source_counts",
]
