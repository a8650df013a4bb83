"""Many days through one scheduler (:func:`paperdigest.digest.run_days`) when the run stops
early: an interruption or a stopped backend while days overlap. A fake summarizer and a
source held in memory (no HTTP)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from fake_summarizer import FakeSummarizer
from foonet import ABSTRACT, GOOD
from paperdigest.digest import DayNotFetched, DayOutcome, DigestEnv, DigestOptions, run_days
from paperdigest.errors import BackendStopped, FetchError
from paperdigest.models import Paper
from paperdigest.prompts import load_prompts
from paperdigest.sources import Listing
from paperdigest.store import Store

DAYS = [dt.date(2024, 7, 1) + dt.timedelta(days=n) for n in range(3)]


class Days:
    """Two papers a day; a day in ``missing`` cannot be fetched."""

    name = "days"

    def __init__(self, missing: tuple[dt.date, ...] = ()) -> None:
        self.missing = missing

    def fetch(self, day: dt.date | None) -> Listing:
        assert day is not None
        if day in self.missing:
            raise FetchError(f"HTTP 503 for {day}")
        n = day.day
        papers = tuple(Paper(id=f"2407.{n}000{i}", title=f"FooNet {n}-{i}", abstract=ABSTRACT,
                             upvotes=9 - i) for i in range(2))
        return Listing(day, papers, "days")


def _run(store: Store, fake: FakeSummarizer, out: Path, on_day: object,
         source: Days | None = None) -> None:
    env = DigestEnv(source or Days(), store, fake, load_prompts("ko"))
    options = DigestOptions(day=None, out_dir=out, concurrency=1, repairs=0)
    run_days(env, DAYS, options, on_day)  # type: ignore[arg-type]


def test_an_interruption_keeps_the_finished_days_and_what_was_in_flight(
    tmp_path: Path
) -> None:
    fake = FakeSummarizer(default=GOOD, delay=0.05)
    seen: list[DayOutcome] = []

    def on_day(outcome: DayOutcome) -> None:
        seen.append(outcome)
        raise KeyboardInterrupt  # Ctrl-C as the first day is reported

    with Store(tmp_path / "p.db") as store:
        with pytest.raises(KeyboardInterrupt):
            _run(store, fake, tmp_path / "out", on_day)
        runs = sorted(store.runs(), key=lambda r: r["day"])
        asked = len(fake.requests)
        stored = store.db.execute("SELECT count(*) FROM summaries").fetchone()[0]
        claims = store.db.execute("SELECT count(*) FROM claims").fetchone()[0]
    assert [o.day for o in seen] == [DAYS[0]]
    assert runs[0]["status"] == "ok" and runs[0]["summarized"] == 2
    assert [r["status"] for r in runs[1:]] == ["interrupted"] * (len(runs) - 1)
    assert stored == asked and claims == 0  # every answer received was saved, no claim left
    assert (tmp_path / "out/2024/07/01.md").exists()
    assert not (tmp_path / "out/2024/07/02.md").exists()


def test_a_stopped_backend_ends_the_open_days_and_keeps_what_they_made(
    tmp_path: Path
) -> None:
    fake = FakeSummarizer(GOOD, GOOD, GOOD, BackendStopped("the model crashed"), default=GOOD)
    seen: list[DayOutcome] = []
    with Store(tmp_path / "p.db") as store:
        with pytest.raises(BackendStopped):
            _run(store, fake, tmp_path / "out", seen.append)
        runs = {r["day"]: r for r in store.runs()}
    assert [o.day for o in seen] == [DAYS[0]]  # the finished day is reported first
    assert runs["2024-07-01"]["status"] == "ok"
    assert runs["2024-07-02"]["status"] == "failed" and runs["2024-07-02"]["summarized"] == 1
    assert len(fake.requests) == 4  # nothing asked after the stop
    kept = (tmp_path / "out/2024/07/02.md").read_text(encoding="utf-8")
    assert "2407.20000" in kept and "2407.20001" not in kept  # what day 2 made is kept


def test_a_day_that_cannot_be_fetched_is_reported_in_its_place(tmp_path: Path) -> None:
    fake = FakeSummarizer(default=GOOD)
    seen: list[DayOutcome] = []
    with Store(tmp_path / "p.db") as store:
        _run(store, fake, tmp_path / "out", seen.append, Days(missing=(DAYS[1],)))
    assert [o.day for o in seen] == DAYS
    assert isinstance(seen[1], DayNotFetched) and "HTTP 503" in seen[1].error.message
    assert len(fake.requests) == 4


def test_a_digest_first_written_on_another_host_is_written_here_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another host's worker wrote the day first (into its own folder): this one writes its
    copy without waiting for a file that will not come; a first writer on this host is
    waited for (it is renaming the same file into place) and not written over."""
    import paperdigest.digest.run as run_module
    from paperdigest.digest.run import write_once
    from paperdigest.store.claims import HOST

    naps: list[float] = []
    writes: list[Path] = []
    real_write = run_module.write_atomic

    def write(path: Path, text: str) -> None:
        writes.append(path)
        real_write(path, text)

    monkeypatch.setattr(run_module, "write_atomic", write)
    day, text = DAYS[0], "# the digest\n"
    with Store(tmp_path / "p.db") as store:
        monkeypatch.setattr(run_module.time, "sleep", naps.append)
        assert store.first_to_write(day, "ko", text, "elsewhere:1")
        here = tmp_path / "here.md"
        write_once(store, here, day, "ko", text)
        assert here.read_text(encoding="utf-8") == text and writes == [here] and not naps

        other = "# another day's text\n"
        assert store.first_to_write(day, "ko", other, f"{HOST}:1")
        shared = tmp_path / "shared.md"

        def renamed_meanwhile(seconds: float) -> None:
            naps.append(seconds)
            real_write(shared, other)  # the first writer on this host finishes

        monkeypatch.setattr(run_module.time, "sleep", renamed_meanwhile)
        write_once(store, shared, day, "ko", other)
    assert naps and writes == [here]  # waited, and left the first writer's file alone
    assert shared.read_text(encoding="utf-8") == other
