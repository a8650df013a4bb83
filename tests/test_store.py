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


def test_migrations_are_named_recorded_and_idempotent(db_target: str) -> None:
    from paperdigest.store.migrations import MIGRATIONS

    with Store(db_target) as store:
        names = store.migrations()
        assert names == [name for name, _ in MIGRATIONS]  # the same names on both engines
        if not store.is_postgres:
            assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with Store(db_target) as store:  # reopening applies nothing twice
        assert store.migrations() == names
        rows = store.db.execute("SELECT count(*) FROM migrations").fetchone()[0]
        assert rows == len(names)


def test_listing_upserts_votes_and_keeps_known_fields(db_target: str) -> None:
    with Store(db_target) as store:
        paper = Paper(id="2407.1", title="T", authors=("A", "B"), abstract="Abs", upvotes=3)
        store.save_listing(DAY, [paper], "test")
        later = Paper(id="2407.1", title="T", upvotes=9)  # a later fetch without authors
        store.save_listing(DAY, [later], "test")
        (stored,) = store.day_papers(DAY)
        assert stored.upvotes == 9
        assert stored.authors == ("A", "B") and stored.abstract == "Abs"
        assert store.day_info(DAY).n_papers == 1


def test_same_key_is_stored_once(db_target: str) -> None:
    with Store(db_target) as store:
        store.save_listing(DAY, [Paper(id="2407.1", title="T")], "test")
        key = SummaryKey("2407.1", "ko", "openai", "m", "ko-abc", "h" * 64)
        first = store.save_summary(key, SECTIONS, "input")
        again = store.save_summary(key, SECTIONS, "input")
        assert first.id == again.id
        assert store.count_summaries() == 1
        assert store.find_summary(key).sections == SECTIONS
        other = SummaryKey("2407.1", "ko", "openai", "m", "ko-abc", "0" * 64)
        assert store.find_summary(other) is None


def test_summary_needs_a_known_paper(db_target: str) -> None:
    with Store(db_target) as store:
        key = SummaryKey("nope", "ko", "openai", "m", "v", "h")
        # a constraint error is a StoreError like every other database error (one line, exit 2)
        with pytest.raises(StoreError, match=r"(?i)foreign key constraint"):
            store.save_summary(key, SECTIONS, "input")
        assert store.count_summaries() == 0


def test_not_a_database(tmp_path: Path) -> None:
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StoreError, match="cannot open database"):
        Store(bad)


def test_readonly_store_cannot_write(db_target: str) -> None:
    with Store(db_target) as store:
        store.save_listing(DAY, [Paper(id="2407.1", title="T")], "test")
    with Store(db_target, readonly=True) as ro:
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


def test_every_database_error_leaves_the_store_as_a_store_error(db_target: str) -> None:
    with Store(db_target) as store:
        cascade = " CASCADE" if store.is_postgres else ""
        store.db.execute(f"DROP TABLE summaries{cascade}")  # a broken database: reads fail too
        with pytest.raises(StoreError, match=r'no such table: summaries|"summaries" does not'):
            store.count_summaries()


def test_runs_and_day_lists_read_back_alike(db_target: str) -> None:
    with Store(db_target) as store:
        first = store.start_run("digest", day=DAY.isoformat(), lang="ko")
        second = store.start_run("backfill")
        assert second > first > 0
        store.finish_run(first, listed=3, summarized=2, reused=1, failed=0,
                         errors=[{"paper_id": "x", "error": "https://u:pw@h/ boom"}],
                         status="ok")
        (newest, oldest) = store.runs()
        assert (newest["id"], oldest["id"]) == (second, first)
        assert oldest["status"] == "ok" and oldest["listed"] == 3 and "pw" not in oldest["errors"]
        store.save_listing(DAY, [], "test")  # a weekend: recorded, left out unless asked
        store.save_listing(DAY + dt.timedelta(days=1), [Paper(id="2407.1", title="T")], "t")
        assert [d.day for d in store.days()] == [DAY + dt.timedelta(days=1)]
        assert [d.day for d in store.days(empty=True)] == [DAY + dt.timedelta(days=1), DAY]
        assert store.paper("2407.1").title == "T" and store.paper("nope") is None


def test_check_records_and_fulltext_inputs_round_trip(db_target: str) -> None:
    from paperdigest.checks import Problem
    from paperdigest.store.checks import load_checks, save_checks
    from paperdigest.store.fulltext import input_provenance, record_input, source_counts

    with Store(db_target) as store:
        store.save_listing(DAY, [Paper(id="2407.1", title="T")], "test")
        key = SummaryKey("2407.1", "ko", "openai", "m", "v", "h" * 64)
        summary = store.save_summary(key, SECTIONS, "input")
        assert load_checks(store, summary.id) is None
        problem = Problem("numbers", "42 is not in the paper", "whats_new")
        save_checks(store, summary.id, [problem], checks=["numbers"], version="v9")
        record = load_checks(store, summary.id)
        assert record is not None and record.problems == [problem] and record.version == "v9"
        assert store.latest_summary("2407.1", "ko").status == "flagged"
        save_checks(store, summary.id, [], checks=["numbers"])
        assert store.latest_summary("2407.1", "ko").status == "ok"
        assert store.input_text(summary.id) == "input"
        record_input(store, "2407.1", "h" * 64, source="html", reason="ok", budget_tokens=10,
                     input_tokens=5, sections=[{"heading": "1 Intro"}])
        record_input(store, "2407.1", "h" * 64, source="pdf", reason="again", budget_tokens=10,
                     input_tokens=6)
        found = input_provenance(store, "2407.1", "h" * 64)
        assert found is not None and found.source == "pdf" and found.input_tokens == 6
        assert source_counts(store) == {"pdf": 1}


def test_claims_split_work_and_stale_claims_are_taken_over(db_target: str) -> None:
    from paperdigest.store import claims

    with Store(db_target) as store, Store(db_target) as other:
        store.save_listing(DAY, [Paper(id="2407.1", title="T")], "test")
        key = SummaryKey("2407.1", "ko", "openai", "m", "v", "h" * 64)
        run = store.start_run("digest")
        assert claims.claim(store, key, run).state == "claimed"
        # another host's live claim is busy until its heartbeat is older than the TTL
        other.db.execute("UPDATE claims SET owner = 'elsewhere:1', heartbeat = ?", (1000.0,))
        busy = claims.claim(other, key, run, now=1000.0 + claims.CLAIM_TTL - 1)
        assert (busy.state, busy.holder) == ("busy", "elsewhere:1")
        assert claims.claim(other, key, run, now=1000.0 + claims.CLAIM_TTL + 1).state == "claimed"
        claims.heartbeat(other, [key], now=5000.0)
        assert other.db.execute("SELECT heartbeat FROM claims").fetchone()[0] == 5000.0
        store.save_summary(key, SECTIONS, "input")
        assert claims.claim(store, key, run).state == "done"
        claims.release(other, [key])
        assert store.db.execute("SELECT count(*) FROM claims").fetchone()[0] == 0


def test_workers_starting_together_on_postgres_apply_each_migration_once(pg_url: str) -> None:
    """Four processes open a new PostgreSQL database at the same instant: the advisory lock
    lets one migrate, the others wait and find every migration applied."""
    import subprocess
    import sys

    from paperdigest.store.migrations import MIGRATIONS

    script = (
        "import sys, time\n"
        "from paperdigest.store import Store\n"
        "while time.time() < float(sys.argv[2]): pass\n"
        "Store(sys.argv[1]).close()\n"
    )
    start_at = f"{__import__('time').time() + 1.5:.3f}"
    procs = [
        subprocess.Popen([sys.executable, "-c", script, pg_url, start_at],
                         stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    errors = [p.communicate(timeout=60)[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, errors
    with Store(pg_url, readonly=True) as store:
        names = [r[0] for r in store.db.execute("SELECT name FROM migrations")]
    assert sorted(names) == sorted(name for name, _ in MIGRATIONS)


def test_a_postgres_url_without_psycopg_is_one_line_and_makes_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os
    import subprocess
    import sys

    url = "postgresql://someone@127.0.0.1:9/nothing"
    # psycopg hidden: a module path entry that makes `import psycopg` fail
    blocker = tmp_path / "block"
    blocker.mkdir()
    (blocker / "psycopg.py").write_text("raise ImportError('hidden for the test')\n")
    env = dict(os.environ, PYTHONPATH=str(blocker), PAPERDIGEST_HOME=str(tmp_path / "home"))
    proc = subprocess.run(
        [sys.executable, "-m", "paperdigest", "status", "--db", url],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "paperdigest[postgres]" in lines[0], proc.stderr
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["psycopg.py"]


def test_an_unreachable_postgres_is_one_line_without_the_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("psycopg")
    monkeypatch.chdir(tmp_path)
    from click.testing import CliRunner

    from paperdigest.cli import cli

    url = "postgresql://someone:s3cret-pw@127.0.0.1:9/nothing?connect_timeout=2"
    result = CliRunner().invoke(cli, ["status", "--db", url])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: cannot open database"), lines
    assert "s3cret-pw" not in result.output and "127.0.0.1:9" in result.output
    assert [p.name for p in tmp_path.iterdir() if p.name != "home"] == []  # no file made


def test_status_reads_both_engines(db_target: str) -> None:
    from paperdigest.store.status import day_status

    with Store(db_target) as store:
        store.save_listing(DAY, [Paper(id="2407.1", title="T"), Paper(id="2407.2", title="U")],
                           "arxiv:cs.CL", counts=[("arxiv:cs.CL", 2)])
        key = SummaryKey("2407.1", "ko", "openai", "m", "v", "h" * 64)
        store.save_summary(key, SECTIONS, "input")
        assert store.source_counts(DAY) == {"arxiv:cs.CL": 2}
        status = day_status(store, DAY, "ko")
        assert status.fetched and status.listed == 2 and not status.complete
