"""Named schema migrations, applied in order and recorded in the ``migrations`` table.

Add a migration by appending a function decorated with ``@migration``; never edit one that has
shipped. Each runs inside the same transaction as the row that records it.

PostgreSQL runs the same named migrations: their DDL is translated (:func:`pg_ddl`: an integer
``id`` key becomes an identity column, ``REAL`` double precision), and a migration whose SQL is
SQLite's own (the FTS5 index of ``m005_search``) has a PostgreSQL body registered with
``@postgres_variant``. All of them are applied in one transaction under an advisory lock, so
workers that start together on a new database apply each migration once.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from typing import Any

Migration = Callable[[sqlite3.Connection], None]
MIGRATIONS: list[tuple[str, Migration]] = []
PG_VARIANTS: dict[str, Callable[[Any], None]] = {}
PG_MIGRATION_LOCK = 0x70617065  # the advisory lock key held while migrating ("pape")


def migration(fn: Migration) -> Migration:
    MIGRATIONS.append((fn.__name__, fn))
    return fn


def postgres_variant(name: str) -> Callable[[Callable[[Any], None]], Callable[[Any], None]]:
    """Register the PostgreSQL body of the migration ``name`` (its SQLite SQL does not port)."""

    def register(fn: Callable[[Any], None]) -> Callable[[Any], None]:
        PG_VARIANTS[name] = fn
        return fn

    return register


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


@migration
def m004_checks(db: sqlite3.Connection) -> None:
    """The self-feedback check results of each summary (its best attempt), one row per summary.

    ``summaries.status`` says 'flagged' when problems remain after the repairs.
    """
    db.executescript(
        """
        CREATE TABLE summary_checks (
            summary_id INTEGER PRIMARY KEY REFERENCES summaries(id) ON DELETE CASCADE,
            checked_at TEXT NOT NULL,
            checks TEXT NOT NULL DEFAULT '[]',     -- JSON names of the checks that ran
            problems TEXT NOT NULL DEFAULT '[]',   -- JSON [{check, message, section}] still failing
            attempts TEXT NOT NULL DEFAULT '[]'    -- JSON [{attempt, failed: [check names]}]
        );
        """
    )


_SEARCH_AUTHORS = "(SELECT coalesce(group_concat(value, ', '), '') FROM json_each({p}.authors))"
_SEARCH_SUMMARIES = (
    "(SELECT coalesce(group_concat(s.whats_new || ' ' || s.technical_details || ' ' || "
    "s.performance_highlights, ' '), '') FROM summaries s WHERE s.paper_id = {p}.id AND s.id = "
    "(SELECT s2.id FROM summaries s2 WHERE s2.paper_id = s.paper_id AND s2.lang = s.lang "
    "ORDER BY s2.created_at DESC, s2.id DESC LIMIT 1))"
)


def _search_refresh(paper_id: str, when: str = "1") -> str:
    """SQL (for a trigger body) that re-indexes one paper: its row, then the latest summaries."""
    return (
        f"DELETE FROM search_fts WHERE rowid = "
        f"(SELECT doc FROM search_docs WHERE paper_id = {paper_id}) AND {when};\n"
        f"INSERT INTO search_fts (rowid, title, authors, abstract, summaries) "
        f"SELECT d.doc, p.title, {_SEARCH_AUTHORS.format(p='p')}, p.abstract, "
        f"{_SEARCH_SUMMARIES.format(p='p')} FROM papers p JOIN search_docs d ON d.paper_id = p.id "
        f"WHERE p.id = {paper_id} AND {when};\n"
    )


@migration
def m005_search(db: sqlite3.Connection) -> None:
    """Full-text search (FTS5, BM25) over titles, authors, abstracts and the latest summaries.

    One FTS row per paper. ``search_docs`` gives each paper a stable integer (an INTEGER PRIMARY
    KEY survives VACUUM, a TEXT key's hidden rowid may not), used as the FTS rowid. Triggers keep
    the index in step with ``papers`` and ``summaries`` (an upsert's DO UPDATE fires the UPDATE
    triggers). Only the latest summary per language is indexed.
    """
    db.executescript(
        f"""
        CREATE TABLE search_docs (
            doc INTEGER PRIMARY KEY,
            paper_id TEXT NOT NULL UNIQUE
        );
        CREATE VIRTUAL TABLE search_fts USING fts5(
            title, authors, abstract, summaries,
            tokenize = 'unicode61 remove_diacritics 2'
        );
        INSERT INTO search_docs (paper_id) SELECT id FROM papers ORDER BY first_seen, id;
        INSERT INTO search_fts (rowid, title, authors, abstract, summaries)
            SELECT d.doc, p.title, {_SEARCH_AUTHORS.format(p="p")}, p.abstract,
                   {_SEARCH_SUMMARIES.format(p="p")}
            FROM papers p JOIN search_docs d ON d.paper_id = p.id;
        CREATE TRIGGER search_papers_ai AFTER INSERT ON papers BEGIN
            INSERT OR IGNORE INTO search_docs (paper_id) VALUES (new.id);
            {_search_refresh("new.id")}
        END;
        CREATE TRIGGER search_papers_au AFTER UPDATE OF id, title, authors, abstract ON papers
        WHEN old.id IS NOT new.id OR old.title IS NOT new.title
            OR old.authors IS NOT new.authors OR old.abstract IS NOT new.abstract
        BEGIN
            UPDATE search_docs SET paper_id = new.id WHERE paper_id = old.id;
            {_search_refresh("new.id")}
        END;
        CREATE TRIGGER search_papers_ad AFTER DELETE ON papers BEGIN
            DELETE FROM search_fts WHERE rowid =
                (SELECT doc FROM search_docs WHERE paper_id = old.id);
            DELETE FROM search_docs WHERE paper_id = old.id;
        END;
        CREATE TRIGGER search_summaries_ai AFTER INSERT ON summaries BEGIN
            {_search_refresh("new.paper_id")}
        END;
        CREATE TRIGGER search_summaries_au AFTER UPDATE ON summaries BEGIN
            {_search_refresh("old.paper_id", "old.paper_id IS NOT new.paper_id")}
            {_search_refresh("new.paper_id")}
        END;
        CREATE TRIGGER search_summaries_ad AFTER DELETE ON summaries BEGIN
            {_search_refresh("old.paper_id")}
        END;
        """
    )


def _pg_search_rows(where: str) -> str:
    """SQL (PostgreSQL) that upserts the search rows of the papers matching ``where`` (over
    ``papers p``): title, authors as text, abstract, the latest summary of each language."""
    return f"""
        INSERT INTO search_docs (paper_id, title, authors, abstract, summaries)
        SELECT p.id, p.title,
            (SELECT coalesce(string_agg(a, ', '), '')
             FROM json_array_elements_text(p.authors::json) AS a),
            p.abstract,
            (SELECT coalesce(string_agg(t, ' '), '') FROM (SELECT DISTINCT ON (lang)
                 whats_new || ' ' || technical_details || ' ' || performance_highlights AS t
                 FROM summaries WHERE paper_id = p.id
                 ORDER BY lang, created_at DESC, id DESC) latest)
        FROM papers p WHERE {where} ORDER BY p.first_seen, p.id
        ON CONFLICT (paper_id) DO UPDATE SET title = excluded.title,
            authors = excluded.authors, abstract = excluded.abstract,
            summaries = excluded.summaries"""


# Re-index every paper at once (after a bulk load with the triggers off, or a manual edit).
PG_SEARCH_REBUILD = _pg_search_rows("true")
PG_SEARCH_INDEXES = (
    "CREATE INDEX search_docs_tsv ON search_docs USING gin (tsv);\n"
    "CREATE INDEX search_docs_body ON search_docs USING gin (body gin_trgm_ops);"
)
PG_SEARCH_TRIGGERS = ("papers", "summaries")  # the tables whose triggers keep it in step


def _pg_refresh_trigger(table: str, column: str) -> str:
    """A trigger function re-indexing the paper a changed row of ``table`` belongs to."""
    return (
        f"CREATE FUNCTION search_{table}_changed() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN IF TG_OP <> 'INSERT' THEN PERFORM search_refresh(OLD.{column}); END IF; "
        f"IF TG_OP <> 'DELETE' THEN PERFORM search_refresh(NEW.{column}); END IF; "
        "RETURN NULL; END $$;"
    )


@postgres_variant("m005_search")
def m005_search_postgres(db: Any) -> None:
    """The PostgreSQL search index: one ``search_docs`` row per paper with its text, a weighted
    ``tsvector`` (``simple`` configuration: no stemming, any language) under a GIN index, and a
    lower-cased ``body`` under a trigram index (pg_trgm) for Korean words inside longer words.
    Triggers keep it in step with ``papers`` and ``summaries``, as the SQLite triggers do."""
    db.executescript(
        f"""
        CREATE EXTENSION IF NOT EXISTS pg_trgm;
        CREATE TABLE search_docs (
            doc BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            paper_id TEXT NOT NULL UNIQUE,
            title TEXT NOT NULL DEFAULT '',
            authors TEXT NOT NULL DEFAULT '',
            abstract TEXT NOT NULL DEFAULT '',
            summaries TEXT NOT NULL DEFAULT '',
            tsv tsvector GENERATED ALWAYS AS (
                setweight(to_tsvector('simple', title), 'A')
                || setweight(to_tsvector('simple', authors), 'B')
                || setweight(to_tsvector('simple', summaries), 'C')
                || setweight(to_tsvector('simple', abstract), 'D')
            ) STORED,
            body TEXT GENERATED ALWAYS AS (
                lower(title || ' ' || authors || ' ' || abstract || ' ' || summaries)
            ) STORED
        );
        {PG_SEARCH_INDEXES}
        CREATE FUNCTION search_refresh(pid TEXT) RETURNS void LANGUAGE plpgsql AS $$
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM papers WHERE id = pid) THEN
                DELETE FROM search_docs WHERE paper_id = pid;
                RETURN;
            END IF;
            {_pg_search_rows("p.id = pid")};
        END $$;
        {_pg_refresh_trigger("papers", "id")}
        {_pg_refresh_trigger("summaries", "paper_id")}
        CREATE TRIGGER search_papers_ai AFTER INSERT OR DELETE ON papers
            FOR EACH ROW EXECUTE FUNCTION search_papers_changed();
        CREATE TRIGGER search_papers_au AFTER UPDATE OF id, title, authors, abstract ON papers
            FOR EACH ROW WHEN (old.id IS DISTINCT FROM new.id
                OR old.title IS DISTINCT FROM new.title
                OR old.authors IS DISTINCT FROM new.authors
                OR old.abstract IS DISTINCT FROM new.abstract)
            EXECUTE FUNCTION search_papers_changed();
        CREATE TRIGGER search_summaries_changed AFTER INSERT OR UPDATE OR DELETE ON summaries
            FOR EACH ROW EXECUTE FUNCTION search_summaries_changed();
        {PG_SEARCH_REBUILD};
        """
    )


@migration
def m006_fulltext(db: sqlite3.Connection) -> None:
    """Where each model input came from: arXiv HTML, PDF or the abstract, and why.

    One row per (paper, input): ``input_hash`` is the same sha256 as ``summaries.input_hash``, so
    a summary joins to the provenance of the text it was made from.
    """
    db.executescript(
        """
        CREATE TABLE fulltext_inputs (
            id INTEGER PRIMARY KEY,
            paper_id TEXT NOT NULL,
            input_hash TEXT NOT NULL,              -- sha256 of the input, as summaries.input_hash
            source TEXT NOT NULL,                  -- html | pdf | abstract
            reason TEXT NOT NULL,                  -- each source tried and its outcome
            arxiv_version TEXT,                    -- vN when known
            url TEXT,                              -- the file the text came from
            attempts TEXT NOT NULL DEFAULT '[]',   -- JSON [{source, url, outcome, detail, cached}]
            sections TEXT NOT NULL DEFAULT '[]',   -- JSON [{heading, kind, tokens, ...}] sent
            dropped TEXT NOT NULL DEFAULT '[]',    -- JSON headings left out to fit the budget
            budget_tokens INTEGER NOT NULL,
            input_tokens INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            UNIQUE (paper_id, input_hash)
        );
        CREATE INDEX fulltext_inputs_paper ON fulltext_inputs(paper_id, updated_at);
        """
    )


@migration
def m007_claims(db: sqlite3.Connection) -> None:
    """Which run is summarizing what: two runs on one database never summarize a paper twice."""
    db.executescript(
        """
        CREATE TABLE claims (
            paper_id TEXT NOT NULL,
            lang TEXT NOT NULL,
            backend TEXT NOT NULL,
            model TEXT NOT NULL,
            prompt_version TEXT NOT NULL,
            input_hash TEXT NOT NULL,
            run_id INTEGER NOT NULL,
            owner TEXT NOT NULL,                   -- host:pid of the claiming process
            claimed_at TEXT NOT NULL,
            heartbeat REAL NOT NULL,               -- unix time, refreshed while working
            PRIMARY KEY (paper_id, lang, backend, model, prompt_version, input_hash)
        );
        """
    )


@migration
def m008_checks_version(db: sqlite3.Connection) -> None:
    """Which version of the checks produced each stored result (``checks_version()``): results
    of another version are stale and the summary is checked again when it is next reused."""
    db.executescript(
        "ALTER TABLE summary_checks ADD COLUMN version TEXT NOT NULL DEFAULT '';"
    )


@migration
def m009_arxiv_listings(db: sqlite3.Connection) -> None:
    """arXiv's fields of a paper, each source's count per day, and what each digest listed.

    ``papers`` gains the categories (JSON, the primary one first), the latest version seen, the
    authors' comments and the date of the latest version (all empty for a Hugging Face paper).
    ``day_sources`` keeps how many papers each source (``arxiv:cs.CL``) listed on a day, for
    ``status``'s small-listing check. ``digest_papers`` records which papers (and which version)
    the digest of a day listed, per language and profile, for ``--new-only``; it starts from the
    summaries already stored for each day's papers.
    """
    db.executescript(
        """
        ALTER TABLE papers ADD COLUMN categories TEXT NOT NULL DEFAULT '[]';
        ALTER TABLE papers ADD COLUMN version INTEGER;
        ALTER TABLE papers ADD COLUMN comments TEXT;
        ALTER TABLE papers ADD COLUMN arxiv_updated TEXT;
        CREATE TABLE day_sources (
            day TEXT NOT NULL,
            source TEXT NOT NULL,                  -- one part of --source, e.g. arxiv:cs.CL
            n_papers INTEGER NOT NULL,
            fetched_at TEXT NOT NULL,
            PRIMARY KEY (day, source)
        );
        CREATE TABLE digest_papers (
            lang TEXT NOT NULL,
            profile TEXT NOT NULL DEFAULT '',      -- '' without a profile
            paper_id TEXT NOT NULL,
            day TEXT NOT NULL,
            version INTEGER,                       -- the version listed, when known
            written_at TEXT NOT NULL,
            PRIMARY KEY (lang, profile, paper_id, day)
        );
        CREATE INDEX digest_papers_day ON digest_papers(day);
        INSERT OR IGNORE INTO digest_papers (lang, profile, paper_id, day, version, written_at)
            SELECT DISTINCT s.lang, '', d.paper_id, d.day, NULL, s.created_at
            FROM day_papers d JOIN summaries s ON s.paper_id = d.paper_id;
        """
    )


@migration
def m010_deliveries(db: sqlite3.Connection) -> None:
    """Each day's digest sent to each recipient (an e-mail address, or a chat channel by its
    platform), so publishing the same day again sends nothing new."""
    db.executescript(
        """
        CREATE TABLE deliveries (
            day TEXT NOT NULL,
            lang TEXT NOT NULL,
            channel TEXT NOT NULL,                 -- email | slack | discord
            recipient TEXT NOT NULL,               -- the address, or 'webhook'; never a secret
            papers INTEGER NOT NULL,
            sent_at TEXT NOT NULL,
            PRIMARY KEY (day, lang, channel, recipient)
        );
        """
    )


@migration
def m011_feedback_rankings(db: sqlite3.Connection) -> None:
    """The reader's likes and dislikes, and each day's ranking for a profile (score, reason)."""
    db.executescript(
        """
        CREATE TABLE feedback (
            paper_id TEXT PRIMARY KEY,             -- arXiv id without version
            verdict TEXT NOT NULL CHECK (verdict IN ('like', 'dislike')),
            created_at TEXT NOT NULL
        );
        CREATE TABLE rankings (
            day TEXT NOT NULL,
            paper_id TEXT NOT NULL,
            profile TEXT NOT NULL,
            lang TEXT NOT NULL,
            score REAL NOT NULL,
            why TEXT NOT NULL,
            ranked_at TEXT NOT NULL,
            PRIMARY KEY (day, paper_id, profile, lang)
        );
        CREATE INDEX rankings_day ON rankings(day, lang, ranked_at);
        """
    )


@migration
def m012_digest_writes(db: sqlite3.Connection) -> None:
    """Which digest files were written: workers finishing the same day write its digest once."""
    db.executescript(
        """
        CREATE TABLE digest_writes (
            day TEXT NOT NULL,
            lang TEXT NOT NULL,
            sha256 TEXT NOT NULL,                  -- of the digest's text
            owner TEXT NOT NULL,                   -- host:pid of the writer
            written_at TEXT NOT NULL,
            PRIMARY KEY (day, lang, sha256)
        );
        """
    )


_PG_TYPES = (
    (
        re.compile(r"\bid INTEGER PRIMARY KEY\b"),
        "id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
    ),
    (re.compile(r"\bREAL\b"), "DOUBLE PRECISION"),
    (re.compile(r"\bINSERT OR IGNORE INTO\b([^;]*);"), r"INSERT INTO\1 ON CONFLICT DO NOTHING;"),
    (re.compile(r"\bINTEGER\b"), "BIGINT"),
)


def pg_ddl(script: str) -> str:
    """SQLite DDL as PostgreSQL DDL (the few types that differ)."""
    for pattern, replacement in _PG_TYPES:
        script = pattern.sub(replacement, script)
    return script


class _PgProxy:
    """What a migration function is given on PostgreSQL: ``executescript`` translates (and
    applies ``fix``, a migration's own adjustment)."""

    def __init__(self, db: Any, fix: Callable[[str], str] = str) -> None:
        self._db = db
        self._fix = fix

    def executescript(self, script: str) -> None:
        self._db.executescript(self._fix(pg_ddl(script)))


@postgres_variant("m009_arxiv_listings")
def m009_arxiv_listings_postgres(db: Any) -> None:
    """m009 as it is, but for the NULL version of its backfill: PostgreSQL types an untyped
    NULL in a ``SELECT DISTINCT`` as text, so it is cast to the column's type."""
    typed = _PgProxy(db, lambda sql: sql.replace("d.day, NULL,", "d.day, NULL::BIGINT,"))
    m009_arxiv_listings(typed)  # type: ignore[arg-type]


def apply_pg_migrations(db: Any, now: str) -> list[str]:
    """Apply what is missing on PostgreSQL, in one transaction under an advisory lock (DDL is
    transactional there): a second worker waits, then finds everything applied."""
    applied: list[str] = []
    db.execute("BEGIN")
    try:
        db.execute("SELECT pg_advisory_xact_lock(?)", (PG_MIGRATION_LOCK,))
        db.execute(
            "CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, "
            "applied_at TEXT NOT NULL)"
        )
        done = {row[0] for row in db.execute("SELECT name FROM migrations")}
        for name, fn in MIGRATIONS:
            if name in done:
                continue
            variant = PG_VARIANTS.get(name)
            if variant is not None:
                variant(db)
            else:
                fn(_PgProxy(db))  # type: ignore[arg-type]
            db.execute("INSERT INTO migrations (name, applied_at) VALUES (?, ?)", (name, now))
            applied.append(name)
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    return applied


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
            # another process opening the same new database may have applied it between the
            # read above and this write lock: look again now that nobody else can write
            if db.execute("SELECT 1 FROM migrations WHERE name = ?", (name,)).fetchone():
                db.execute("COMMIT")
                continue
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
