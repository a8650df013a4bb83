"""Full-text search: the m005 index, its triggers, query quoting, ranking and snippets."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from paperdigest.models import Paper, Sections
from paperdigest.store import Store, SummaryKey
from paperdigest.store.search import (
    MAX_QUERY_CHARS,
    SearchQueryError,
    SearchUnavailable,
    has_index,
    match_expression,
    parse_terms,
    rebuild_index,
    search,
)
from sitedata import make_db

DAY = dt.date(2024, 7, 22)


def sections(text: str) -> Sections:
    return Sections(
        whats_new=text, technical_details="기술 세부 사항", performance_highlights="성능"
    )


def key(paper_id: str, lang: str = "ko", backend: str = "b") -> SummaryKey:
    return SummaryKey(paper_id, lang, backend, "m", "v1", "h")


def ids(store: Store, query: str) -> list[str]:
    return [h.paper_id for h in search(store, query, limit=50).hits]


@pytest.fixture
def store(db_target: str) -> Iterator[Store]:
    """The same papers in a SQLite file, then in a PostgreSQL database."""
    s = Store(db_target)
    s.save_listing(
        DAY,
        [
            Paper(
                id="2407.00001",
                title="Sparse attention for long documents",
                upvotes=5,
                authors=("Ada Lovelace",),
                abstract="We prune tokens. <b>bold</b> & more.",
            ),
            Paper(
                id="2407.00002",
                title="A survey",
                upvotes=3,
                authors=("Alan Turing",),
                abstract="This survey covers sparse attention in depth and breadth.",
            ),
            Paper(
                id="2407.00003",
                title="Diffusion for video",
                upvotes=1,
                authors=("Grace Hopper",),
                abstract="Video diffusion models.",
            ),
        ],
        "test",
    )
    yield s
    s.close()


def test_query_quoting_makes_every_term_a_string() -> None:
    assert match_expression("LazyLLM") == '"LazyLLM"*'
    assert match_expression("token pruning") == '"token"* AND "pruning"*'
    assert match_expression('"long context" llm') == '"long context" AND "llm"*'
    assert match_expression("NEAR OR AND NOT") == '"NEAR"* AND "OR"* AND "AND"* AND "NOT"*'
    assert match_expression('a"b') == '"a""b"'
    assert match_expression("x") == '"x"'  # one character: no prefix scan
    assert match_expression("col:val -neg ^start") == '"col:val" AND "-neg"* AND "^start"*'
    assert parse_terms('"unterminated phrase') == [("unterminated phrase", True)]


@pytest.mark.parametrize("bad", ["", "   ", '"', '""', "* * *", "()", "-"])
def test_queries_without_words_are_refused(bad: str) -> None:
    with pytest.raises(SearchQueryError, match="no words"):
        match_expression(bad)


def test_oversized_and_overlong_queries_are_refused() -> None:
    with pytest.raises(SearchQueryError, match="too long"):
        match_expression("a" * (MAX_QUERY_CHARS + 1))
    with pytest.raises(SearchQueryError, match="terms"):
        match_expression(" ".join(f"w{i}" for i in range(17)))


def test_fts_syntax_characters_never_reach_fts5(store: Store) -> None:
    rng = random.Random(6)
    alphabet = [*"\"*^:()-+NEARORANDNOT{}[],.'\\ 모델ab", "NEAR(", "OR", " "]
    for _ in range(400):
        query = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 30)))
        try:
            search(store, query)
        except SearchQueryError as exc:
            assert "cannot search" not in exc.message, query  # only "no words" etc.


def test_index_follows_papers_and_summaries(store: Store) -> None:
    assert has_index(store)
    assert ids(store, "sparse attention") == ["2407.00001", "2407.00002"]  # title beats abstract
    assert ids(store, "Turing") == ["2407.00002"]
    # a new title replaces the old one in the index
    store.save_listing(DAY, [Paper(id="2407.00003", title="Flow matching for audio")], "test")
    assert ids(store, "diffusion") == ["2407.00003"]  # the abstract was kept
    assert ids(store, "video") == ["2407.00003"]
    assert ids(store, "flow matching") == ["2407.00003"]
    store.save_listing(
        DAY,
        [Paper(id="2407.00003", title="Flow matching for audio", abstract="Audio only.")],
        "test",
    )
    with pytest.raises(SearchQueryError):
        search(store, "")
    assert ids(store, "diffusion") == []

    # summaries: an insert, then the upsert's DO UPDATE (same key) replaces the text
    store.save_summary(key("2407.00001"), sections("토큰 가지치기 방법을 제안합니다"), "in")
    assert ids(store, "가지치기") == ["2407.00001"]
    store.save_summary(key("2407.00001"), sections("주의 집중 희소화"), "in")
    assert ids(store, "가지치기") == []
    assert ids(store, "희소화") == ["2407.00001"]
    # prefix matching finds a word with a particle attached
    store.save_summary(key("2407.00002"), sections("모델의 구조를 바꿉니다"), "in")
    assert ids(store, "모델") == ["2407.00002"]
    # a newer summary in the same language replaces the older one; other languages stay
    store.db.execute("UPDATE summaries SET created_at = '2000-01-01T00:00:00Z'")
    store.save_summary(key("2407.00002", backend="c"), sections("새로운 요약"), "in")
    assert ids(store, "모델") == []
    store.save_summary(key("2407.00002", lang="en"), sections("an english summary"), "in")
    assert ids(store, "english") == ["2407.00002"]
    assert ids(store, "새로운") == ["2407.00002"]
    store.db.execute("DELETE FROM summaries WHERE lang = 'en'")
    assert ids(store, "english") == []


def test_snippets_are_escaped_and_marked(store: Store) -> None:
    hits = search(store, "prune").hits
    assert len(hits) == 1
    hit = hits[0]
    assert hit.snippet_column == "abstract"
    assert "<mark>prune</mark>" in hit.snippet_html
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; more" in hit.snippet_html
    assert "<b>" not in hit.snippet_html
    assert hit.snippet == "We prune tokens. <b>bold</b> & more."
    assert (
        search(store, "sparse").hits[0].title_html
        == "<mark>Sparse</mark> attention for long documents"
    )
    assert hit.days == ("2024-07-22",)
    assert hit.upvotes == 5


def test_paging_and_totals(store: Store) -> None:
    first = search(store, "sparse", limit=1)
    second = search(store, "sparse", limit=1, offset=1)
    assert first.total == second.total == 2
    assert [h.paper_id for h in first.hits + second.hits] == ["2407.00001", "2407.00002"]
    with pytest.raises(SearchQueryError):
        search(store, "sparse", limit=0)


def test_a_word_in_the_title_ranks_above_the_same_word_in_the_abstract(tmp_path: Path) -> None:
    """The column weights (title 10, authors 4, abstract 1, summaries 2) decide the order, and
    every page of the ranking holds the same papers in the same order as one long page."""
    with Store(tmp_path / "w.db") as s:
        papers = [
            Paper(id=f"2407.1000{i}", title=f"Paper {i}" + (" about kernels" if i == 3 else ""),
                  abstract="We study kernels." if i != 3 else "Nothing here.", upvotes=i)
            for i in range(1, 6)
        ]
        s.save_listing(DAY, papers, "t")
        whole = search(s, "kernels", limit=5)
        assert whole.total == 5 and whole.hits[0].paper_id == "2407.10003"
        assert whole.hits[0].title_html == "Paper 3 about <mark>kernels</mark>"
        scores = [h.score for h in whole.hits]
        assert scores == sorted(scores)  # bm25: lower is better
        pages = [h for start in range(5) for h in search(s, "kernels", limit=1,
                                                         offset=start).hits]
        assert [h.paper_id for h in pages] == [h.paper_id for h in whole.hits]
        assert all("<mark>kernels</mark>" in h.snippet_html for h in whole.hits[1:])


def test_migration_backfills_an_existing_database(tmp_path: Path) -> None:
    path = make_db(tmp_path / "old.db", english=False, hostile=False)
    with Store(path) as s:  # pretend the database predates m005
        for name in (
            "search_papers_ai",
            "search_papers_au",
            "search_papers_ad",
            "search_summaries_ai",
            "search_summaries_au",
            "search_summaries_ad",
        ):
            s.db.execute(f"DROP TRIGGER {name}")
        s.db.execute("DROP TABLE search_fts")
        s.db.execute("DROP TABLE search_docs")
        s.db.execute("DELETE FROM migrations WHERE name = 'm005_search'")
    with Store(path, readonly=True) as ro:
        assert not has_index(ro)
        with pytest.raises(SearchUnavailable, match="no search index"):
            search(ro, "LazyLLM")
    with Store(path) as s:
        assert "m005_search" in s.migrations()
        assert ids(s, "LazyLLM") == ["2407.14057"]
        assert "2407.14057" in ids(s, "토큰")  # from the Korean summary
        assert rebuild_index(s) == 16
        assert ids(s, "LazyLLM") == ["2407.14057"]


def test_search_on_a_read_only_store(tmp_path: Path) -> None:
    path = make_db(tmp_path / "ro.db")
    with Store(path, readonly=True) as ro:
        result = search(ro, "LazyLLM")
        assert [h.paper_id for h in result.hits] == ["2407.14057"]
        assert search(ro, "<script>").hits[0].paper_id == "2407.99001"


def test_korean_words_inside_longer_words_are_found_on_postgres(pg_url: str) -> None:
    """PostgreSQL's ``simple`` parser splits Korean only at spaces; the trigram index finds a
    word inside a compound, and the snippet marks it there."""
    with Store(pg_url) as s:
        s.save_listing(DAY, [Paper(id="2407.00009", title="A paper")], "test")
        s.save_summary(key("2407.00009"), sections("대규모언어모델의 추론을 줄입니다"), "in")
        result = search(s, "언어모델")
        assert [h.paper_id for h in result.hits] == ["2407.00009"]
        hit = result.hits[0]
        assert hit.snippet_column == "summaries"
        assert "대규모<mark>언어모델</mark>의" in hit.snippet_html
        assert search(s, "언어모델 nothinglikethis").total == 0  # terms are ANDed
        assert search(s, "추론").total == 1 and search(s, "없는말").total == 0


def test_a_common_word_is_ranked_over_the_newest_matches(
    db_target: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL ranks a bounded window of matches (the newest by paper id) and says when
    the total is a lower bound; a page past the window widens it. SQLite ranks them all."""
    from paperdigest.store import search_pg

    monkeypatch.setattr(search_pg, "RANK_WINDOW", 3)
    with Store(db_target) as s:
        papers = [
            Paper(id="2407.00001", title="Graph graph graph networks", abstract="graph"),
            *(Paper(id=f"2407.0000{n}", title=f"Study {n}", abstract="a graph inside")
              for n in range(2, 6)),
        ]
        s.save_listing(DAY, papers, "test")
        first = search(s, "graph", limit=2)
        every = search(s, "graph", limit=5)
        past = search(s, "graph", limit=2, offset=10)
        if s.is_postgres:
            assert (first.total, first.total_capped) == (3, True)  # at least 3
            # ranked: the newest 3 + 1 (one more tells a full window from an exact count),
            # 2407.00005..00002; the best match overall is outside it
            assert [h.paper_id for h in first.hits] == ["2407.00002", "2407.00003"]
        else:
            assert (first.total, first.total_capped) == (5, False)
            assert first.hits[0].paper_id == "2407.00001"
        # a page needing more matches than the window ranks them all, best first
        assert (every.total, every.total_capped) == (5, False)
        assert every.hits[0].paper_id == "2407.00001"
        assert {h.paper_id for h in every.hits} == {p.id for p in papers}
        assert (past.total, past.total_capped, past.hits) == (5, False, ())
