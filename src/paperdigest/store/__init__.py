"""Storage: papers, day lists, summaries and runs in one SQLite file or a PostgreSQL database.

One connection per Store, autocommit mode with explicit ``BEGIN IMMEDIATE`` transactions, WAL
journal so readers never block the writer. Opening applies any missing named migration.

A ``postgresql://`` URL opens PostgreSQL instead (the ``postgres`` extra): the same methods,
the same SQL, the same named migrations (see :mod:`.engine` and :mod:`.migrations`).

Every database error leaves a Store as :class:`~paperdigest.errors.StoreError` (one line, exit 2):
the transaction maps what happens inside it, and every public method of :class:`Store` maps what
its reads raise (``sqlite3.IntegrityError`` included, and psycopg's errors).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from ..errors import StoreError
from ..models import Paper, Sections, Summary
from ..untrusted import public_source, redact
from .connect import check_store, check_writable, connect_readonly, disk_hint, use_wal
from .engine import SQLITE, Connection, PgConnection, is_postgres_url, postgres_engine
from .migrations import MIGRATIONS, apply_migrations, apply_pg_migrations


def utcnow() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class SummaryKey:
    """Everything that decides whether a stored summary can be reused."""

    paper_id: str
    lang: str
    backend: str
    model: str
    prompt_version: str
    input_hash: str


@dataclass(frozen=True)
class DayInfo:
    day: dt.date
    source: str
    fetched_at: str
    n_papers: int


_P = ParamSpec("_P")
_R = TypeVar("_R")
_T = TypeVar("_T")


def database_errors(method: Callable[_P, _R]) -> Callable[_P, _R]:
    """``method`` with any database error it raises (``sqlite3.Error``, ``psycopg.Error``)
    turned into a :class:`StoreError`; for Store methods and the store's module functions (their
    first argument is the Store)."""

    @functools.wraps(method)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return method(*args, **kwargs)
        except Exception as exc:
            store = args[0]
            engine = getattr(store, "engine", SQLITE)
            if not isinstance(exc, engine.errors):
                raise
            where = getattr(store, "location", "the database")
            raise StoreError(f"database error in {where}: {_one_line(exc)}") from None

    return wrapper


def _map_database_errors(cls: type[_T]) -> type[_T]:
    """Wrap every public method of ``cls`` with :func:`database_errors`."""
    for name, value in list(vars(cls).items()):
        if callable(value) and not name.startswith("_") and name != "transaction":
            setattr(cls, name, database_errors(value))
    return cls


@_map_database_errors
class Store:
    """The database: a SQLite file (the default) or a ``postgresql://`` URL (the postgres
    extra). The same methods and SQL serve both; :mod:`.engine` holds what differs."""

    db: Connection
    _depth = 0  # open transaction() blocks: 0 outside a transaction

    def __init__(self, path: str | Path, *, readonly: bool = False) -> None:
        self.readonly = readonly
        if is_postgres_url(path):
            self._open_postgres(str(path))
            return
        self.engine = SQLITE
        self.path = Path(path)
        self.location = str(self.path)
        try:
            if readonly:
                if not self.path.exists():
                    raise StoreError(f"database not found: {self.path}")
                db = connect_readonly(self.path)
            else:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                check_writable(self.path)
                db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            self.db = db
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA foreign_keys = ON")
            db.execute("PRAGMA busy_timeout = 30000")
            if not readonly:
                use_wal(db)
                db.execute("PRAGMA synchronous = NORMAL")
                apply_migrations(db, utcnow())
            else:
                db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.DatabaseError as exc:
            raise StoreError(
                f"cannot open database {self.path}: {exc}{disk_hint(self.path)}"
            ) from None
        except OSError as exc:
            raise StoreError(f"cannot open database {self.path}: {exc.strerror}") from None

    def _open_postgres(self, url: str) -> None:
        self.engine = postgres_engine()
        self.location = redact(url)
        self.path = Path("/nonexistent/postgresql")  # no file: messages use ``location``
        pg = PgConnection(url, readonly=self.readonly)
        self.db = pg
        try:
            if not self.readonly:
                apply_pg_migrations(pg, utcnow())
        except self.engine.errors as exc:
            pg.close()
            raise StoreError(f"cannot open database {self.location}: {_one_line(exc)}") from None

    @property
    def is_postgres(self) -> bool:
        return self.engine.name == "postgresql"

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        """A write transaction. Nested in another one, it joins it: the writes commit (or roll
        back) together with the outer transaction's, in one commit (a run saves a summary, its
        check results and the release of its claim at once)."""
        if self._depth:
            self._depth += 1
            try:
                yield self.db
            finally:
                self._depth -= 1
            return
        errors = self.engine.errors
        try:
            self.db.execute(self.engine.begin)
        except errors as exc:
            raise StoreError(f"cannot write to {self.location}: {_one_line(exc)}") from None
        self._depth = 1
        try:
            yield self.db
        except errors as exc:  # read-only file, full disk, lock timeout, a constraint
            self._rollback()
            raise StoreError(
                f"cannot write to {self.location}: {_one_line(exc)}{self._disk_hint()}"
            ) from None
        except BaseException:
            self._rollback()
            raise
        else:
            try:
                self._depth = 0
                self.db.execute("COMMIT")
            except errors as exc:
                self._rollback()
                raise StoreError(
                    f"cannot write to {self.location}: {_one_line(exc)}{self._disk_hint()}"
                ) from None

    def _rollback(self) -> None:
        """Roll back if a transaction is still open (SQLite ends it by itself on some errors,
        such as a full disk; a second ROLLBACK would hide the real error)."""
        self._depth = 0
        if self.db.in_transaction:
            with suppress(*self.engine.errors):
                self.db.execute("ROLLBACK")

    def _disk_hint(self) -> str:
        return "" if self.is_postgres else disk_hint(self.path)

    def has_table(self, name: str) -> bool:
        """Whether the table exists (a database opened read-only may predate a migration)."""
        if self.is_postgres:
            row = self.db.execute("SELECT to_regclass(?)", (name,)).fetchone()
            return row is not None and row[0] is not None
        row = self.db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
        ).fetchone()
        return row is not None

    def health(self) -> str:
        """'ok' when the database reads back, else what is wrong (``/healthz``)."""
        if self.is_postgres:
            row = self.db.execute("SELECT count(*) FROM migrations").fetchone()
            return "ok" if row is not None else "no answer"
        rows = self.db.execute("PRAGMA quick_check(1)").fetchall()
        return str(rows[0][0]) if rows else "no answer"

    def migrations(self) -> list[str]:
        """The names of the applied migrations, in the order they were declared."""
        order = {name: n for n, (name, _) in enumerate(MIGRATIONS)}
        names = [str(r[0]) for r in self.db.execute("SELECT name FROM migrations")]
        return sorted(names, key=lambda name: (order.get(name, len(order)), name))

    # -- papers and day lists ------------------------------------------------------------------

    def save_listing(
        self,
        day: dt.date,
        papers: Sequence[Paper],
        source: str,
        counts: Sequence[tuple[str, int]] = (),
    ) -> None:
        """Record one fetch of a day's list: upsert the papers, their votes and positions, and
        how many papers each source listed (``counts``; default: ``source`` listed them all)."""
        now = utcnow()
        with self.transaction() as db:
            # workers saving lists at once (one day, or days sharing papers) upsert one after
            # the other: no deadlock between two orders of the same rows
            self.engine.serialize(db, "listings")
            for part, count in counts or ((source, len(papers)),):
                db.execute(
                    "INSERT INTO day_sources (day, source, n_papers, fetched_at) "
                    "VALUES (?, ?, ?, ?) ON CONFLICT(day, source) DO UPDATE SET "
                    "n_papers = excluded.n_papers, fetched_at = excluded.fetched_at",
                    (day.isoformat(), public_source(part), count, now),
                )
            db.execute(
                "INSERT INTO days (day, source, fetched_at, n_papers) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(day) DO UPDATE SET source = excluded.source, "
                "fetched_at = excluded.fetched_at, "
                "n_papers = CASE WHEN excluded.n_papers > days.n_papers THEN excluded.n_papers "
                "ELSE days.n_papers END",
                (day.isoformat(), public_source(source), now, len(papers)),
            )
            # two batches, not two statements per paper (one round trip each on PostgreSQL)
            db.executemany(
                "INSERT INTO papers (id, title, authors, abstract, published_at, media_url, "
                "github_url, project_url, first_seen, updated_at, categories, version, "
                "comments, arxiv_updated) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET title = excluded.title, "
                "authors = CASE WHEN excluded.authors = '[]' THEN papers.authors "
                "ELSE excluded.authors END, "
                "abstract = CASE WHEN excluded.abstract = '' THEN papers.abstract "
                "ELSE excluded.abstract END, "
                "published_at = coalesce(excluded.published_at, papers.published_at), "
                "media_url = coalesce(excluded.media_url, papers.media_url), "
                "github_url = coalesce(excluded.github_url, papers.github_url), "
                "project_url = coalesce(excluded.project_url, papers.project_url), "
                "updated_at = excluded.updated_at, "
                "categories = CASE WHEN excluded.categories = '[]' THEN papers.categories "
                "ELSE excluded.categories END, "
                "version = CASE WHEN coalesce(papers.version, 0) > "
                "coalesce(excluded.version, 0) THEN papers.version ELSE "
                "coalesce(excluded.version, papers.version) END, "
                "comments = coalesce(excluded.comments, papers.comments), "
                "arxiv_updated = coalesce(excluded.arxiv_updated, papers.arxiv_updated)",
                [
                    (
                        paper.id,
                        paper.title,
                        json.dumps(list(paper.authors), ensure_ascii=False),
                        paper.abstract,
                        paper.published_at,
                        paper.media_url,
                        paper.github_url,
                        paper.project_url,
                        now,
                        now,
                        json.dumps(list(paper.categories)),
                        paper.version,
                        paper.comments,
                        paper.updated_at,
                    )
                    for paper in papers
                ],
            )
            db.executemany(
                "INSERT INTO day_papers (day, paper_id, upvotes, position, first_seen, "
                "last_seen) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(day, paper_id) DO UPDATE SET upvotes = excluded.upvotes, "
                "position = excluded.position, last_seen = excluded.last_seen",
                [
                    (day.isoformat(), paper.id, paper.upvotes, position, now, now)
                    for position, paper in enumerate(papers)
                ],
            )

    def day_info(self, day: dt.date) -> DayInfo | None:
        row = self.db.execute("SELECT * FROM days WHERE day = ?", (day.isoformat(),)).fetchone()
        if row is None:
            return None
        return DayInfo(
            dt.date.fromisoformat(row["day"]), row["source"], row["fetched_at"], row["n_papers"]
        )

    def days(self, *, empty: bool = False, limit: int | None = None) -> list[DayInfo]:
        """Fetched days, newest first (the newest ``limit`` of them). A day with no papers (a
        weekend) is recorded but left out (no page, archive or feed entry; navigation skips it)
        unless ``empty``."""
        where = "" if empty else " WHERE n_papers > 0"
        cut = "" if limit is None else f" LIMIT {max(0, int(limit))}"
        rows = self.db.execute(f"SELECT * FROM days{where} ORDER BY day DESC{cut}").fetchall()
        return [
            DayInfo(dt.date.fromisoformat(r["day"]), r["source"], r["fetched_at"], r["n_papers"])
            for r in rows
        ]

    def day_neighbours(self, day: dt.date) -> tuple[str | None, str | None]:
        """(newer, older): the ISO dates of the nearest days with papers after and before
        ``day`` (two index look-ups, where :meth:`days` reads every day)."""
        iso = day.isoformat()
        newer = self.db.execute(
            "SELECT min(day) FROM days WHERE day > ? AND n_papers > 0", (iso,)
        ).fetchone()[0]
        older = self.db.execute(
            "SELECT max(day) FROM days WHERE day < ? AND n_papers > 0", (iso,)
        ).fetchone()[0]
        return (str(newer) if newer else None), (str(older) if older else None)

    def day_papers(self, day: dt.date) -> list[Paper]:
        """The day's papers in vote order (ties keep the list's order)."""
        rows = self.db.execute(
            "SELECT p.*, d.upvotes FROM day_papers d JOIN papers p ON p.id = d.paper_id "
            "WHERE d.day = ? ORDER BY d.upvotes DESC, d.position ASC",
            (day.isoformat(),),
        ).fetchall()
        return [_paper(row, day) for row in rows]

    def source_counts(self, day: dt.date) -> dict[str, int]:
        """How many papers each source listed on ``day`` (see :meth:`save_listing`)."""
        rows = self.db.execute(
            "SELECT source, n_papers FROM day_sources WHERE day = ?", (day.isoformat(),)
        )
        return {r[0]: int(r[1]) for r in rows}

    def recent_source_counts(self, source: str, before: dt.date, limit: int) -> list[int]:
        """The counts of ``source`` on the ``limit`` fetched days before ``before`` (newest
        first), weekend days left out."""
        rows = self.db.execute(
            "SELECT day, n_papers FROM day_sources WHERE source = ? AND day < ? "
            "ORDER BY day DESC",
            (source, before.isoformat()),
        )
        found = [int(n) for day, n in rows if dt.date.fromisoformat(day).weekday() < 5]
        return found[:limit]

    # -- what the digests listed (--new-only) ----------------------------------------------------

    def record_digest(
        self, day: dt.date, lang: str, papers: Sequence[Paper], *, profile: str = ""
    ) -> None:
        """Remember which papers (and versions) the digest of ``day`` listed."""
        now = utcnow()
        with self.transaction() as db:
            db.executemany(
                "INSERT INTO digest_papers (lang, profile, paper_id, day, version, written_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(lang, profile, paper_id, day) DO UPDATE "
                "SET version = coalesce(excluded.version, digest_papers.version), "
                "written_at = excluded.written_at",
                [(lang, profile, p.id, day.isoformat(), p.version, now) for p in papers],
            )

    def digested_before(
        self, day: dt.date, lang: str, paper_ids: Sequence[str], *, profile: str = ""
    ) -> dict[str, tuple[dt.date, int | None]]:
        """For each of ``paper_ids`` an earlier digest listed: its first day there and the
        highest version listed (None when unknown)."""
        found: dict[str, tuple[dt.date, int | None]] = {}
        for start in range(0, len(paper_ids), 500):
            chunk = list(paper_ids[start : start + 500])
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(
                f"SELECT paper_id, min(day), max(version) FROM digest_papers WHERE lang = ? "
                f"AND profile = ? AND day < ? AND paper_id IN ({marks}) GROUP BY paper_id",
                (lang, profile, day.isoformat(), *chunk),
            )
            for paper_id, first, version in rows:
                found[paper_id] = (dt.date.fromisoformat(first), version)
        return found

    def paper(self, paper_id: str) -> Paper | None:
        row = self.db.execute(
            "SELECT p.*, coalesce((SELECT max(upvotes) FROM day_papers WHERE paper_id = p.id), 0)"
            " AS upvotes FROM papers p WHERE p.id = ?",
            (paper_id,),
        ).fetchone()
        return _paper(row, None) if row else None

    # -- summaries -----------------------------------------------------------------------------

    def find_summary(self, key: SummaryKey) -> Summary | None:
        row = self.db.execute(
            "SELECT * FROM summaries WHERE paper_id = ? AND lang = ? AND backend = ? AND model = ?"
            " AND prompt_version = ? AND input_hash = ?",
            (key.paper_id, key.lang, key.backend, key.model, key.prompt_version, key.input_hash),
        ).fetchone()
        return _summary(row) if row else None

    def summary_of_paper(self, key: SummaryKey, *, exact_first: bool = False) -> Summary | None:
        """The newest summary of ``key``'s paper with its language, backend, model and prompt
        version, whatever input it was made from (a paper is summarized once, however many
        sources and days list it). With ``exact_first``, the one made from ``key``'s input
        when there is one (:meth:`find_summary` and this method in one query)."""
        exact = "(input_hash = ?) DESC, " if exact_first else ""
        row = self.db.execute(
            "SELECT * FROM summaries WHERE paper_id = ? AND lang = ? AND backend = ? AND model = ?"
            f" AND prompt_version = ? ORDER BY {exact}created_at DESC, id DESC LIMIT 1",
            (key.paper_id, key.lang, key.backend, key.model, key.prompt_version,
             *((key.input_hash,) if exact_first else ())),
        ).fetchone()
        return _summary(row) if row else None

    def latest_summary(self, paper_id: str, lang: str) -> Summary | None:
        row = self.db.execute(
            "SELECT * FROM summaries WHERE paper_id = ? AND lang = ? "
            "ORDER BY created_at DESC, id DESC LIMIT 1",
            (paper_id, lang),
        ).fetchone()
        return _summary(row) if row else None

    def latest_summaries(self, paper_ids: Sequence[str], lang: str) -> dict[str, Summary]:
        """:meth:`latest_summary` of each of ``paper_ids`` (those that have one), in one query
        per 500 papers instead of one per paper."""
        found: dict[str, Summary] = {}
        for start in range(0, len(paper_ids), 500):
            chunk = list(paper_ids[start : start + 500])
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(
                f"SELECT * FROM summaries WHERE lang = ? AND paper_id IN ({marks}) "
                "ORDER BY paper_id, created_at DESC, id DESC",
                (lang, *chunk),
            )
            for row in rows:
                if row["paper_id"] not in found:
                    found[row["paper_id"]] = _summary(row)
        return found

    def input_text(self, summary_id: int) -> str:
        row = self.db.execute(
            "SELECT input_text FROM summaries WHERE id = ?", (summary_id,)
        ).fetchone()
        if row is None:
            raise StoreError(f"no summary with id {summary_id}")
        return str(row[0])

    def save_summary(
        self,
        key: SummaryKey,
        sections: Sections,
        input_text: str,
        *,
        attempts: int = 1,
        status: str = "ok",
    ) -> Summary:
        """Insert, or replace the summary with the same key (only ``--force`` asks for that)."""
        now = utcnow()
        with self.transaction() as db:
            cur = db.execute(
                "INSERT INTO summaries (paper_id, lang, backend, model, prompt_version, input_hash,"
                " input_text, whats_new, technical_details, performance_highlights, status,"
                " attempts, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT(paper_id, lang, backend, model, prompt_version, input_hash)"
                " DO UPDATE SET input_text = excluded.input_text, whats_new = excluded.whats_new,"
                " technical_details = excluded.technical_details,"
                " performance_highlights = excluded.performance_highlights,"
                " status = excluded.status, attempts = excluded.attempts,"
                " created_at = excluded.created_at RETURNING id",
                (
                key.paper_id,
                key.lang,
                key.backend,
                key.model,
                key.prompt_version,
                key.input_hash,
                input_text,
                sections.whats_new,
                sections.technical_details,
                sections.performance_highlights,
                status,
                attempts,
                now,
                ),
            )
            summary_id = int(cur.fetchone()[0])
        return Summary(
            paper_id=key.paper_id,
            lang=key.lang,
            backend=key.backend,
            model=key.model,
            prompt_version=key.prompt_version,
            input_hash=key.input_hash,
            sections=sections,
            created_at=now,
            id=summary_id,
            status=status,
        )

    def count_summaries(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM summaries").fetchone()[0])

    def first_to_write(self, day: dt.date, lang: str, text: str, owner: str) -> bool:
        """Record that a digest with exactly ``text`` is written for ``day``; False when some
        run recorded the same text before (several workers finishing one day)."""
        digest = hashlib.sha256(text.encode()).hexdigest()
        with self.transaction() as db:
            row = db.execute(
                "INSERT INTO digest_writes (day, lang, sha256, owner, written_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (day, lang, sha256) DO NOTHING RETURNING day",
                (day.isoformat(), lang, digest, owner, utcnow()),
            ).fetchone()
        return row is not None

    def digest_writer(self, day: dt.date, lang: str, text: str) -> str | None:
        """The owner of the run that first recorded writing ``text`` for ``day``."""
        digest = hashlib.sha256(text.encode()).hexdigest()
        row = self.db.execute(
            "SELECT owner FROM digest_writes WHERE day = ? AND lang = ? AND sha256 = ?",
            (day.isoformat(), lang, digest),
        ).fetchone()
        return None if row is None else str(row[0])

    # -- runs ----------------------------------------------------------------------------------

    def start_run(self, command: str, **fields: Any) -> int:
        allowed = {"day", "source", "lang", "backend", "model"}
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"unknown run fields: {sorted(unknown)}")
        if isinstance(fields.get("source"), str):
            fields["source"] = public_source(fields["source"])
        cols = ["command", "started_at", *fields]
        values = [command, utcnow(), *fields.values()]
        with self.transaction() as db:
            cur = db.execute(
                f"INSERT INTO runs ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
                " RETURNING id",
                values,
            )
            return int(cur.fetchone()[0])

    def finish_run(
        self,
        run_id: int,
        *,
        listed: int,
        summarized: int,
        reused: int,
        failed: int,
        errors: Sequence[dict[str, str]],
        status: str,
    ) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE runs SET ended_at = ?, listed = ?, summarized = ?, reused = ?, failed = ?,"
                " errors = ?, status = ? WHERE id = ?",
                (
                utcnow(),
                listed,
                summarized,
                reused,
                failed,
                redact(json.dumps(list(errors), ensure_ascii=False)),
                status,
                run_id,
                ),
            )

    def runs(self, limit: int = 20) -> list[dict[str, Any]]:
        rows = self.db.execute("SELECT * FROM runs ORDER BY id DESC LIMIT ?", (limit,))
        return [dict(r) for r in rows]


def _one_line(exc: BaseException) -> str:
    return redact(" ".join(str(exc).split()))


def _paper(row: Any, day: dt.date | None) -> Paper:
    return Paper(
        id=row["id"],
        title=row["title"],
        authors=tuple(json.loads(row["authors"])),
        abstract=row["abstract"],
        upvotes=int(row["upvotes"] or 0),
        media_url=row["media_url"],
        published_at=row["published_at"],
        list_date=day,
        github_url=row["github_url"],
        project_url=row["project_url"],
        # a database opened read-only before m009_arxiv_listings has no arXiv columns
        **(_arxiv_fields(row) if "categories" in set(row.keys()) else {}),
    )


def _arxiv_fields(row: Any) -> dict[str, Any]:
    return {
        "categories": tuple(json.loads(row["categories"] or "[]")),
        "version": row["version"],
        "comments": row["comments"],
        "updated_at": row["arxiv_updated"],
    }


def _summary(row: Any) -> Summary:
    sections = Sections(
        whats_new=row["whats_new"],
        technical_details=row["technical_details"],
        performance_highlights=row["performance_highlights"],
    )
    return Summary(
        paper_id=row["paper_id"],
        lang=row["lang"],
        backend=row["backend"],
        model=row["model"],
        prompt_version=row["prompt_version"],
        input_hash=row["input_hash"],
        sections=sections,
        created_at=row["created_at"],
        id=row["id"],
        status=row["status"],
    )


__all__ = [
    "DayInfo",
    "Store",
    "SummaryKey",
    "check_store",
    "database_errors",
    "disk_hint",
    "utcnow",
]
