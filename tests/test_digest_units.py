"""Planning, repair and scheduling in pieces, with a fake summarizer (no HTTP, no model)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from fake_summarizer import FakeSummarizer
from foonet import ABSTRACT, GOOD, INVENTED
from paperdigest.checks import Problem, checks_version
from paperdigest.digest.plan import (
    KeyParts,
    PlanOptions,
    Recheck,
    Reuse,
    StoredChecks,
    Summarize,
    after_recheck,
    key_for,
    plan_paper,
    written_language,
)
from paperdigest.digest.record import Recorder, Tally
from paperdigest.digest.repair import checks_for, summarize_checked, summarize_paper
from paperdigest.digest.run import require_language
from paperdigest.digest.scheduler import Batch, Scheduler, SchedulerOptions
from paperdigest.errors import (
    BackendError,
    BackendStopped,
    BackendUnavailable,
    BudgetExhausted,
    InvalidAnswer,
    LanguageRefused,
)
from paperdigest.models import Paper, Sections, Summary
from paperdigest.prompts import abstract_input, load_prompts
from paperdigest.store import Store
from paperdigest.store.checks import load_checks
from paperdigest.summarize.base import SummaryRequest

PARTS = KeyParts("ko", "fake", "fake-1", "p1")


def paper(n: int = 0) -> Paper:
    return Paper(id=f"2407.{14057 + n}", title=f"FooNet {n}", abstract=ABSTRACT, upvotes=10 - n)


def stored(p: Paper, status: str = "ok", sections: dict[str, str] = GOOD) -> Summary:
    return Summary(
        paper_id=p.id, lang="ko", backend="fake", model="fake-1", prompt_version="p1",
        input_hash="h", sections=Sections(**sections), created_at="2024-07-22T00:00:00Z",
        status=status, id=7,
    )


# -- plan (pure) -------------------------------------------------------------------------------


def test_plan_summarizes_what_is_not_stored_and_reuses_what_is() -> None:
    p, text = paper(), abstract_input(paper())
    none = plan_paper(p, text, None, None, PARTS, PlanOptions(), checks_version="v1")
    assert isinstance(none, Summarize) and none.key == key_for(p, text, PARTS)
    assert none.problems == () and none.previous is None
    current = StoredChecks("v1", ())
    reuse = plan_paper(p, text, stored(p), current, PARTS, PlanOptions(), checks_version="v1")
    assert isinstance(reuse, Reuse) and reuse.input_text == text
    forced = plan_paper(p, text, stored(p), current, PARTS, PlanOptions(force=True),
                        checks_version="v1")
    assert isinstance(forced, Summarize) and forced.previous is None


def test_plan_rechecks_missing_or_stale_check_results_first() -> None:
    p, text = paper(), "input"
    missing = plan_paper(p, text, stored(p), None, PARTS, PlanOptions(), checks_version="v2")
    stale = plan_paper(p, text, stored(p), StoredChecks("v1", ()), PARTS, PlanOptions(),
                       checks_version="v2")
    assert isinstance(missing, Recheck) and isinstance(stale, Recheck)
    problem = Problem("numbers", "3.12 is not in the paper")
    assert isinstance(after_recheck(stale, [problem], PlanOptions()), Reuse)
    assert isinstance(after_recheck(stale, [], PlanOptions(repair_flagged=True)), Reuse)
    repair = after_recheck(stale, [problem], PlanOptions(repair_flagged=True))
    assert isinstance(repair, Summarize)
    assert repair.problems == ("3.12 is not in the paper",) and repair.previous == stale.summary


def test_plan_repairs_flagged_summaries_only_when_asked() -> None:
    p = paper()
    flagged = StoredChecks("v1", (Problem("names", "LazyLLM is not in the paper"),))
    kept = plan_paper(p, "x", stored(p, "flagged"), flagged, PARTS, PlanOptions(),
                      checks_version="v1")
    assert isinstance(kept, Reuse)
    again = plan_paper(p, "x", stored(p, "flagged"), flagged, PARTS,
                       PlanOptions(repair_flagged=True), checks_version="v1")
    assert isinstance(again, Summarize) and again.problems == ("LazyLLM is not in the paper",)


def test_written_language_and_the_refusal() -> None:
    assert written_language("ko", None) == "ko"
    assert written_language("en", ("en",)) == "en"
    assert written_language("ko", ("en",)) is None
    english_only = FakeSummarizer(languages=("en",))
    assert require_language(english_only, "en") == "en"
    with pytest.raises(LanguageRefused, match="writes only English, not Korean: pass --lang en"):
        require_language(english_only, "ko")
    assert LanguageRefused.exit_code == 2


# -- repair ------------------------------------------------------------------------------------


def request(p: Paper) -> SummaryRequest:
    return SummaryRequest(p, abstract_input(p), load_prompts("ko"))


def test_repair_asks_again_with_the_problems_and_keeps_the_best() -> None:
    p = paper()
    fake = FakeSummarizer(INVENTED, GOOD)
    outcome = summarize_checked(fake, request(p), checks_for(p, abstract_input(p), "ko"),
                                answer_retries=0, repairs=2)
    assert outcome.repaired and outcome.calls == 2 and not outcome.best.problems
    first, second = fake.prompts_seen()
    assert first == [] and any("3.12" in problem for problem in second)


def test_repair_stops_on_an_identical_answer_and_keeps_the_earliest_best() -> None:
    p = paper()
    fake = FakeSummarizer(default=INVENTED)
    outcome = summarize_checked(fake, request(p), checks_for(p, abstract_input(p), "ko"),
                                answer_retries=0, repairs=3)
    assert len(fake.requests) == 2 and len(outcome.attempts) == 1
    assert outcome.best.problems and not outcome.repaired


def test_a_stored_summary_being_repaired_competes() -> None:
    p = paper()
    fake = FakeSummarizer(default=INVENTED)
    outcome = summarize_checked(fake, request(p), checks_for(p, abstract_input(p), "ko"),
                                answer_retries=0, repairs=0, previous=Sections(**GOOD))
    assert outcome.best.sections == Sections(**GOOD) and not outcome.best.problems


def test_invalid_answers_are_retried_then_fail_the_paper() -> None:
    p = paper()
    fake = FakeSummarizer(InvalidAnswer("not JSON"), GOOD)
    sections, tries = summarize_paper(fake, request(p), answer_retries=1)
    assert tries == 2 and sections == Sections(**GOOD)
    bad = FakeSummarizer(default=InvalidAnswer("not JSON"))
    with pytest.raises(BackendError, match="no valid answer after 2 tries: not JSON"):
        summarize_paper(bad, request(p), answer_retries=1)


def test_the_budget_refuses_a_call_before_it_is_made() -> None:
    p = paper()
    fake = FakeSummarizer(default=GOOD)
    summarize_paper(fake, request(p), 0, budget=(1, None))
    with pytest.raises(BudgetExhausted, match="budget of 1 LLM calls"):
        summarize_paper(fake, request(p), 0, budget=(1, None))
    assert len(fake.requests) == 1
    repaired = summarize_checked(FakeSummarizer(INVENTED, GOOD), request(p),
                                 checks_for(p, abstract_input(p), "ko"), answer_retries=0,
                                 repairs=2, budget=(1, None))
    assert isinstance(repaired.error, BudgetExhausted) and repaired.calls == 1


# -- scheduler ---------------------------------------------------------------------------------


class OneDay:
    """A scheduler running one batch (one day) into ``tally``."""

    def __init__(self, store: Store, scheduler: Scheduler, tally: Tally) -> None:
        self.scheduler, self.recorder = scheduler, Recorder(store, tally)
        self.run_id = store.start_run("digest")

    def run(self, planned: Iterator[Reuse | Summarize]) -> None:
        self.scheduler.run([Batch(self.run_id, self.recorder, planned)])


def scheduler(store: Store, fake: FakeSummarizer, tally: Tally,
              **options: float | int | bool | None) -> OneDay:
    store.save_listing(dt.date(2024, 7, 22), [paper(i) for i in range(5)], "test")
    return OneDay(store, Scheduler(store, fake, load_prompts("ko"),
                                   SchedulerOptions(**options)), tally)  # type: ignore[arg-type]


def intents(n: int) -> list[Summarize]:
    return [Summarize(paper(i), key_for(paper(i), abstract_input(paper(i)), PARTS),
                      abstract_input(paper(i))) for i in range(n)]


def test_scheduler_bounds_concurrency_and_saves_every_summary(tmp_path: Path) -> None:
    fake = FakeSummarizer(default=GOOD, delay=0.05)
    tally = Tally()
    with Store(tmp_path / "p.db") as store:
        scheduler(store, fake, tally, concurrency=2).run(iter(intents(5)))
        assert fake.max_in_flight == 2 and len(fake.requests) == 5
        assert len(tally.done) == 5 and tally.checked == 5 and not tally.failed
        for intent in intents(5):
            found = store.find_summary(intent.key)
            assert found is not None and found.status == "ok" and found.id is not None
            record = load_checks(store, found.id)
            assert record is not None and record.version == checks_version()
        assert store.db.execute("SELECT count(*) FROM claims").fetchone()[0] == 0


def test_scheduler_reuses_what_another_run_finished(tmp_path: Path) -> None:
    fake = FakeSummarizer(default=GOOD)
    with Store(tmp_path / "p.db") as store:
        tally = Tally()
        first = intents(1)[0]
        runner = scheduler(store, fake, tally)
        store.save_summary(first.key, Sections(**GOOD), first.input_text)
        runner.run(iter(intents(2)))
        assert tally.reused == 1 and len(tally.done) == 2 and len(fake.requests) == 1


def test_scheduler_stops_at_the_budget_and_leaves_the_rest(tmp_path: Path) -> None:
    fake = FakeSummarizer(default=GOOD)
    tally = Tally()
    with Store(tmp_path / "p.db") as store:
        scheduler(store, fake, tally, concurrency=1, max_calls=2).run(iter(intents(4)))
    assert len(fake.requests) == 2 and len(tally.done) == 2
    assert tally.stopped is not None and "--max-calls" in tally.stopped
    assert sorted(tally.not_attempted) == [paper(2).id, paper(3).id]


@pytest.mark.parametrize("error", [BackendStopped("the model crashed"),
                                   BackendUnavailable("connection refused")])
def test_a_stopped_backend_stops_the_run_and_keeps_what_it_has(tmp_path: Path,
                                                              error: BackendError) -> None:
    fake = FakeSummarizer(GOOD, error, default=GOOD)
    tally = Tally()
    with Store(tmp_path / "p.db") as store, pytest.raises(type(error)):
        scheduler(store, fake, tally, concurrency=1).run(iter(intents(4)))
    assert list(tally.done) == [paper(0).id]
    assert tally.failed[0] == (paper(1).id, error.message)
    assert len(fake.requests) == 2


def test_one_failed_paper_does_not_stop_the_others(tmp_path: Path) -> None:
    fake = FakeSummarizer(BackendError("HTTP 500"), default=GOOD)
    tally = Tally()
    with Store(tmp_path / "p.db") as store:
        scheduler(store, fake, tally, concurrency=1).run(iter(intents(3)))
    assert tally.failed == [(paper(0).id, "HTTP 500")] and len(tally.done) == 2


def held_by_another_host(store: Store, intent: Summarize) -> None:
    """A fresh claim on ``intent`` by a run on another host (``elsewhere:1``)."""
    held = intent.key
    with store.transaction() as db:
        db.execute(
            "INSERT INTO claims (paper_id, lang, backend, model, prompt_version, input_hash, "
            "run_id, owner, claimed_at, heartbeat) VALUES (?, ?, ?, ?, ?, ?, 0, ?, '', ?)",
            (held.paper_id, held.lang, held.backend, held.model, held.prompt_version,
             held.input_hash, "elsewhere:1", time.time()),
        )


def test_papers_claimed_by_another_live_run_are_left_to_it(tmp_path: Path) -> None:
    fake = FakeSummarizer(default=GOOD)
    tally = Tally()
    with Store(tmp_path / "p.db") as store:
        held_by_another_host(store, intents(2)[1])
        scheduler(store, fake, tally, claim_wait=0.0, claim_poll=0.01).run(iter(intents(2)))
    assert list(tally.done) == [paper(0).id] and tally.not_attempted == [paper(1).id]
    assert "still being summarized by another run (elsewhere:1)" in tally.notes[0]


def test_papers_of_another_live_run_do_not_hold_up_the_next_day(tmp_path: Path) -> None:
    """Day 1's second paper is being made by a run on another host: the scheduler goes on
    with day 2 (no claim_wait), keeps day 1 open, and completes it with the other run's
    summary once that run has stored it — day 2 is done first, each day once, nothing asked
    twice, nothing left out."""
    fake = FakeSummarizer(default=GOOD)
    work = intents(4)
    held = work[1]
    done: list[str] = []
    with Store(tmp_path / "p.db") as store:
        store.save_listing(dt.date(2024, 7, 22), [paper(i) for i in range(4)], "test")
        held_by_another_host(store, held)
        tallies = [Tally(), Tally()]
        batches = [Batch(store.start_run("digest"), Recorder(store, t), iter(w))
                   for t, w in zip(tallies, (work[:2], work[2:]), strict=True)]

        def on_done(batch: Batch) -> None:
            done.append("day 1" if batch is batches[0] else "day 2")
            if batch is batches[1]:  # meanwhile, the other run stores its paper and leaves
                store.save_summary(held.key, Sections(**GOOD), held.input_text)
                with store.transaction() as db:
                    db.execute("DELETE FROM claims WHERE owner = 'elsewhere:1'")

        Scheduler(store, fake, load_prompts("ko"),
                  SchedulerOptions(claim_wait=60.0, claim_poll=0.01)).run(batches, on_done)
        assert store.db.execute("SELECT count(*) FROM claims").fetchone()[0] == 0
    assert done == ["day 2", "day 1"]
    assert sorted(r.paper.id for r in fake.requests) == [paper(0).id, paper(2).id, paper(3).id]
    assert list(tallies[0].done) == [paper(0).id, paper(1).id] and tallies[0].reused == 1
    assert sorted(tallies[1].done) == [paper(2).id, paper(3).id]
    assert not any(t.not_attempted or t.failed for t in tallies)


def test_one_scheduler_fills_its_slots_across_days(tmp_path: Path) -> None:
    """Three days of two papers with two slots: the next day's papers are asked while the
    day before still has one in flight, and each day is handed on once, with its own."""
    fake = FakeSummarizer(default=GOOD, delay=0.2)
    work = intents(6)
    done: list[list[str]] = []
    with Store(tmp_path / "p.db") as store:
        store.save_listing(dt.date(2024, 7, 22), [paper(i) for i in range(6)], "test")
        tallies = [Tally() for _ in range(3)]
        batches = [Batch(store.start_run("digest"), Recorder(store, t),
                         iter(work[2 * n:2 * n + 2])) for n, t in enumerate(tallies)]
        asked_when_done: list[int] = []

        def on_done(batch: Batch) -> None:
            done.append(list(batch.tally.done))
            asked_when_done.append(len(fake.requests))

        Scheduler(store, fake, load_prompts("ko"), SchedulerOptions(concurrency=3)).run(
            batches, on_done)
    assert fake.max_in_flight == 3  # 3 slots, 2 papers a day: only full if days overlap
    assert sorted(map(sorted, done)) == [sorted([paper(2 * n).id, paper(2 * n + 1).id])
                                         for n in range(3)]
    assert asked_when_done[0] > 2  # day 2 was being asked before day 1 was done


def test_an_interruption_saves_the_summaries_in_flight(tmp_path: Path) -> None:
    fake = FakeSummarizer(default=GOOD, delay=0.2)
    tally = Tally()

    def planned():  # type: ignore[no-untyped-def]
        yield from intents(2)
        raise KeyboardInterrupt

    with Store(tmp_path / "p.db") as store:
        with pytest.raises(KeyboardInterrupt):
            scheduler(store, fake, tally, concurrency=2).run(planned())
        assert len(tally.done) == 2
        assert store.db.execute("SELECT count(*) FROM summaries").fetchone()[0] == 2
        assert store.db.execute("SELECT count(*) FROM claims").fetchone()[0] == 0


def test_the_claims_in_flight_get_a_heartbeat(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import paperdigest.digest.scheduler as scheduler_module

    beats: list[list[str]] = []
    real = scheduler_module.heartbeat

    def recording(store: Store, keys: list) -> None:  # type: ignore[type-arg]
        beats.append(sorted(k.paper_id for k in keys))
        real(store, keys)

    monkeypatch.setattr(scheduler_module, "heartbeat", recording)
    fake = FakeSummarizer(default=GOOD, delay=0.3)
    tally = Tally()
    with Store(tmp_path / "p.db") as store:
        scheduler(store, fake, tally, concurrency=2, heartbeat_every=0.05).run(iter(intents(2)))
    assert beats and beats[0] == [paper(0).id, paper(1).id]
    assert len(tally.done) == 2


def test_without_overlap_a_batch_starts_when_the_one_before_is_done(tmp_path: Path) -> None:
    """overlap=False (days chosen from what earlier days recorded): the second batch is not
    pulled while the first has a paper in flight; and a paper another run holds past
    claim_wait is left to a later run without stopping the batches after it."""
    fake = FakeSummarizer(default=GOOD, delay=0.1)
    work = intents(4)
    started: list[int] = []
    with Store(tmp_path / "p.db") as store:
        store.save_listing(dt.date(2024, 7, 22), [paper(i) for i in range(4)], "test")
        held_by_another_host(store, work[1])
        tallies = [Tally(), Tally()]

        def day(n: int) -> Iterator[Reuse | Summarize]:
            started.append(len(fake.requests))  # requests made when the day is pulled
            yield from work[2 * n:2 * n + 2]

        batches = (Batch(store.start_run("digest"), Recorder(store, t), day(n))
                   for n, t in enumerate(tallies))
        Scheduler(store, fake, load_prompts("ko"),
                  SchedulerOptions(concurrency=4, claim_wait=0.2, claim_poll=0.01)).run(
            batches, overlap=False)
    assert started == [0, 1]  # day 2 only after day 1's paper was answered
    assert tallies[0].not_attempted == [paper(1).id] and "another run" in tallies[0].notes[0]
    assert sorted(tallies[1].done) == [paper(2).id, paper(3).id]


def test_a_paper_on_two_open_days_is_asked_once(tmp_path: Path) -> None:
    """A paper listed on two days that overlap: the second day waits for the first day's
    request and reuses its summary instead of asking again."""
    fake = FakeSummarizer(default=GOOD, delay=0.2)
    work = intents(3)
    with Store(tmp_path / "p.db") as store:
        store.save_listing(dt.date(2024, 7, 22), [paper(i) for i in range(3)], "test")
        tallies = [Tally(), Tally()]
        batches = [Batch(store.start_run("digest"), Recorder(store, t), iter(w))
                   for t, w in zip(tallies, ([work[0], work[1]], [work[1], work[2]]),
                                   strict=True)]
        Scheduler(store, fake, load_prompts("ko"),
                  SchedulerOptions(concurrency=4, claim_poll=0.01)).run(batches)
    assert sorted(r.paper.id for r in fake.requests) == [paper(i).id for i in range(3)]
    assert sorted(tallies[1].done) == [paper(1).id, paper(2).id] and tallies[1].reused == 1
    assert not any(t.not_attempted or t.failed for t in tallies)


def test_overlapping_days_show_one_day_at_a_time() -> None:
    """One progress display for overlapping days: papers of the next day that finish while
    the day before is shown are counted when their day comes up, so each day's count is its
    own and in order."""
    from paperdigest.digest.record import DayDisplays

    class Recording:
        def __init__(self) -> None:
            self.calls: list[str] = []

        def start(self, total: int, description: str) -> None:
            self.calls.append(f"start {description} {total}")

        def advance(self, p: Paper, outcome: str) -> None:
            self.calls.append(f"{p.id} {outcome}")

        def stop(self) -> None:
            self.calls.append("stop")

    shown = Recording()
    displays = DayDisplays(shown)
    one, two, three = displays.day(), displays.day(), displays.day()
    one.start(2, "day 1")
    one.advance(paper(0), "summarized")
    two.start(2, "day 2")
    two.advance(paper(2), "summarized")  # day 2 is not shown yet
    one.advance(paper(1), "flagged")
    three.start(1, "day 3")
    two.advance(paper(3), "reused")
    two.stop()  # day 2 is done before day 1
    three.advance(paper(4), "failed")
    one.stop()
    three.stop()
    assert shown.calls == [
        "start day 1 2", f"{paper(0).id} summarized", f"{paper(1).id} flagged", "stop",
        "start day 2 2", f"{paper(2).id} summarized", f"{paper(3).id} reused", "stop",
        "start day 3 1", f"{paper(4).id} failed", "stop",
    ]
