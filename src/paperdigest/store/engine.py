"""The engine seam: what differs between SQLite and PostgreSQL, so the SQL itself is shared.

The Store and its modules write SQL once, with ``?`` placeholders and the upsert syntax both
engines share (``ON CONFLICT … DO UPDATE``, ``excluded``, ``RETURNING``). An :class:`Engine`
names the few things that differ: how a write transaction starts, how rows are aggregated into
one string, how concurrent writers serialize on a key, which exceptions are database errors.

:class:`PgConnection` gives a psycopg 3 connection the small part of the ``sqlite3.Connection``
interface the Store uses (``execute`` with ``?`` placeholders, rows readable by index and by
name, ``in_transaction``), so one method body serves both engines.

psycopg is imported only when a ``postgresql://`` URL is opened: it is the ``postgres`` extra.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from ..errors import ConfigError, StoreError
from ..untrusted import redact

URL_SCHEMES = ("postgresql://", "postgres://")
EXTRA_HINT = "install the postgres extra: pip install 'paperdigest[postgres]'"


def is_postgres_url(target: object) -> bool:
    return isinstance(target, str) and target.startswith(URL_SCHEMES)


class Cursor(Protocol):
    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Connection(Protocol):
    """What the Store uses of a connection (``sqlite3.Connection`` or :class:`PgConnection`)."""

    @property
    def in_transaction(self) -> bool: ...

    def execute(self, sql: str, parameters: Sequence[Any] = ..., /) -> Any: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class Engine:
    name: str  # "sqlite" | "postgresql"
    begin: str  # the statement that starts a write transaction
    errors: tuple[type[BaseException], ...]
    lock: str = ""  # SQL taking a transaction-scoped lock on one text key ('' = none needed)

    def group_concat(self, expr: str, sep: str) -> str:
        if self.name == "postgresql":
            return f"string_agg({expr}, '{sep}')"
        return f"group_concat({expr}, '{sep}')"

    def serialize(self, db: Connection, key: str) -> None:
        """Inside a write transaction: wait until no other transaction holds ``key``.

        SQLite's ``BEGIN IMMEDIATE`` already lets one writer in at a time; PostgreSQL takes a
        transaction-scoped advisory lock, released at COMMIT or ROLLBACK."""
        if self.lock:
            db.execute(self.lock, (key,))


SQLITE = Engine("sqlite", "BEGIN IMMEDIATE", (sqlite3.Error,))


@functools.cache
def postgres_engine() -> Engine:
    psycopg = import_psycopg()
    return Engine(
        "postgresql",
        "BEGIN",
        (psycopg.Error,),
        lock="SELECT pg_advisory_xact_lock(hashtextextended(?, 0))",
    )


def import_psycopg() -> Any:
    """The psycopg module, or a one-line ConfigError (exit 2) naming the extra."""
    try:
        import psycopg
    except ImportError:
        raise ConfigError(f"a postgresql:// database needs psycopg: {EXTRA_HINT}") from None
    return psycopg


@functools.lru_cache(maxsize=512)
def to_format(sql: str) -> str:
    """``?`` placeholders as psycopg's ``%s`` (a literal ``%`` doubled)."""
    return sql.replace("%", "%%").replace("?", "%s")


class Row:
    """A row readable by position, by column name and as a mapping (like ``sqlite3.Row``)."""

    __slots__ = ("_index", "_values")

    def __init__(self, values: Sequence[Any], index: dict[str, int]) -> None:
        self._values = tuple(values)
        self._index = index

    def __getitem__(self, key: int | str | slice) -> Any:
        if isinstance(key, str):
            return self._values[self._index[key]]
        return self._values[key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def keys(self) -> list[str]:
        return list(self._index)


def _row_factory(cursor: Any) -> Callable[[Sequence[Any]], Row]:
    index = {column.name: i for i, column in enumerate(cursor.description or ())}
    return lambda values: Row(values, index)


class PgConnection:
    """A psycopg connection in autocommit mode, with explicit BEGIN/COMMIT like the SQLite one."""

    def __init__(self, url: str, *, readonly: bool = False, timeout: float = 30.0) -> None:
        psycopg = import_psycopg()
        options = "-c default_transaction_read_only=on" if readonly else ""
        try:
            self.raw = psycopg.connect(
                url,
                autocommit=True,
                connect_timeout=max(1, int(timeout)),
                row_factory=_row_factory,
                options=options,
                application_name="paperdigest",
            )
        except psycopg.Error as exc:
            message = " ".join(str(exc).split())
            raise StoreError(f"cannot open database {redact(url)}: {redact(message)}") from None
        self._idle = psycopg.pq.TransactionStatus.IDLE

    @property
    def in_transaction(self) -> bool:
        return bool(self.raw.info.transaction_status != self._idle)

    def execute(
        self, sql: str, parameters: Sequence[Any] = (), /, *, prepare: bool | None = None
    ) -> Any:
        """``prepare``: psycopg's (None: prepared server-side after a few runs of the same
        text; False: planned afresh for its parameters every time)."""
        if not parameters:  # sent as it is: no placeholders, a literal % stays single
            return self.raw.execute(sql, prepare=prepare)
        return self.raw.execute(to_format(sql), tuple(parameters), prepare=prepare)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]], /) -> None:
        with self.raw.cursor() as cursor:
            cursor.executemany(to_format(sql), [tuple(row) for row in rows])

    def copy_rows(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        """Load ``rows`` into ``table`` with ``COPY … FROM STDIN`` (one stream instead of an
        INSERT per row); the number of rows sent. ``table`` and ``columns`` are trusted names."""
        sent = 0
        with self.raw.cursor() as cursor, cursor.copy(
            f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(tuple(row))
                sent += 1
        return sent

    def executescript(self, script: str) -> None:
        self.raw.execute(script)

    def close(self) -> None:
        self.raw.close()


__all__ = [
    "EXTRA_HINT",
    "SQLITE",
    "Connection",
    "Cursor",
    "Engine",
    "PgConnection",
    "Row",
    "import_psycopg",
    "is_postgres_url",
    "postgres_engine",
]
