"""A backfill runs its days through one scheduler: while the last papers of a day are in
flight, the next day's papers already take the free slots; each day's digest is still written
once, when its papers are stored, and the command's output is the same, day by day in order.
SQLite and PostgreSQL; loopback Hugging Face and OpenAI-compatible stand-ins."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from fakes import FakeHF, FakeOpenAI, hf_item
from paperdigest.cli import cli
from paperdigest.store import Store

DAYS = ("2024-07-01", "2024-07-02", "2024-07-03")


def _days(per_day: int) -> dict[str, list[dict[str, object]]]:
    return {day: [hf_item(f"2407.{n + 1}{i:04d}", f"Paper {n + 1}-{i}", upvotes=per_day - i,
                          day=day) for i in range(per_day)]
            for n, day in enumerate(DAYS)}


def _backfill(hf: FakeHF, server: FakeOpenAI, db: str, out: Path,
              monkeypatch: pytest.MonkeyPatch, *extra: str) -> object:
    monkeypatch.setenv("PAPERDIGEST_HF_URL", hf.url)
    return CliRunner().invoke(cli, [
        "backfill", "--from", DAYS[0], "--to", DAYS[-1], "--source", "hf", "--backend",
        "openai", "--base-url", server.base_url, "--model", "fake-model", "--concurrency", "2",
        "--db", db, "--out", str(out), "--repairs", "0", "--no-fulltext", *extra])


def _day_of(title: str) -> int:
    return int(title.split()[1].split("-")[0])  # "Paper 2-0" -> 2


def test_the_next_days_papers_fill_the_slots_while_a_day_ends(
    db_target: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    with FakeHF(_days(3)) as hf, FakeOpenAI(latency=0.3) as server:
        result = _backfill(hf, server, db_target, out, monkeypatch)
        assert result.exit_code == 0, result.stderr  # type: ignore[attr-defined]
        events = list(server.events)
        again = _backfill(hf, server, db_target, out, monkeypatch)
        assert again.exit_code == 0 and len(server.chat_requests) == 9  # type: ignore[attr-defined]
    asked = Counter(title for kind, title in events if kind == "ask")
    assert len(asked) == 9 and set(asked.values()) == {1}
    # three papers, two slots: day 1's third paper goes out with day 2's first, which is
    # asked while day 1's last paper is still in flight (one at a time, a slot would idle)
    last_answer = max(n for n, (kind, title) in enumerate(events)
                      if kind == "answer" and _day_of(title) == 1)
    first_ask_next = min(n for n, (kind, title) in enumerate(events)
                         if kind == "ask" and _day_of(title) == 2)
    assert first_ask_next < last_answer, events
    # the output is as before: one line per day, in order, and each digest's path on stdout
    stderr: str = result.stderr  # type: ignore[attr-defined]
    lines = [x for x in stderr.splitlines() if " listed, " in x]
    assert [x[:10] for x in lines] == list(DAYS)
    assert all("3 listed, 3 summarized now, 0 reused, 0 failed" in x for x in lines)
    paths = result.stdout.split()  # type: ignore[attr-defined]
    assert [Path(p).name for p in paths] == ["01.md", "02.md", "03.md"]
    for n, path in enumerate(paths, start=1):
        text = Path(path).read_text(encoding="utf-8")
        assert all(f"2407.{n}{i:04d}" in text for i in range(3))
        assert not any(f"2407.{m}0000" in text for m in (1, 2, 3) if m != n)
    with Store(db_target, readonly=True) as store:
        assert store.db.execute("SELECT count(*) FROM digest_writes").fetchone()[0] == 3
        assert store.db.execute("SELECT count(*) FROM claims").fetchone()[0] == 0
        runs = store.runs(limit=20)
        assert Counter(r["status"] for r in runs) == {"ok": 6}
        assert sorted(r["summarized"] for r in runs) == [0, 0, 0, 3, 3, 3]


def test_a_budget_stops_the_backfill_and_the_next_run_finishes(
    db_target: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--max-calls is for the whole command, across overlapping days: no request past it,
    the days reached are reported in order as stopped (exit 1); the next run completes them
    without paying for anything twice."""
    out = tmp_path / "out"
    with FakeHF(_days(3)) as hf, FakeOpenAI(latency=0.1) as server:
        stopped = _backfill(hf, server, db_target, out, monkeypatch, "--max-calls", "4")
        assert stopped.exit_code == 1  # type: ignore[attr-defined]
        assert len(server.chat_requests) == 4
        err: str = stopped.stderr  # type: ignore[attr-defined]
        assert "used up (--max-calls)" in err and "day(s) with problems" in err, err
        assert err.index("2024-07-01: 3 listed") < err.index("2024-07-02: 3 listed")
        finished = _backfill(hf, server, db_target, out, monkeypatch)
        assert finished.exit_code == 0, finished.stderr  # type: ignore[attr-defined]
        asked = Counter(r["messages"][-1]["content"] for r in server.chat_requests)
    assert len(server.chat_requests) == 9 and set(asked.values()) == {1}  # none paid twice
    assert len(list(out.rglob("0?.md"))) == 3


def test_new_only_days_leave_out_what_the_day_before_listed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--new-only chooses a day's papers from what earlier digests listed, so those days do
    not overlap: a paper listed again on the next day is not in its digest."""
    days = _days(3)
    days[DAYS[1]].append(days[DAYS[0]][0])  # listed again the next day
    out = tmp_path / "out"
    with FakeHF(days) as hf, FakeOpenAI(latency=0.2) as server:
        result = _backfill(hf, server, str(tmp_path / "p.db"), out, monkeypatch, "--new-only")
        assert result.exit_code == 0, result.stderr  # type: ignore[attr-defined]
        assert len(server.chat_requests) == 9
    second = (out / "2024/07/02.md").read_text(encoding="utf-8")
    assert "2407.20000" in second and "2407.10000" not in second
