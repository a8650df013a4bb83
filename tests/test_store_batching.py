"""Fewer round trips per paper, same behaviour: nested transactions commit once, a claim reads
the summary and the claim from one snapshot, planning finds a stored summary in one query, and
a day's input provenance is read in one query. Every test runs on both engines."""

from __future__ import annotations

import datetime as dt

import pytest

from paperdigest.errors import StoreError
from paperdigest.models import Paper, Sections
from paperdigest.render.provenance import load_record
from paperdigest.store import Store, SummaryKey
from paperdigest.store.claims import claim, release
from paperdigest.store.fulltext import input_sources, record_input

DAY = dt.date(2024, 7, 22)
SECTIONS = Sections(whats_new="새롭습니다.", technical_details="방법입니다.",
                    performance_highlights="결과입니다.")


def _key(paper_id: str, input_hash: str = "h" * 64, backend: str = "openai") -> SummaryKey:
    return SummaryKey(paper_id, "ko", backend, "m", "v1", input_hash)


def _papers(store: Store, *ids: str) -> None:
    store.save_listing(DAY, [Paper(id=i, title=f"Paper {i}") for i in ids], "test")


def test_a_nested_transaction_commits_with_the_outer_one(db_target: str) -> None:
    with Store(db_target) as store:
        _papers(store, "2407.1", "2407.2")
        run = store.start_run("digest")
        assert claim(store, _key("2407.1"), run).state == "claimed"
        with store.transaction():
            store.save_summary(_key("2407.1"), SECTIONS, "in")
            release(store, [_key("2407.1")])
            assert store.db.in_transaction  # the inner blocks did not commit
        assert not store.db.in_transaction
        assert store.find_summary(_key("2407.1")) is not None
        assert store.db.execute("SELECT count(*) FROM claims").fetchone()[0] == 0

        # a failure inside rolls back everything the outer transaction did
        with pytest.raises(StoreError), store.transaction():
            store.save_summary(_key("2407.2"), SECTIONS, "in")
            store.save_summary(_key("nope"), SECTIONS, "in")  # no such paper
        assert not store.db.in_transaction
        assert store.find_summary(_key("2407.2")) is None
        # and the store goes on working
        store.save_summary(_key("2407.2"), SECTIONS, "in")
        assert store.count_summaries() == 2


def test_a_claim_sees_a_summary_saved_with_its_release(db_target: str) -> None:
    with Store(db_target) as first, Store(db_target) as second:
        _papers(first, "2407.1")
        run = first.start_run("digest")
        key = _key("2407.1")
        assert claim(first, key, run).state == "claimed"
        # another live run (another host: only the heartbeat tells) finds it busy
        first.db.execute("UPDATE claims SET owner = ?", ("otherhost:1",))
        busy = claim(second, key, run)
        assert busy.state == "busy" and busy.holder == "otherhost:1"
        first.db.execute("UPDATE claims SET owner = ?", (f"{_me()}",))
        with first.transaction():
            first.save_summary(key, SECTIONS, "in")
            release(first, [key])
        assert claim(second, key, run).state == "done"
        # asked to ignore stored summaries (a repair), it is taken
        assert claim(second, key, run, check_done=False).state == "claimed"


def _me() -> str:
    from paperdigest.store.claims import owner_id

    return owner_id()


def test_summary_of_paper_prefers_the_exact_input(db_target: str) -> None:
    with Store(db_target) as store:
        _papers(store, "2407.1")
        exact = store.save_summary(_key("2407.1", "a" * 64), SECTIONS, "old input")
        newer = store.save_summary(_key("2407.1", "b" * 64), SECTIONS, "new input")
        assert store.summary_of_paper(_key("2407.1", "a" * 64)).id == newer.id  # newest
        found = store.summary_of_paper(_key("2407.1", "a" * 64), exact_first=True)
        assert found.id == exact.id
        # no summary from this input: the newest of the others
        other = store.summary_of_paper(_key("2407.1", "c" * 64), exact_first=True)
        assert other.id == newer.id
        assert store.summary_of_paper(_key("2407.9", "a" * 64), exact_first=True) is None


def test_input_sources_agree_with_each_summarys_record(db_target: str) -> None:
    with Store(db_target) as store:
        ids = ["2407.1", "2407.2", "2407.3", "2407.4"]
        _papers(store, *ids)
        store.save_summary(_key("2407.1", "a" * 64), SECTIONS, "abstract")
        record_input(store, "2407.1", "a" * 64, source="abstract", reason="r",
                     budget_tokens=10, input_tokens=5)
        store.save_summary(_key("2407.1", "b" * 64), SECTIONS, "full text")  # newer: html
        record_input(store, "2407.1", "b" * 64, source="html", reason="r",
                     budget_tokens=10, input_tokens=8)
        store.save_summary(_key("2407.2", backend="extractive"), SECTIONS, "x")
        store.save_summary(_key("2407.3"), SECTIONS, "x")  # no record: unknown
        found = input_sources(store, ids, "ko")
        assert found == {"2407.1": "html", "2407.2": "abstract", "2407.3": "unknown"}
        for paper_id, source in found.items():
            latest = store.latest_summary(paper_id, "ko")
            assert load_record(store, latest).input_source == source
        assert input_sources(store, ids, "en") == {}


@pytest.mark.parametrize("look_first", [False, True])
def test_looking_first_gives_the_same_verdicts(db_target: str, look_first: bool) -> None:
    with Store(db_target) as store:
        _papers(store, "2407.1", "2407.2", "2407.3")
        run = store.start_run("digest")
        assert claim(store, _key("2407.1"), run, look_first=look_first).state == "claimed"
        store.db.execute("UPDATE claims SET owner = 'otherhost:1', heartbeat = ?", (1000.0,))
        live = claim(store, _key("2407.1"), run, now=1100.0, look_first=look_first)
        assert (live.state, live.holder) == ("busy", "otherhost:1")
        # its heartbeat older than the lease: taken over
        stale = claim(store, _key("2407.1"), run, now=1000.0 + 301, look_first=look_first)
        assert stale.state == "claimed"
        assert store.db.execute("SELECT owner FROM claims").fetchone()[0] == _me()
        store.save_summary(_key("2407.2"), SECTIONS, "in")
        assert claim(store, _key("2407.2"), run, look_first=look_first).state == "done"
        # a claim of this run's own is taken again
        assert claim(store, _key("2407.1"), run, look_first=look_first).state == "claimed"
