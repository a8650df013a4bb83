from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from paperdigest.cli import cli
from paperdigest.errors import ConfigError
from paperdigest.models import Paper, Sections
from paperdigest.ops import classify_day, daily_days, day_range
from paperdigest.store import Store, SummaryKey

SECTIONS = Sections(whats_new="가", technical_details="나", performance_highlights="다")


def test_day_range_refuses_reversed_and_huge() -> None:
    assert day_range(dt.date(2024, 7, 20), dt.date(2024, 7, 22)) == [
        dt.date(2024, 7, 20), dt.date(2024, 7, 21), dt.date(2024, 7, 22)]
    with pytest.raises(ConfigError, match="after --to"):
        day_range(dt.date(2024, 7, 22), dt.date(2024, 7, 20))
    with pytest.raises(ConfigError, match="more than 366"):
        day_range(dt.date(2020, 1, 1), dt.date(2024, 1, 1))


def test_daily_days_follow_the_time_zone() -> None:
    now = dt.datetime(2024, 7, 22, 20, 30, tzinfo=dt.UTC)  # already the 23rd in Seoul
    assert daily_days(now, "Asia/Seoul") == [dt.date(2024, 7, 22), dt.date(2024, 7, 23)]
    assert daily_days(now, "America/New_York") == [dt.date(2024, 7, 21), dt.date(2024, 7, 22)]
    with pytest.raises(ConfigError, match="unknown time zone"):
        daily_days(now, "Mars/Olympus")


def test_classify_day() -> None:
    monday = dt.date(2024, 7, 22)
    s = classify_day(monday, fetched=True, paper_ids=["a", "b", "c", "d"],
                     summary_status={"a": "ok", "b": "flagged"}, failed_ids=["c"])
    assert (s.summarized, s.flagged, s.failed, s.missing) == (1, 1, 1, 1)
    assert not s.complete and s.problem == "1 failed"
    done = classify_day(monday, fetched=True, paper_ids=["a"], summary_status={"a": "flagged"},
                        failed_ids=[])
    assert done.complete
    empty_weekday = classify_day(monday, fetched=True, paper_ids=[], summary_status={},
                                 failed_ids=[])
    assert not empty_weekday.complete and "weekday" in empty_weekday.problem
    saturday = classify_day(dt.date(2024, 7, 20), fetched=True, paper_ids=[],
                            summary_status={}, failed_ids=[])
    assert saturday.complete
    assert not classify_day(monday, fetched=False, paper_ids=[], summary_status={},
                            failed_ids=[]).complete


def make_db(path: Path) -> None:
    with Store(path) as store:
        friday, saturday, monday = dt.date(2024, 7, 19), dt.date(2024, 7, 20), dt.date(2024, 7, 22)
        store.save_listing(friday, [Paper(id="p1", title="One", upvotes=2)], "t")
        store.save_summary(SummaryKey("p1", "ko", "b", "m", "v", "h"), SECTIONS, "in")
        store.save_listing(saturday, [], "t")
        store.save_listing(monday, [Paper(id="p2", title="Two"), Paper(id="p3", title="Three")],
                           "t")
        store.save_summary(SummaryKey("p2", "ko", "b", "m", "v", "h"), SECTIONS, "in")
        run = store.start_run("digest", day=monday.isoformat(), lang="ko")
        store.finish_run(run, listed=2, summarized=1, reused=0, failed=1,
                         errors=[{"paper_id": "p3", "error": "boom"}], status="partial")


def test_status_command(tmp_path: Path) -> None:
    db = tmp_path / "p.db"
    make_db(db)
    runner = CliRunner()
    ok = runner.invoke(cli, ["status", "--db", str(db), "--from", "2024-07-19", "--to",
                             "2024-07-20"])
    assert ok.exit_code == 0, ok.output
    assert "2024-07-20  listed   0" in ok.stdout and "ok (no papers: weekend)" in ok.stdout

    bad = runner.invoke(cli, ["status", "--db", str(db), "--from", "2024-07-19", "--to",
                              "2024-07-22", "--json"])
    assert bad.exit_code == 1
    rows = [json.loads(line) for line in bad.stdout.splitlines()]
    assert [r["day"] for r in rows] == ["2024-07-19", "2024-07-20", "2024-07-21", "2024-07-22"]
    assert rows[2]["problem"] == "never fetched"
    assert (rows[3]["summarized"], rows[3]["failed"], rows[3]["missing"]) == (1, 1, 0)
    assert "2 of 4 day(s) incomplete" in bad.stderr

    reversed_ = runner.invoke(cli, ["status", "--db", str(db), "--from", "2024-07-22",
                                    "--to", "2024-07-19"])
    assert reversed_.exit_code == 2 and "swap them" in reversed_.stderr
    missing = runner.invoke(cli, ["status", "--db", str(tmp_path / "none.db")])
    assert missing.exit_code == 2 and "database not found" in missing.stderr


def _hf_days(fake_hf) -> None:  # type: ignore[no-untyped-def]
    from fakes import hf_item

    fake_hf.days["2024-07-19"] = [hf_item(f"2407.1000{i}", f"Friday paper {i}", upvotes=i,
                                          day="2024-07-19") for i in range(3)]
    fake_hf.days["2024-07-22"] = [hf_item(f"2407.2000{i}", f"Monday paper {i}", upvotes=i,
                                          day="2024-07-22") for i in range(2)]


def test_backfill_days_in_order_resumable(tmp_path: Path, fake_hf, fake_openai,  # type: ignore[no-untyped-def]
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAPERDIGEST_HF_URL", fake_hf.url)
    _hf_days(fake_hf)
    args = ["backfill", "--from", "2024-07-19", "--to", "2024-07-22", "--backend", "openai",
            "--base-url", fake_openai.base_url, "--model", "fake-model", "--repairs", "0",
            "--db", str(tmp_path / "p.db"), "--out", str(tmp_path / "out")]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.stderr
    lines = [x for x in result.stderr.splitlines() if " listed, " in x]
    assert [x[:10] for x in lines] == ["2024-07-19", "2024-07-20", "2024-07-21", "2024-07-22"]
    assert "3 listed, 3 summarized now" in lines[0] and "0 listed" in lines[1]
    assert len(result.stdout.strip().splitlines()) == 2  # a digest per day with papers
    assert len(fake_openai.chat_requests) == 5
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 0 and len(fake_openai.chat_requests) == 5  # nothing paid twice
    status = CliRunner().invoke(cli, ["status", "--db", str(tmp_path / "p.db"), "--from",
                                      "2024-07-19", "--to", "2024-07-22"])
    assert status.exit_code == 0, status.stdout


def test_backfill_goes_on_past_a_day_that_cannot_be_fetched(  # type: ignore[no-untyped-def]
        tmp_path: Path, fake_hf, monkeypatch: pytest.MonkeyPatch) -> None:
    from collections import deque

    from fakes import Reply

    monkeypatch.setenv("PAPERDIGEST_HF_URL", fake_hf.url)
    _hf_days(fake_hf)
    fake_hf.replies["2024-07-19"] = deque([Reply(503, b"down")] * 10)
    from paperdigest.http import HttpPolicy

    monkeypatch.setattr("paperdigest.sources.hf_daily.HttpPolicy",
                        lambda: HttpPolicy(attempts=3, backoff_base=0.01))
    result = CliRunner().invoke(cli, ["backfill", "--from", "2024-07-19", "--to", "2024-07-22",
                                      "--backend", "extractive",
                                      "--lang", "en", "--db", str(tmp_path / "p.db"),
                                      "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "2024-07-19: not fetched:" in result.stderr
    assert "2024-07-22: 2 listed, 2 summarized now" in result.stderr
    assert "1 day(s) with problems" in result.stderr


def test_backfill_and_daily_bad_input(tmp_path: Path) -> None:
    runner = CliRunner()
    reversed_ = runner.invoke(cli, ["backfill", "--from", "2024-07-22", "--to", "2024-07-01",
                                    "--backend", "extractive",
                                    "--lang", "en", "--db", str(tmp_path / "p.db")])
    assert reversed_.exit_code == 2 and "swap them" in reversed_.stderr
    huge = runner.invoke(cli, ["backfill", "--from", "2000-01-01", "--to", "2024-01-01",
                               "--backend", "extractive",
                               "--lang", "en", "--db", str(tmp_path / "p.db")])
    assert huge.exit_code == 2 and "more than 366" in huge.stderr
    tz = runner.invoke(cli, ["daily", "--tz", "Nowhere/City", "--backend", "extractive",
                             "--lang", "en",
                             "--db", str(tmp_path / "p.db")])
    assert tz.exit_code == 2 and "unknown time zone" in tz.stderr
    assert not (tmp_path / "p.db").exists()


def test_daily_fetches_today_and_yesterday_in_the_zone(  # type: ignore[no-untyped-def]
        tmp_path: Path, fake_hf, monkeypatch: pytest.MonkeyPatch) -> None:
    from fakes import hf_item

    monkeypatch.setenv("PAPERDIGEST_HF_URL", fake_hf.url)
    days = daily_days(dt.datetime.now(dt.UTC), "Asia/Seoul")
    for day in days:
        fake_hf.days[day.isoformat()] = [hf_item("2407.00001", "Same paper", upvotes=3,
                                                 day=day.isoformat())]
    result = CliRunner().invoke(cli, ["daily", "--tz", "Asia/Seoul", "--backend", "extractive",
                                      "--lang", "en",
                                      "--db", str(tmp_path / "p.db"), "--out",
                                      str(tmp_path / "out")])
    assert result.exit_code == 0, result.stderr
    asked = [q["date"] for _, _, q in fake_hf.requests]
    assert asked == [d.isoformat() for d in days]


def test_a_line_said_during_a_backfill_starts_its_own_line() -> None:
    """The per-day lines of a backfill go through the live display, not onto its bar line."""
    import io
    import re

    from rich.console import Console

    from paperdigest.cli.digest import RichProgress

    out = io.StringIO()
    bar = RichProgress(days=2, console=Console(file=out, force_terminal=True, width=100))
    bar.start(3, "Summarizing 2024-07-22")
    bar.say("2024-07-22: not fetched: HTTP 503")
    bar.close()
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", out.getvalue())
    lines = re.split(r"[\r\n]+", plain)
    assert "2024-07-22: not fetched: HTTP 503" in lines
