"""One merged day (Hugging Face + arXiv categories), backfill with arXiv, --new-only, status."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from fakes import ArxivPaper, FakeArxivAPI, FakeHF, FakeOpenAI, hf_item
from paperdigest.cli import cli
from paperdigest.errors import ConfigError
from paperdigest.models import Paper, Sections
from paperdigest.render.json_day import day_dict, load_day
from paperdigest.sources import MergedSource, open_source
from paperdigest.sources.merged import merge_paper, split_spec
from paperdigest.store import Store, SummaryKey
from paperdigest.untrusted import redact_url

SCHEMES = ("hf", "file", "arxiv")


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


# -- the syntax and the merge, alone -------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "parts"),
    [
        ("hf", ["hf"]),
        ("arxiv:cs.CL,cs.IR", ["arxiv:cs.CL,cs.IR"]),
        ("hf,arxiv:cs.CL", ["hf", "arxiv:cs.CL"]),
        ("hf,arxiv:cs.CL,cs.IR", ["hf", "arxiv:cs.CL,cs.IR"]),
        ("hf+arxiv:cs.CL,cs.IR", ["hf", "arxiv:cs.CL,cs.IR"]),
        ("arxiv:cs.CL,cs.IR,hf", ["arxiv:cs.CL,cs.IR", "hf"]),
        ("arxiv:cs.CL+hf+arxiv:math.AP", ["arxiv:cs.CL", "hf", "arxiv:math.AP"]),
        ("file:saved/a,b+c.json", ["file:saved/a,b+c.json"]),  # a path keeps its , and +
    ],
)
def test_source_lists_split_without_breaking_category_lists(spec: str, parts: list[str]) -> None:
    assert split_spec(spec, SCHEMES) == parts


def test_a_stray_separator_is_refused() -> None:
    with pytest.raises(ConfigError, match="empty source"):
        split_spec("hf+", SCHEMES)
    with pytest.raises(ConfigError, match="unknown source 'hff'"):
        open_source("hff+arxiv:cs.CL")
    with pytest.raises(ConfigError, match=r"'cs\.CL\+hff' is not an arXiv category"):
        open_source("arxiv:cs.CL+hff")  # a misspelt scheme reads as part of the list


def test_merge_keeps_votes_and_media_and_adds_categories() -> None:
    hf = Paper(id="2407.1", title="T", abstract="A.", upvotes=12,
               media_url="https://example.org/v.mp4", github_url="https://github.com/x/y")
    arxiv = Paper(id="2407.1", title="T (arXiv)", abstract="A. (arXiv)", categories=("cs.CL",
                  "cs.AI"), version=2, comments="ACL 2024", published_at="2024-07-19T10:00:00Z")
    merged = merge_paper(hf, arxiv)
    assert (merged.upvotes, merged.media_url, merged.github_url) == (
        12, "https://example.org/v.mp4", "https://github.com/x/y")
    assert merged.title == "T" and merged.abstract == "A."  # the first source's text
    assert merged.categories == ("cs.CL", "cs.AI") and merged.version == 2
    assert merged.comments == "ACL 2024"
    other_way = merge_paper(arxiv, hf)
    assert other_way.upvotes == 12 and other_way.media_url == "https://example.org/v.mp4"
    assert other_way.categories == ("cs.CL", "cs.AI")


# -- through the command line ---------------------------------------------------------------------

MON = "2024-07-22"  # arXiv window: Thu 07-18 18:00Z .. Fri 07-19 18:00Z
TUE = "2024-07-23"  # Fri 07-19 18:00Z .. Mon 07-22 18:00Z
SHARED_ID = "2407.30001"


def arxiv_papers() -> list[ArxivPaper]:
    return [
        ArxivPaper(SHARED_ID, "Shared paper", published="2024-07-19T10:00:00Z",
                   categories=("cs.CL", "cs.AI"), comment="Accepted at ACL",
                   abstract="We propose SharedNet.\nIt improves accuracy by 3 points."),
        ArxivPaper("2407.30002", "Only on arXiv", published="2024-07-18T20:00:00Z",
                   categories=("cs.IR",), abstract="We study retrieval. It helps by 2 points."),
        ArxivPaper("2407.30003", "Tuesday paper", published="2024-07-20T09:00:00Z",
                   abstract="We propose TuesNet. It wins by 4 points."),
        ArxivPaper("2407.30004", "Friday paper", published="2024-07-17T20:00:00Z",
                   abstract="We propose FriNet. It wins by 5 points."),
    ]


def hf_days() -> dict[str, list[dict]]:
    return {
        MON: [
            hf_item(SHARED_ID, "Shared paper", upvotes=30, day=MON,
                    abstract="We propose SharedNet.\nIt improves accuracy by 3 points."),
            hf_item("2407.40001", "Only on Hugging Face", upvotes=5, day=MON,
                    abstract="We propose HFNet. It gains 6 points."),
        ],
    }


@pytest.fixture
def servers(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    with FakeHF(hf_days()) as hf, FakeArxivAPI(arxiv_papers()) as api:
        monkeypatch.setenv("PAPERDIGEST_HF_URL", hf.url)
        monkeypatch.setenv("PAPERDIGEST_ARXIV_API_URL", api.api_url)
        monkeypatch.setenv("PAPERDIGEST_ARXIV_INTERVAL", "0")
        yield hf, api


def common(tmp_path: Path, *extra: str) -> list[str]:
    return ["--backend", "extractive", "--lang", "en", "--db", str(tmp_path / "p.db"),
            "--out", str(tmp_path / "out"), *extra]


@pytest.mark.parametrize("spec", ["hf+arxiv:cs.CL,cs.IR", "hf,arxiv:cs.IR,cs.CL"])
def test_one_merged_day(tmp_path: Path, servers, spec: str) -> None:  # type: ignore[no-untyped-def]
    result = run("digest", "--date", MON, "--source", spec, *common(tmp_path))
    assert result.exit_code == 0, result.stderr
    assert f"{MON}: 3 listed, 3 summarized now, 0 reused" in result.stderr
    text = Path(result.stdout.strip().splitlines()[-1]).read_text(encoding="utf-8")
    assert text.count("\n### [") == 3
    assert text.index("Shared paper") < text.index("Only on Hugging Face") < text.index(
        "Only on arXiv")  # votes first, then the arXiv-only paper
    with Store(tmp_path / "p.db") as store:
        shared = store.paper(SHARED_ID)
        assert shared is not None
        assert shared.upvotes == 30 and shared.media_url and "huggingface" in shared.media_url
        assert shared.categories == ("cs.CL", "cs.AI") and shared.version == 1
        assert shared.comments == "Accepted at ACL"
        assert store.source_counts(dt.date(2024, 7, 22)) == {
            redact_url(os.environ["PAPERDIGEST_HF_URL"]): 2, "arxiv:cs.CL,cs.IR": 2}
    with Store(tmp_path / "p.db") as store:
        day = day_dict(load_day(store, dt.date(2024, 7, 22), "en"))
    shared_json = next(p for p in day["papers"] if p["id"] == SHARED_ID)
    assert shared_json["categories"] == ["cs.CL", "cs.AI"] and shared_json["version"] == 1
    assert shared_json["comments"] == "Accepted at ACL" and shared_json["upvotes"] == 30
    site = run("site", "--db", str(tmp_path / "p.db"), "--out", str(tmp_path / "site"),
               "--lang", "en")
    assert site.exit_code == 0, site.stderr
    page = next((tmp_path / "site").rglob("2024-07-22*.html")).read_text(encoding="utf-8")
    assert '<span class="categories">cs.CL · cs.AI</span>' in page


def test_each_source_lists_the_same_day(tmp_path: Path, servers) -> None:  # type: ignore[no-untyped-def]
    hf, api = servers
    source = open_source("hf+arxiv:cs.CL")
    assert isinstance(source, MergedSource)
    listing = source.fetch(dt.date(2024, 7, 22))
    assert [p.id for p in listing.papers] == [SHARED_ID, "2407.40001"]
    assert [q["date"] for _, path, q in hf.requests] == [MON]
    assert "202407181800 TO 202407191759" in api.queries()[0]["search_query"]


def test_backfill_past_days_with_the_arxiv_source(tmp_path: Path, servers) -> None:  # type: ignore[no-untyped-def]
    _, api = servers
    result = run("backfill", "--from", "2024-07-19", "--to", TUE, "--source", "arxiv:cs.CL",
                 *common(tmp_path))
    assert result.exit_code == 0, result.stderr
    lines = [x for x in result.stderr.splitlines() if " listed, " in x]
    assert [x[:13] for x in lines] == [
        "2024-07-19: 1", "2024-07-20: 0", "2024-07-21: 0", "2024-07-22: 1", "2024-07-23: 1"]
    ranges = [q["search_query"].split("submittedDate:")[1] for q in api.queries()]
    assert ranges == ["[202407171800 TO 202407181759]", "[202407181800 TO 202407191759]",
                      "[202407191800 TO 202407221759]"]  # no request for the weekend
    assert len(result.stdout.strip().splitlines()) == 3
    assert "arXiv has no listing on Saturdays" in result.stderr
    status = run("status", "--db", str(tmp_path / "p.db"), "--from", "2024-07-19", "--to", TUE,
                 "--lang", "en")
    assert status.exit_code == 0, status.stdout
    again = run("backfill", "--from", "2024-07-19", "--to", TUE, "--source", "arxiv:cs.CL",
                *common(tmp_path))
    assert again.exit_code == 0 and "0 summarized now, 1 reused" in again.stderr


def test_summarized_once_across_sources_days_and_versions(  # type: ignore[no-untyped-def]
    tmp_path: Path, servers, fake_openai: FakeOpenAI
) -> None:
    hf, api = servers
    llm = ["--backend", "openai", "--base-url", fake_openai.base_url, "--model", "fake-model",
           "--repairs", "0", "--db", str(tmp_path / "p.db"), "--out", str(tmp_path / "out")]
    monday = run("digest", "--date", MON, "--source", "arxiv:cs.CL,cs.IR", *llm)
    assert monday.exit_code == 0, monday.stderr
    assert len(fake_openai.chat_requests) == 2  # the shared paper and the arXiv-only one

    # Tuesday: Hugging Face lists the shared paper, now in a second version with a new
    # abstract, and arXiv announces that replacement: listed again, summarized no more
    hf.days[TUE] = [hf_item(SHARED_ID, "Shared paper", upvotes=40, day=TUE,
                            abstract="We propose SharedNet v2.\nIt improves accuracy by 4 points.")]
    api.papers[0].updated = "2024-07-22T10:00:00Z"
    api.papers[0].version = 2
    api.papers[0].abstract = "We propose SharedNet v2.\nIt improves accuracy by 4 points."
    source = ["--source", "hf+arxiv:cs.CL", "--include-replaced"]

    new_only = run("digest", "--date", TUE, *source, "--new-only", *llm)
    assert new_only.exit_code == 0, new_only.stderr
    assert f"{TUE}: 2 listed, 1 summarized now" in new_only.stderr  # the Tuesday paper only
    assert (f"note: {SHARED_ID} v2 is a new version of a paper in the {MON} digest (v1): "
            "noted, not listed again") in new_only.stderr
    text = Path(new_only.stdout.strip().splitlines()[-1]).read_text(encoding="utf-8")
    assert "Tuesday paper" in text and "### [Shared paper]" not in text
    assert f"(다시 싣지 않음): {SHARED_ID} v2 ({MON} 다이제스트)*" in text  # in the footer
    assert len(fake_openai.chat_requests) == 3

    everything = run("digest", "--date", TUE, *source, *llm)
    assert everything.exit_code == 0, everything.stderr
    assert f"{TUE}: 2 listed, 0 summarized now, 2 reused" in everything.stderr
    assert len(fake_openai.chat_requests) == 3  # the new version reuses the paper's summary
    with Store(tmp_path / "p.db") as store:
        paper = store.paper(SHARED_ID)
        assert paper is not None and paper.version == 2 and paper.upvotes == 40
        earlier = store.digested_before(dt.date(2024, 7, 24), "ko", [SHARED_ID, "2407.30003"])
        assert earlier == {SHARED_ID: (dt.date(2024, 7, 22), 2), "2407.30003": (
            dt.date(2024, 7, 23), 1)}


def test_status_flags_a_suspiciously_small_arxiv_listing(tmp_path: Path) -> None:
    db = tmp_path / "p.db"
    source = "arxiv:cs.CL"
    with Store(db) as store:
        for day, count in [("2024-07-15", 100), ("2024-07-16", 120), ("2024-07-17", 110),
                           ("2024-07-18", 90), ("2024-07-19", 105), ("2024-07-20", 0)]:
            store.save_listing(dt.date.fromisoformat(day), [], source, [(source, count)])
        for day, count, paper_id in [("2024-07-22", 12, "2407.50001"),
                                     ("2024-07-23", 40, "2407.50002")]:
            paper = Paper(id=paper_id, title="A paper", abstract="We propose X.")
            store.save_listing(dt.date.fromisoformat(day), [paper], source, [(source, count)])
            key = SummaryKey(paper_id, "en", "extractive", "m", "p1", "h" + paper_id)
            sections = Sections(whats_new="a", technical_details="b", performance_highlights="c")
            store.save_summary(key, sections, "input")
    result = run("status", "--db", str(db), "--from", "2024-07-22", "--to", "2024-07-23",
                 "--lang", "en", "--json")
    assert result.exit_code == 1
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows[0]["small_listings"] == [
        "arxiv:cs.CL listed 12 paper(s), under 20% of the median 105 of its last 5 weekdays "
        "(a partial listing?)"]
    assert rows[0]["problem"] == rows[0]["small_listings"][0]
    assert rows[1]["complete"] and rows[1]["small_listings"] == []  # 40 is above 20% of 105


def test_an_older_database_gains_the_arxiv_fields_and_its_digest_history(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from paperdigest.store import migrations

    db = tmp_path / "old.db"
    before = [m for m in migrations.MIGRATIONS if m[0] < "m009"]
    with monkeypatch.context() as patch:
        patch.setattr(migrations, "MIGRATIONS", before)
        with Store(db) as store:  # rows as the code before the arXiv source wrote them
            now = "2024-07-22T00:00:00Z"
            store.db.execute(
                "INSERT INTO papers (id, title, abstract, first_seen, updated_at) "
                "VALUES ('2407.60001', 'Old paper', 'We propose Y.', ?, ?)", (now, now))
            store.db.execute("INSERT INTO days VALUES ('2024-07-22', 'hf', ?, 1)", (now,))
            store.db.execute("INSERT INTO day_papers (day, paper_id, upvotes, position, "
                             "first_seen, last_seen) VALUES ('2024-07-22', '2407.60001', 3, 0, "
                             "?, ?)", (now, now))
            key = SummaryKey("2407.60001", "ko", "openai", "m", "p1", "h")
            sections = Sections(whats_new="a", technical_details="b", performance_highlights="c")
            store.save_summary(key, sections, "input")
            assert "m009_arxiv_listings" not in store.migrations()
    with Store(db, readonly=True) as old:  # read-only: not migrated, still readable
        found = old.paper("2407.60001")
        assert found is not None and found.categories == () and found.version is None
    with Store(db) as store:
        assert "m009_arxiv_listings" in store.migrations()
        assert store.digested_before(dt.date(2024, 7, 23), "ko", ["2407.60001"]) == {
            "2407.60001": (dt.date(2024, 7, 22), None)}
        assert store.digested_before(dt.date(2024, 7, 23), "en", ["2407.60001"]) == {}
        store.save_listing(dt.date(2024, 7, 23), [Paper(
            id="2407.60001", title="Old paper", categories=("cs.CL",), version=3)], "arxiv:cs.CL")
        again = store.paper("2407.60001")
        assert again is not None and again.categories == ("cs.CL",) and again.version == 3
        assert again.abstract == "We propose Y."  # an empty abstract does not erase the text
        store.save_listing(dt.date(2024, 7, 24), [Paper(
            id="2407.60001", title="Old paper", version=2)], "hf")
        kept = store.paper("2407.60001")
        assert kept is not None and kept.version == 3 and kept.categories == ("cs.CL",)


def test_backfill_a_merged_range(tmp_path: Path, servers) -> None:  # type: ignore[no-untyped-def]
    hf, api = servers
    result = run("backfill", "--from", "2024-07-20", "--to", TUE, "--source",
                 "hf+arxiv:cs.CL,cs.IR", *common(tmp_path))
    assert result.exit_code == 0, result.stderr
    lines = [x for x in result.stderr.splitlines() if " listed, " in x]
    assert [x[:13] for x in lines] == ["2024-07-20: 0", "2024-07-21: 0", "2024-07-22: 3",
                                       "2024-07-23: 1"]
    # Hugging Face is asked every day; arXiv only on the weekdays
    assert [q["date"] for _, _, q in hf.requests] == ["2024-07-20", "2024-07-21", MON, TUE]
    assert len(api.queries()) == 2
    status = run("status", "--db", str(tmp_path / "p.db"), "--from", "2024-07-20", "--to", TUE,
                 "--lang", "en")
    assert status.exit_code == 0, status.stdout


def test_small_listing_rule_and_new_version_rule_in_pure_code() -> None:
    from paperdigest.digest.history import leave_out_seen
    from paperdigest.ops import small_listing

    assert small_listing("arxiv:cs.CL", 1, [100, 120]) is None  # too few days to judge
    assert small_listing("arxiv:cs.CL", 19, [100, 95, 300]) is not None  # 19 < 20% of 100
    assert small_listing("arxiv:cs.CL", 20, [100, 95, 300]) is None
    assert small_listing("arxiv:cs.GL", 0, [0, 0, 1]) is None  # a quiet category

    monday = dt.date(2024, 7, 22)
    papers = [Paper(id="a", title="A", version=2), Paper(id="b", title="B", version=2),
              Paper(id="c", title="C"), Paper(id="d", title="D", version=1)]
    kept, seen = leave_out_seen(papers, {"a": (monday, 1), "b": (monday, None),
                                         "c": (monday, 3), "d": (monday, 1)})
    assert kept == [] and [s.new_version for s in seen] == [True, False, False, False]
    assert "a v2 is a new version" in seen[0].note() and "left out" in seen[1].note()
    kept, seen = leave_out_seen(papers, {})
    assert kept == papers and seen == []
