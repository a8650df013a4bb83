from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from paperdigest.errors import StoreError
from paperdigest.models import Paper, Sections
from paperdigest.store import Store, SummaryKey

DAY = dt.date(2024, 7, 22)
SECTIONS = Sections(whats_new="새롭습니다.", technical_details="방법입니다.",
                    performance_highlights="결과입니다.")


def test_migrations_are_named_recorded_and_idempotent(tmp_path: Path) -> None:
    db = tmp_path / "p.db"
    with Store(db) as store:
        names = store.migrations()
        assert names[:3] == ["m001_papers", "m002_summaries", "m003_runs"]
        assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with Store(db) as store:  # reopening applies nothing twice
        assert store.migrations() == names


def test_listing_upserts_votes_and_keeps_known_fields(tmp_path: Path) -> None:
    with Store(tmp_path / "p.db") as store:
        paper = Paper(id="2407.1", title="T", authors=("A", "B"), abstract="Abs", upvotes=3)
        store.save_listing(DAY, [paper], "test")
        later = Paper(id="2407.1", title="T", upvotes=9)  # a later fetch without authors
        store.save_listing(DAY, [later], "test")
        (stored,) = store.day_papers(DAY)
        assert stored.upvotes == 9
        assert stored.authors == ("A", "B") and stored.abstract == "Abs"
        assert store.day_info(DAY).n_papers == 1


def test_same_key_is_stored_once(tmp_path: Path) -> None:
    with Store(tmp_path / "p.db") as store:
        store.save_listing(DAY, [Paper(id="2407.1", title="T")], "test")
        key = SummaryKey("2407.1", "ko", "openai", "m", "ko-abc", "h" * 64)
        first = store.save_summary(key, SECTIONS, "input")
        again = store.save_summary(key, SECTIONS, "input")
        assert first.id == again.id
        assert store.count_summaries() == 1
        assert store.find_summary(key).sections == SECTIONS
        other = SummaryKey("2407.1", "ko", "openai", "m", "ko-abc", "0" * 64)
        assert store.find_summary(other) is None


def test_summary_needs_a_known_paper(tmp_path: Path) -> None:
    with Store(tmp_path / "p.db") as store:
        key = SummaryKey("nope", "ko", "openai", "m", "v", "h")
        # a constraint error is a StoreError like every other database error (one line, exit 2)
        with pytest.raises(StoreError, match="FOREIGN KEY constraint failed"):
            store.save_summary(key, SECTIONS, "input")
        assert store.count_summaries() == 0


def test_not_a_database(tmp_path: Path) -> None:
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StoreError, match="cannot open database"):
        Store(bad)


def test_readonly_store_cannot_write(tmp_path: Path) -> None:
    with Store(tmp_path / "p.db") as store:
        store.save_listing(DAY, [Paper(id="2407.1", title="T")], "test")
    with Store(tmp_path / "p.db", readonly=True) as ro:
        assert [p.id for p in ro.day_papers(DAY)] == ["2407.1"]
        with pytest.raises(StoreError):
            ro.save_listing(DAY, [Paper(id="2407.2", title="U")], "test")


def test_processes_opening_a_new_database_at_once_apply_each_migration_once(
    tmp_path: Path,
) -> None:
    """Two `digest` runs started together on a fresh --db: each must see the other's migrations
    under the write lock instead of failing with "table papers already exists"."""
    import subprocess
    import sys

    from paperdigest.store.migrations import MIGRATIONS

    script = (
        "import sys, time\n"
        "from paperdigest.store import Store\n"
        "while time.time() < float(sys.argv[2]): pass\n"  # start together
        "Store(sys.argv[1]).close()\n"
    )
    for round_ in range(6):
        db = tmp_path / f"new{round_}.db"
        start_at = f"{__import__('time').time() + 1.0:.3f}"
        procs = [
            subprocess.Popen([sys.executable, "-c", script, str(db), start_at],
                             stderr=subprocess.PIPE, text=True)
            for _ in range(4)
        ]
        errors = [p.communicate(timeout=60)[1] for p in procs]
        assert [p.returncode for p in procs] == [0] * 4, errors
        names = [r[0] for r in sqlite3.connect(db).execute("SELECT name FROM migrations")]
        assert sorted(names) == sorted(name for name, _ in MIGRATIONS)


def test_every_database_error_leaves_the_store_as_a_store_error(tmp_path: Path) -> None:
    with Store(tmp_path / "p.db") as store:
        store.db.execute("DROP TABLE summaries")  # a broken database: reads fail too
        with pytest.raises(StoreError, match="no such table: summaries"):
            store.count_summaries()
