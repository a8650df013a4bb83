"""Opening SQLite files: checks before a run, WAL, read-only connections, disk-full hints."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from ..errors import StoreError


def check_store(path: str | Path) -> None:
    """Will ``Store(path)`` open for writing? Checked without creating or changing anything, so
    a run can refuse a bad --db before slow setup (a model load) and still leave no file.
    A ``postgresql://`` URL needs psycopg (the postgres extra): a one-line error, exit 2."""
    from .engine import import_psycopg, is_postgres_url

    if is_postgres_url(path):
        import_psycopg()
        return
    path = Path(path)
    check_writable(path)
    if path.is_dir():
        raise StoreError(f"cannot open database {path}: it is a folder")
    if not path.exists() or path.stat().st_size == 0:
        return
    try:
        connect_readonly(path).close()
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"cannot open database {path}: {exc}") from None


def check_writable(path: Path) -> None:
    """A database we must write needs a writable file and folder (WAL keeps files beside it)."""
    import os

    for target, what in ((path, "file"), (path.parent, "folder")):
        if target.exists() and not os.access(target, os.W_OK):
            raise StoreError(
                f"database {path} is read-only (its {what} cannot be written): point --db at "
                "a writable copy; 'status' and 'serve' only read it"
            )


def disk_hint(path: Path) -> str:
    """' (the disk is full)' when the file's folder has no space left, else ''."""
    import shutil

    try:
        free = shutil.disk_usage(path.parent if path.parent.exists() else Path.cwd()).free
    except OSError:
        return ""
    return " (the disk is full: free some space and run again)" if free < 64 * 1024 else ""


def use_wal(db: sqlite3.Connection, wait: float = 30.0) -> None:
    """Switch to WAL. SQLite answers "database is locked" at once, without its busy handler,
    when another process is switching the same new file at the same moment: wait for it."""
    deadline = time.monotonic() + wait
    pause = 0.01
    while True:
        try:
            db.execute("PRAGMA journal_mode = WAL").fetchone()
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() + pause > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.5)


def connect_readonly(path: Path) -> sqlite3.Connection:
    """Open with ``mode=ro`` (the path URI-quoted, so ``?``, ``#`` or ``%`` in it are safe).

    A WAL database needs its ``-shm`` file even to read; when that cannot be created (a folder
    the reader may not write) and no ``-wal`` file is left over, every commit is in the main
    file, so it is opened ``immutable`` instead. Otherwise the error stands.
    """
    from urllib.parse import quote

    uri = "file:" + quote(str(path.resolve()))
    db = sqlite3.connect(f"{uri}?mode=ro", uri=True, isolation_level=None, check_same_thread=False)
    try:
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return db
    except sqlite3.OperationalError:
        db.close()
        wal = path.with_name(path.name + "-wal")
        if wal.exists() and wal.stat().st_size > 0:
            raise
    return sqlite3.connect(
        f"{uri}?mode=ro&immutable=1", uri=True, isolation_level=None, check_same_thread=False
    )
