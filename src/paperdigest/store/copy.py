"""Copying a whole database between stores (SQLite → PostgreSQL and back), verifiably.

Every table the migrations create is copied row for row in one transaction of the target (the
``migrations`` table excepted: the target applied its own, the same names; the search index
excepted: the target's triggers rebuild it from the rows). Afterwards both sides are counted
and checksummed per table: the sha256 of the table's rows, each encoded as canonical JSON and
sorted, so the sum does not depend on either engine's row order or collation. Any difference
is a :class:`~paperdigest.errors.StoreError`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..errors import StoreError
from . import Store
from .engine import PgConnection

# In foreign-key order: a row's parents are copied before it.
TABLES = (
    "papers",
    "days",
    "day_papers",
    "summaries",
    "summary_checks",
    "runs",
    "fulltext_inputs",
    "claims",
    "day_sources",
    "digest_papers",
    "deliveries",
    "feedback",
    "rankings",
    "digest_writes",
)
IDENTITY_TABLES = ("summaries", "runs", "fulltext_inputs")  # integer ``id`` keys
_BATCH = 500


@dataclass(frozen=True)
class TableCopy:
    table: str
    source_rows: int
    target_rows: int
    source_sum: str
    target_sum: str

    @property
    def ok(self) -> bool:
        return (self.source_rows, self.source_sum) == (self.target_rows, self.target_sum)


def _columns(store: Store, table: str) -> list[str]:
    cursor = store.db.execute(f"SELECT * FROM {table} LIMIT 0")
    return [str(d[0]) for d in cursor.description]


def _rows(store: Store, table: str, columns: list[str]) -> Iterator[Any]:
    yield from store.db.execute(f"SELECT {', '.join(columns)} FROM {table}")


def _canonical(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return {"f": repr(value)}  # 2.0 stays apart from 2, on both engines
    if isinstance(value, (bytes, memoryview)):
        return {"b": bytes(value).hex()}
    return value


def checksum(store: Store, table: str, columns: list[str]) -> tuple[int, str]:
    """(rows, sha256) of ``table`` over ``columns``, independent of row order."""
    encoded = sorted(
        json.dumps([_canonical(v) for v in row], ensure_ascii=False, separators=(",", ":"))
        for row in _rows(store, table, columns)
    )
    digest = hashlib.sha256()
    for line in encoded:
        digest.update(line.encode())
        digest.update(b"\n")
    return len(encoded), digest.hexdigest()


def _is_empty(store: Store) -> bool:
    return all(
        store.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0 for table in TABLES
    )


def copy_store(source: Store, target: Store) -> list[TableCopy]:
    """Copy every row of ``source`` into the empty ``target``; return the per-table check."""
    if not _is_empty(target):
        raise StoreError(
            f"{target.location} already holds data: copy into a new, empty database"
        )
    # a source opened read-only may predate a migration: its missing tables are empty, its
    # missing columns take the target's defaults
    tables = [table for table in TABLES if source.has_table(table)]
    columns = {table: _columns(source, table) for table in tables}
    with target.transaction() as db:
        if target.is_postgres:  # bulk: the search index is built once at the end
            _search_upkeep(db, on=False)
        for table in tables:
            names = columns[table]
            if isinstance(db, PgConnection):  # COPY: one stream per table
                db.copy_rows(table, names, _rows(source, table, names))
                continue
            insert = (
                f"INSERT INTO {table} ({', '.join(names)}) "
                f"VALUES ({', '.join('?' * len(names))})"
            )
            batch: list[tuple[Any, ...]] = []
            for row in _rows(source, table, names):
                batch.append(tuple(row))
                if len(batch) >= _BATCH:
                    db.executemany(insert, batch)
                    batch = []
            if batch:
                db.executemany(insert, batch)
        if target.is_postgres:  # identity columns continue after the copied ids
            _search_upkeep(db, on=True)
            for table in IDENTITY_TABLES:
                db.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"coalesce((SELECT max(id) FROM {table}), 0) + 1, false)"
                )
    report: list[TableCopy] = []
    for table in tables:
        n_source, sum_source = checksum(source, table, columns[table])
        n_target, sum_target = checksum(target, table, columns[table])
        report.append(TableCopy(table, n_source, n_target, sum_source, sum_target))
    return report


def _search_upkeep(db: Any, *, on: bool) -> None:
    """PostgreSQL: turn the search triggers and indexes off for a bulk load (the database is
    new and empty, and this transaction holds it), or back on, indexing every paper once."""
    from .migrations import PG_SEARCH_INDEXES, PG_SEARCH_REBUILD, PG_SEARCH_TRIGGERS

    mode = "ENABLE" if on else "DISABLE"
    for table in PG_SEARCH_TRIGGERS:
        db.execute(f"ALTER TABLE {table} {mode} TRIGGER USER")
    if on:
        db.execute(PG_SEARCH_REBUILD)
        # GIN indexes build several times faster with room to sort in (this transaction only)
        db.execute("SET LOCAL maintenance_work_mem = '256MB'")
        db.executescript(PG_SEARCH_INDEXES)
    else:
        db.execute("DROP INDEX search_docs_tsv, search_docs_body")


__all__ = ["TABLES", "TableCopy", "checksum", "copy_store"]
