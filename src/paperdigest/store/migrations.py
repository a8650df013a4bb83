"""Named schema migrations, applied in order and recorded in the ``migrations`` table.

Add a migration by appending a function decorated with ``@migration``; never edit one that has
shipped. Each runs inside the same transaction as the row that records it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

Migration = Callable[[sqlite3.Connection], None]
MIGRATIONS: list[tuple[str, Migration]] = []


def migration(fn: Migration) -> Migration:
    MIGRATIONS.append((fn.__name__, fn))
    return fn


@migration
def m001_papers(db: sqlite3.Connection) -> None:
    db.executescript(
        """
        CREATE TABLE papers (
            id TEXT PRIMARY KEY,
            title TEXT NOT NULL,
            authors TEXT NOT NULL DEFAULT '[]',      -- JSON array, in order
            abstract TEXT NOT NULL DEFAULT '',
            published_at TEXT,
            media_url TEXT,
            github_url TEXT,
            project_url TEXT,
            first_seen TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE days (
            day TEXT PRIMARY KEY,                  -- YYYY-MM-DD, the list date
            source TEXT NOT NULL,
            fetched_at TEXT NOT NULL,
            n_papers INTEGER NOT NULL
        );
        CREATE TABLE day_papers (
            day TEXT NOT NULL REFERENCES days(day),
            paper_id TEXT NOT NULL REFERENCES papers(id),
            upvotes INTEGER NOT NULL DEFAULT 0,    -- the latest count seen
            position INTEGER NOT NULL,             -- order in the source's list
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL,
            PRIMARY KEY (day, paper_id)
        );
        CREATE INDEX day_papers_paper ON day_papers(paper_id);
        """
    )


@migration
def m002_summaries(db: sqlite3.Connection) -> None:
    db.executescript(
        """
        CREATE TABLE summaries (
            id INTEGER PRIMARY KEY,
            paper_id TEXT NOT NULL REFERENCES papers(id),
            lang TEXT NOT NULL,
            backend TEXT NOT NULL,
            model TEXT NOT NULL,
            prompt_version TEXT NOT NULL,
            input_hash TEXT NOT NULL,              -- sha256 of the exact text the model was given
            input_text TEXT NOT NULL,
            whats_new TEXT NOT NULL,
            technical_details TEXT NOT NULL,
            performance_highlights TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'ok',
            attempts INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL,
            UNIQUE (paper_id, lang, backend, model, prompt_version, input_hash)
        );
        CREATE INDEX summaries_paper_lang ON summaries(paper_id, lang, created_at);
        """
    )


@migration
def m003_runs(db: sqlite3.Connection) -> None:
    db.executescript(
        """
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            command TEXT NOT NULL,
            day TEXT,
            source TEXT,
            lang TEXT,
            backend TEXT,
            model TEXT,
            started_at TEXT NOT NULL,
            ended_at TEXT,
            listed INTEGER NOT NULL DEFAULT 0,
            summarized INTEGER NOT NULL DEFAULT 0,
            reused INTEGER NOT NULL DEFAULT 0,
            failed INTEGER NOT NULL DEFAULT 0,
            errors TEXT NOT NULL DEFAULT '[]',     -- JSON array of {paper_id, error}
            status TEXT NOT NULL DEFAULT 'running' -- running | ok | partial | failed
        );
        """
    )


def apply_migrations(db: sqlite3.Connection, now: str) -> list[str]:
    """Apply what is missing; return the names applied now."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
    )
    done = {row[0] for row in db.execute("SELECT name FROM migrations")}
    applied: list[str] = []
    for name, fn in MIGRATIONS:
        if name in done:
            continue
        db.execute("BEGIN IMMEDIATE")
        try:
            # executescript would commit early; run statements one by one inside our transaction
            _run_in_transaction(db, fn)
            db.execute("INSERT INTO migrations (name, applied_at) VALUES (?, ?)", (name, now))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        applied.append(name)
    return applied


class _TxProxy:
    """Wraps a connection so ``executescript`` runs each statement inside the open transaction."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def executescript(self, script: str) -> None:
        for statement in _split_sql(script):
            self._db.execute(statement)

    def execute(self, sql: str, params: tuple[object, ...] = ()) -> sqlite3.Cursor:
        return self._db.execute(sql, params)


def _split_sql(script: str) -> list[str]:
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines():
        code = line.split("--", 1)[0]
        buffer += code + "\n"
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements


def _run_in_transaction(db: sqlite3.Connection, fn: Migration) -> None:
    fn(_TxProxy(db))  # type: ignore[arg-type]
