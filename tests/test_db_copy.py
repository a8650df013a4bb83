"""`paperdigest db copy`: SQLite → PostgreSQL → SQLite, every table verified by count and
checksum, the search index rebuilt on the target, ids continuing after the copied ones."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from paperdigest.cli import cli
from paperdigest.store import Store, SummaryKey
from paperdigest.store.claims import claim
from paperdigest.store.copy import TABLES, checksum
from paperdigest.store.fulltext import record_input
from paperdigest.store.search import search
from sitedata import make_db


def _sums(store: Store) -> dict[str, tuple[int, str]]:
    out = {}
    for table in TABLES:
        cursor = store.db.execute(f"SELECT * FROM {table} LIMIT 0")
        columns = sorted(str(d[0]) for d in cursor.description)
        out[table] = checksum(store, table, columns)
    return out


def test_copy_to_postgres_and_back_keeps_every_row(tmp_path: Path, pg_url: str) -> None:
    original = make_db(tmp_path / "a.db")
    with Store(original) as store:
        paper_id = store.day_papers(store.days()[-1].day)[0].id
        record_input(store, paper_id, "f" * 64, source="html", reason="ok", budget_tokens=100,
                     input_tokens=50, attempts=[{"source": "html", "outcome": "ok"}])
        run = store.start_run("digest", lang="ko")
        claim(store, SummaryKey(paper_id, "ko", "b", "m", "v", "z" * 64), run, now=1234.5)
        before = _sums(store)
    assert before["summaries"][0] > 0 and before["claims"][0] == 1

    runner = CliRunner()
    there = runner.invoke(cli, ["db", "copy", "--from", str(original), "--to", pg_url])
    assert there.exit_code == 0, there.output
    lines = [line for line in there.stdout.splitlines() if line.strip()]
    assert [line.split()[0] for line in lines] == list(TABLES)
    assert all(line.endswith(" ok") for line in lines)
    with Store(pg_url) as pg:
        assert _sums(pg) == before
        assert [h.paper_id for h in search(pg, "LazyLLM").hits] == ["2407.14057"]
        assert "2407.14057" in [h.paper_id for h in search(pg, "토큰", limit=50).hits]
        top = pg.db.execute("SELECT max(id) FROM summaries").fetchone()[0]
        key = SummaryKey(paper_id, "xx", "b", "m", "v", "n" * 64)
        new = pg.save_summary(key, pg.latest_summary(paper_id, "ko").sections, "in")
        assert new.id == top + 1  # the identity goes on after the copied ids
        pg.db.execute("DELETE FROM summaries WHERE id = ?", (new.id,))

    back = tmp_path / "back.db"
    again = runner.invoke(cli, ["db", "copy", "--from", pg_url, "--to", str(back)])
    assert again.exit_code == 0, again.output
    with Store(back) as store:
        assert _sums(store) == before
        assert [h.paper_id for h in search(store, "LazyLLM").hits] == ["2407.14057"]

    refused = runner.invoke(cli, ["db", "copy", "--from", str(original), "--to", str(back)])
    assert refused.exit_code == 2 and "already holds data" in refused.output


def test_an_older_source_without_the_newest_tables_copies(tmp_path: Path, pg_url: str) -> None:
    old = make_db(tmp_path / "old.db")
    with Store(old) as store:  # as if made before m009 and m008
        from paperdigest.store.checks import save_checks

        summary_id = store.db.execute("SELECT min(id) FROM summaries").fetchone()[0]
        save_checks(store, summary_id, [], checks=["numbers"], version="v1")
        store.db.execute("DROP TABLE digest_writes")
        store.db.execute("ALTER TABLE summary_checks DROP COLUMN version")
        store.db.execute("DELETE FROM migrations WHERE name IN "
                         "('m009_digest_writes', 'm008_checks_version')")
    result = CliRunner().invoke(cli, ["db", "copy", "--from", str(old), "--to", pg_url])
    assert result.exit_code == 0, result.output
    assert "digest_writes" not in result.stdout and "summary_checks" in result.stdout
    with Store(pg_url) as pg:
        rows = pg.db.execute("SELECT summary_id, version FROM summary_checks").fetchall()
        assert [tuple(r) for r in rows] == [(summary_id, "")]  # the default for the column


def test_copy_refuses_a_missing_source_and_the_same_database(tmp_path: Path) -> None:
    runner = CliRunner()
    missing = runner.invoke(cli, ["db", "copy", "--from", str(tmp_path / "no.db"),
                                  "--to", str(tmp_path / "b.db")])
    assert missing.exit_code == 2 and "database not found" in missing.output
    assert not (tmp_path / "b.db").exists()
    same = runner.invoke(cli, ["db", "copy", "--from", "x.db", "--to", "x.db"])
    assert same.exit_code == 2 and "same database" in same.output


def test_copy_knows_every_table(tmp_path: Path) -> None:
    """A new migration's table must be added to the copy (or it would be left behind)."""
    with Store(tmp_path / "all.db") as store:
        names = {r[0] for r in store.db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")}
    search = {n for n in names if n.startswith("search_")}
    assert names - search - {"migrations"} == set(TABLES)
