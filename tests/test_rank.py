"""The reader's profile, the lexical and embedding scorers, reasons, feedback, and ranking shown
in the digest, the JSON, the chat messages and the web server."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from fakes import Reply, _Server
from paperdigest.cli import cli
from paperdigest.errors import ConfigError, FetchError
from paperdigest.models import Paper
from paperdigest.rank import (
    EmbeddingScorer,
    LexicalScorer,
    Profile,
    build_reader,
    explain,
    load_profile,
    parse_profile,
    rank_papers,
)
from paperdigest.rank.embed import OpenAIEmbedder
from paperdigest.rank.profile import MAX_SEED_FILE_BYTES, parse_bibtex, parse_zotero_csv
from paperdigest.rank.reasons import Part
from paperdigest.render.markdown import render_day
from paperdigest.render.markdown_parse import parse_digest
from paperdigest.store import Store
from paperdigest.store.feedback import record_feedback

DAY = dt.date(2024, 8, 5)


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def paper(pid: str, title: str, abstract: str = "", *, authors: tuple[str, ...] = (),
          upvotes: int = 0, categories: str = "") -> Paper:
    extra = {"categories": categories} if categories else {}
    return Paper(id=pid, title=title, abstract=abstract, authors=authors, upvotes=upvotes,
                 extra=extra)


AUDIO = paper("2408.00001", "Streaming speech recognition with audio tokens",
              "We train a speech recognition model on audio tokens for low-latency ASR.",
              upvotes=3)
RAG = paper("2408.00002", "Dense retrieval for retrieval-augmented generation",
            "A retriever finds passages; the generator answers questions with them.", upvotes=9)
VISION = paper("2408.00003", "Gaussian splatting for 3D scenes",
               "We render radiance fields of 3D scenes with Gaussians at high frame rates.",
               upvotes=40)
SURVEY = paper("2408.00004", "A survey of audio language models",
               "This survey reviews audio language models for speech and music.", upvotes=20)
DAY_PAPERS = [AUDIO, RAG, VISION, SURVEY]


def ids(ranking: Any) -> list[str]:
    return [r.id for r in ranking.ranked]


# -- profile -------------------------------------------------------------------------------------


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_profile_in_the_issue_shape_is_read(tmp_path: Path) -> None:
    write(tmp_path / "library.bib", "@article{a, title={Audio tokens}, eprint={2406.05555}}\n")
    profile = load_profile(write(tmp_path / "me.toml", """
authors = ["Jane Doe"]
seeds = ["2406.05555v2", "arXiv:2407.00001"]
seed_files = ["library.bib"]
categories = ["cs.SD"]
exclude = ["survey"]
[keywords]
audio = 2.0
"speech recognition" = 1.5
"""))
    assert profile.keywords == {"audio": 2.0, "speech recognition": 1.5}
    assert profile.seeds == ("2406.05555", "2407.00001")  # versions dropped
    assert profile.authors == ("Jane Doe",) and profile.categories == ("cs.SD",)
    assert [(s.id, s.title) for s in profile.seed_papers] == [("2406.05555", "Audio tokens")]
    assert profile.name == "me"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('keyword = ["audio"]\n', "unknown key(s) 'keyword'"),
        ('authors = "Jane Doe"\n', "authors must be a list of strings"),
        ('seeds = ["not-an-id"]\n', "'not-an-id' is not an arXiv id"),
        ('[keywords]\naudio = "high"\n', "must be a number"),
        ('[keywords]\naudio = 1e9\n', "outside"),
        ('categories = ["Computer Science"]\n', "is not an arXiv category"),
        ('seed_files = ["missing.bib"]\n', "cannot read seed file"),
        ('seed_files = ["notes.txt"]\n', "expected a .bib (BibTeX) or .csv (Zotero) export"),
        ("authors = [\n", "not valid TOML"),
    ],
)
def test_profile_errors_are_one_line(tmp_path: Path, text: str, message: str) -> None:
    write(tmp_path / "notes.txt", "hello")
    with pytest.raises(ConfigError) as caught:
        load_profile(write(tmp_path / "p.toml", text))
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_profile_error_through_the_cli_is_exit_2(tmp_path: Path) -> None:
    bad = write(tmp_path / "p.toml", "colour = 1\n")
    result = CliRunner().invoke(cli, ["rank", "--source", "file:x.json", "--profile", str(bad),
                                      "--db", str(tmp_path / "db.sqlite"), "--json"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1].startswith("error: ")
    assert "unknown key(s) 'colour'" in result.output


def test_bibtex_entries_are_read_robustly() -> None:
    text = r"""
@comment{ignored}
@string{conf = "Interspeech"}
@article{doe2024,
  title = {{Speech} Recognition with \emph{Audio} Tokens},
  author = {Doe, Jane and Roe, Richard},
  abstract = "We recognise speech.",
  eprint = {2406.05555v3}, archivePrefix = {arXiv},
}
@inproceedings{x, title={A paper with a URL}, url={https://arxiv.org/abs/2401.01234}}
@misc{y, title = {No id but a title}, year = 2020}
@article{broken, title = {never closed
"""
    papers = parse_bibtex(text)
    assert [(p.id, p.title) for p in papers] == [
        ("2406.05555", "Speech Recognition with Audio Tokens"),
        ("2401.01234", "A paper with a URL"),
        (None, "No id but a title"),
    ]
    assert papers[0].abstract == "We recognise speech."


def test_zotero_csv_is_read() -> None:
    text = (
        '"Key","Item Type","Title","Abstract Note","Url","Extra","DOI"\n'
        '"K1","journalArticle","Audio tokens","About audio.","https://arxiv.org/abs/2406.05555v1",'
        '"",""\n'
        '"K2","preprint","Dense retrieval","","","arXiv: 2401.01234",""\n'
        '"K3","preprint","By DOI","","","","10.48550/arXiv.2402.00001"\n'
    )
    papers = parse_zotero_csv(text)
    assert [(p.id, p.title, p.abstract) for p in papers] == [
        ("2406.05555", "Audio tokens", "About audio."),
        ("2401.01234", "Dense retrieval", ""),
        ("2402.00001", "By DOI", ""),
    ]
    with pytest.raises(ConfigError, match="not a Zotero CSV export"):
        parse_zotero_csv("a,b\n1,2\n")


def test_seed_files_are_bounded(tmp_path: Path) -> None:
    big = tmp_path / "big.bib"
    big.write_bytes(b"@misc{a, title={x}}\n" * (MAX_SEED_FILE_BYTES // 19 + 2))
    with pytest.raises(ConfigError, match="larger than"):
        load_profile(write(tmp_path / "p.toml", 'seed_files = ["big.bib"]\n'))


# -- lexical scoring -----------------------------------------------------------------------------


def reader(**fields: Any) -> Any:
    return build_reader(parse_profile(fields))


def test_a_keyword_paper_ranks_above_unrelated_ones_despite_votes() -> None:
    ranking = rank_papers(DAY_PAPERS, reader(keywords={"speech recognition": 1.5}), lang="en")
    assert ids(ranking)[0] == AUDIO.id
    assert ranking.ranked[0].score > ranking.ranked[1].score
    assert ranking.ranked[0].why == "keyword speech recognition"
    # with no match anywhere the vote prior decides, and it is small
    nothing = rank_papers(DAY_PAPERS, reader(keywords={"robotics": 1.0}), lang="en")
    assert ids(nothing) == [VISION.id, SURVEY.id, RAG.id, AUDIO.id]
    assert all(r.score <= 0.5 for r in nothing.ranked)
    assert nothing.ranked[0].why == "nothing in the profile matches, 40 votes"


def test_phrases_match_only_consecutive_words() -> None:
    split = paper("2408.00009", "Speech for recognition", "speech then some recognition")
    ranking = rank_papers([split, AUDIO], reader(keywords={"speech recognition": 1.0}))
    assert ids(ranking)[0] == AUDIO.id
    assert not any(p.kind == "keyword" for p in ranking.ranked[1].parts)


def test_heavier_keywords_count_more() -> None:
    prof = {"keywords": {"audio": 1.0, "retrieval": 3.0}}
    assert ids(rank_papers(DAY_PAPERS, reader(**prof)))[0] == RAG.id
    prof = {"keywords": {"audio": 3.0, "retrieval": 1.0}}
    assert ids(rank_papers(DAY_PAPERS, reader(**prof)))[0] in (AUDIO.id, SURVEY.id)


def test_exclusions_push_a_paper_down_and_say_so() -> None:
    plain = rank_papers(DAY_PAPERS, reader(keywords={"audio": 2.0}), lang="en")
    assert ids(plain)[:2] == [SURVEY.id, AUDIO.id] or ids(plain)[:2] == [AUDIO.id, SURVEY.id]
    excluded = rank_papers(DAY_PAPERS, reader(keywords={"audio": 2.0}, exclude=["survey"]),
                           lang="en")
    assert ids(excluded)[-1] == SURVEY.id
    assert "excluded term survey" in excluded.ranked[-1].why


def test_followed_authors_and_categories_count() -> None:
    by_jane = paper("2408.00010", "Unrelated title", "Nothing in common.",
                    authors=("Jané Doe", "X"), upvotes=0)
    listed = paper("2408.00011", "Another title", "Nothing either.", categories="cs.SD eess.AS")
    ranking = rank_papers([VISION, by_jane, listed],
                          reader(authors=["Doe, Jane"], categories=["cs.SD"]), lang="ko")
    assert ids(ranking) == [by_jane.id, listed.id, VISION.id]
    assert ranking.ranked[0].why == "팔로우 저자 Doe, Jane"
    assert ranking.ranked[1].why == "카테고리 cs.SD"


def test_seed_papers_pull_similar_papers_up(tmp_path: Path) -> None:
    with Store(tmp_path / "db.sqlite") as store:
        seed = paper("2406.05555", "Retrieval-augmented generation with dense passage retrieval",
                     "Dense passage retrieval feeds a generator that answers open questions.")
        store.save_listing(dt.date(2024, 6, 1), [seed], "test")
        got = build_reader(parse_profile({"seeds": ["2406.05555"]}), store)
        missing = build_reader(parse_profile({"seeds": ["2406.09999"]}), store)
    ranking = rank_papers(DAY_PAPERS, got, lang="ko")
    assert ids(ranking)[0] == RAG.id
    assert ranking.ranked[0].why.startswith("seed 논문 'Retrieval-augmented generation with den…'")
    assert missing.seeds == () and "2406.09999 is not in the database" in missing.notes[0]


def test_reasons_in_both_languages() -> None:
    parts = [Part("keyword", "retrieval", 4.0), Part("keyword", "RAG", 2.0),
             Part("seed", "A very long seed paper title that goes on and on", 2.5),
             Part("author", "Jane Doe", 3.0), Part("votes", "12", 0.4),
             Part("keyword", "tiny", 0.01)]
    assert explain(parts, "ko") == (
        "키워드 retrieval·RAG, 팔로우 저자 Jane Doe, seed 논문 'A very long seed paper title that "
        "goes…'와 유사"
    )
    assert explain(parts, "en") == (
        "keyword retrieval·RAG, followed author Jane Doe, similar to seed paper 'A very long "
        "seed paper title that goes…'"
    )
    assert explain([Part("votes", "0", 0.0)], "ko") == "프로필과 맞는 점 없음"


# -- embeddings ----------------------------------------------------------------------------------

VOCAB = ("audio", "speech", "retrieval", "3d", "survey")


class FakeEmbeddings(_Server):
    """``POST /v1/embeddings``: a bag of words over a tiny vocabulary, per input."""

    def __init__(self, *, broken: bool = False) -> None:
        super().__init__()
        self.broken = broken

    def _dispatch(self, handler: Any, method: str, raw: bytes | None) -> None:
        body = json.loads(raw or b"{}")
        with self.lock:
            self.requests.append((method, handler.path, body))
        if method != "POST" or handler.path != "/v1/embeddings":
            self._send(handler, Reply(status=404, body={"error": "no"}))
            return
        inputs = body["input"]
        if self.broken:
            inputs = inputs[:-1]
        data = [
            {"index": i, "object": "embedding",
             "embedding": [0.01 + text.lower().count(w) for w in VOCAB]}
            for i, text in enumerate(inputs)
        ]
        self._send(handler, Reply(body={"object": "list", "data": data}))


@pytest.fixture
def embeddings() -> Iterator[FakeEmbeddings]:
    with FakeEmbeddings() as server:
        yield server


def test_embedding_scorer_over_a_loopback_server(embeddings: FakeEmbeddings) -> None:
    embedder = OpenAIEmbedder(embeddings.url + "/v1", "fake-embed")
    try:
        ranking = rank_papers(DAY_PAPERS, reader(keywords={"retrieval": 1.0}),
                              EmbeddingScorer(embedder), lang="en")
    finally:
        embedder.close()
    assert ranking.scorer == "embedding"
    assert ids(ranking)[0] == RAG.id
    assert ranking.ranked[0].why == "close to the profile's topics"
    method, path, body = embeddings.requests[0]
    assert (method, path, body["model"]) == ("POST", "/v1/embeddings", "fake-embed")
    assert len(body["input"]) == len(DAY_PAPERS) + 1  # the papers and the profile's topics


def test_embedding_answer_that_does_not_fit_is_a_clear_error() -> None:
    with FakeEmbeddings(broken=True) as server:
        embedder = OpenAIEmbedder(server.url + "/v1")
        with pytest.raises(FetchError, match="3 embeddings for 4 texts"):
            embedder.embed(["a", "b", "c", "d"])
        embedder.close()


def test_rank_cli_uses_the_embedding_endpoint_when_set(
    tmp_path: Path, embeddings: FakeEmbeddings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PAPERDIGEST_EMBED_URL", embeddings.url + "/v1")
    source = day_file(tmp_path)
    profile = write(tmp_path / "p.toml", '[keywords]\n"3d" = 1.0\n')
    result = run("rank", "--source", f"file:{source}", "--profile", str(profile), "--db",
                 str(tmp_path / "db.sqlite"), "--json", "--lang", "en")
    assert json.loads(result.stdout)[0]["id"] == VISION.id
    assert embeddings.requests


# -- the rank command, feedback ------------------------------------------------------------------


def day_file(tmp_path: Path, papers: list[Paper] = DAY_PAPERS) -> Path:
    items = [
        {
            "paper": {
                "id": p.id, "title": p.title, "summary": p.abstract, "upvotes": p.upvotes,
                "authors": [{"name": a} for a in p.authors], "publishedAt": "2024-08-02",
            },
            "publishedAt": f"{DAY.isoformat()}T00:00:00.000Z",
            "title": p.title,
        }
        for p in papers
    ]
    path = tmp_path / f"hf-daily-{DAY.isoformat()}.json"
    path.write_text(json.dumps(items), encoding="utf-8")
    return path


def test_rank_json_prints_every_paper_best_first(tmp_path: Path) -> None:
    source = day_file(tmp_path)
    profile = write(tmp_path / "p.toml", '[keywords]\naudio = 2.0\n"speech recognition" = 1.5\n')
    db = tmp_path / "db.sqlite"
    result = run("rank", "--source", f"file:{source}", "--profile", str(profile), "--db",
                 str(db), "--json")
    rows = json.loads(result.stdout)
    assert [r["id"] for r in rows][:2] == [AUDIO.id, SURVEY.id]
    assert len(rows) == 4 and set(rows[0]) == {"id", "score", "why"}
    assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)
    assert rows[0]["why"].startswith("키워드 ")
    top = json.loads(run("rank", "--source", f"file:{source}", "--profile", str(profile),
                         "--db", str(db), "--json", "--top", "1").stdout)
    assert top == rows[:1]


def test_feedback_changes_the_next_ranking_and_its_reasons(tmp_path: Path) -> None:
    source = day_file(tmp_path)
    profile = write(tmp_path / "p.toml", '[keywords]\n"gaussian" = 0.1\n')
    db = tmp_path / "db.sqlite"
    args = ["rank", "--source", f"file:{source}", "--profile", str(profile), "--db", str(db),
            "--json", "--lang", "en"]
    before = json.loads(run(*args).stdout)
    assert before[0]["id"] == VISION.id
    assert run("feedback", RAG.id, "like", "--db", str(db)).exit_code == 0
    assert run("feedback", VISION.id + "v2", "dislike", "--db", str(db)).exit_code == 0
    after = json.loads(run(*args).stdout)
    assert after[0]["id"] == RAG.id
    assert "similar to liked paper 'Dense retrieval" in after[0]["why"]
    last = {r["id"]: r for r in after}[VISION.id]
    assert "like disliked paper 'Gaussian splatting" in last["why"]
    assert last["score"] < {r["id"]: r for r in before}[VISION.id]["score"]
    unknown = CliRunner().invoke(cli, ["feedback", "2401.99999", "like", "--db", str(db)])
    assert unknown.exit_code == 2 and "is not in" in unknown.output


# -- shown everywhere ----------------------------------------------------------------------------


def test_why_line_in_markdown_round_trips() -> None:
    from paperdigest.models import Sections

    sections = Sections(whats_new="a", technical_details="b", performance_highlights="c")
    text = render_day(DAY, [(AUDIO, sections), (RAG, sections)],
                      why={AUDIO.id: "키워드 audio [x]*"}, rest=[VISION])
    assert "Authors: \n" not in text
    lines = text.splitlines()
    at = lines.index("Why: 키워드 audio \\[x\\]\\*")
    assert lines[at - 2].startswith("Authors:")
    parsed = parse_digest(text)
    assert [e.id for e in parsed.entries] == [AUDIO.id, RAG.id]  # the titles-only list is skipped
    assert parsed.entries[0].why == "키워드 audio [x]*" and parsed.entries[1].why is None
    assert f"({VISION.arxiv_url})" in text.split("---")[1]
    plain = render_day(DAY, [(AUDIO, sections)])
    assert "Why:" not in plain and "---" not in plain


def test_digest_with_a_profile_ranks_summarizes_the_top_and_shows_why(tmp_path: Path) -> None:
    source = day_file(tmp_path)
    profile = write(tmp_path / "p.toml",
                    'exclude = ["survey"]\n[keywords]\naudio = 4.0\nretrieval = 1.0\n')
    db, out = tmp_path / "db.sqlite", tmp_path / "out"
    result = run("digest", "--source", f"file:{source}", "--backend", "extractive", "--lang",
                 "en", "--db", str(db), "--out", str(out), "--profile", str(profile),
                 "--summarize-top", "2", "--no-progress")
    assert result.exit_code == 0, result.output
    text = Path(result.stdout.strip().splitlines()[-1]).read_text(encoding="utf-8")
    parsed = parse_digest(text)
    assert [e.id for e in parsed.entries] == [AUDIO.id, RAG.id]
    assert parsed.entries[0].why == "keyword audio"
    rest = text.split("**Titles only (not summarized)**")[1]
    assert re.findall(r"abs/(\d{4}\.\d{5})", rest) == [VISION.id, SURVEY.id]
    assert "Why: excluded term survey" in rest

    from paperdigest.publish.chat import discord_embed, slack_paper_blocks
    from paperdigest.render.json_day import day_dict, load_day

    with Store(db, readonly=True) as store:
        day = load_day(store, DAY, "en")
    data = {p["id"]: p for p in day_dict(day)["papers"]}
    assert data[AUDIO.id]["why"] == "keyword audio" and data[AUDIO.id]["score"] > 1
    entry = next(e for e in day.entries if e.paper.id == AUDIO.id)
    assert "Why (" in discord_embed(entry, "en")["description"]
    assert "keyword audio" in json.dumps(slack_paper_blocks(entry, "en"))

    from paperdigest.render.atom import render_feeds
    from paperdigest.render.pages import Pages

    page = Pages().day(day, lang="en", depth=2)
    card = page.split(f'id="p-{AUDIO.id}"')[1].split("</article>")[0]
    assert '<p class="why">' in card and "Why: keyword audio" in card
    papers_xml, digest_xml = render_feeds([day], lang="en")
    assert "keyword audio" in papers_xml and "keyword audio" in digest_xml


def test_vote_order_and_min_score_with_a_profile(tmp_path: Path) -> None:
    source = day_file(tmp_path)
    profile = write(tmp_path / "p.toml", '[keywords]\naudio = 4.0\n')
    base = ["digest", "--source", f"file:{source}", "--backend", "extractive", "--lang", "en",
            "--db", str(tmp_path / "db.sqlite"), "--profile", str(profile), "--no-progress"]
    votes = run(*base, "--out", str(tmp_path / "a"), "--order", "votes")
    parsed = parse_digest(Path(votes.stdout.strip().splitlines()[-1]).read_text("utf-8"))
    assert [e.id for e in parsed.entries] == [VISION.id, SURVEY.id, RAG.id, AUDIO.id]
    assert all(e.why for e in parsed.entries)
    kept = run(*base, "--out", str(tmp_path / "b"), "--min-score", "1")
    parsed = parse_digest(Path(kept.stdout.strip().splitlines()[-1]).read_text("utf-8"))
    assert sorted(e.id for e in parsed.entries) == [AUDIO.id, SURVEY.id]  # the two with "audio"
    top = run(*base, "--out", str(tmp_path / "c"), "--min-score", "1", "--top", "1")
    parsed_top = parse_digest(Path(top.stdout.strip().splitlines()[-1]).read_text("utf-8"))
    assert [e.id for e in parsed_top.entries] == [parsed.entries[0].id]


def test_relevance_order_needs_a_profile(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, [
        "digest", "--source", f"file:{day_file(tmp_path)}", "--backend", "extractive",
        "--lang", "en", "--db", str(tmp_path / "db.sqlite"), "--out", str(tmp_path / "o"),
        "--order", "relevance"])
    assert result.exit_code == 2 and "--order relevance needs --profile" in result.output


def test_web_feedback_endpoint_stores_and_reranks(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from paperdigest.app import open_app
    from paperdigest.settings import Settings

    db = tmp_path / "db.sqlite"
    profile = write(tmp_path / "p.toml", '[keywords]\n"gaussian" = 0.1\n')
    run("rank", "--source", f"file:{day_file(tmp_path)}", "--profile", str(profile), "--db",
        str(db), "--json")
    app = open_app(Settings.load(db=str(db), lang="ko"))
    with TestClient(app.web_app(profile=profile)) as client:
        assert client.post(f"/api/feedback/{RAG.id}", json={"verdict": "meh"}).status_code == 400
        assert client.post("/api/feedback/2401.99999", json={"verdict": "like"}).status_code == 400
        answer = client.post(f"/api/feedback/{RAG.id}", json={"verdict": "like"})
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"id": RAG.id, "verdict": "like", "reranked": [DAY.isoformat()]}
        papers = client.get(f"/api/days/{DAY.isoformat()}").json()["papers"]
    why = {p["id"]: p["why"] for p in papers}
    assert "좋아요한 논문 'Dense retrieval" in why[RAG.id]
    with TestClient(app.web_app()) as client:
        off = client.post(f"/api/feedback/{RAG.id}", json={"verdict": "like"})
        assert off.status_code == 404 and "--profile" in off.json()["detail"]
    with Store(db) as store:
        assert record_feedback(store, RAG.id, "dislike").id == RAG.id


def test_profile_without_store_is_usable() -> None:
    assert Profile().empty
    ranking = rank_papers(DAY_PAPERS, build_reader(Profile()), LexicalScorer())
    assert len(ranking.ranked) == 4


def test_scorer_choice_from_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from paperdigest.rank import make_scorer
    from paperdigest.rank.embed import GGUFEmbedder

    assert isinstance(make_scorer("auto"), LexicalScorer)
    assert isinstance(make_scorer("auto", embed_url="http://127.0.0.1:9/v1"), EmbeddingScorer)
    with pytest.raises(ConfigError, match="PAPERDIGEST_EMBED_URL"):
        make_scorer("embedding")
    with pytest.raises(ConfigError, match="unknown scorer"):
        make_scorer("magic")
    gguf = make_scorer("embedding", embed_gguf="/nowhere/model.gguf")
    assert isinstance(gguf, EmbeddingScorer) and isinstance(gguf.embedder, GGUFEmbedder)
    monkeypatch.setitem(sys.modules, "llama_cpp", None)  # not installed: the fix is named
    with pytest.raises(ConfigError, match=r"pip install '\.\[local\]'"):
        gguf.embedder.embed(["a"])


def test_seed_file_entries_are_completed_from_the_store(tmp_path: Path) -> None:
    write(tmp_path / "lib.bib", "@article{a, title = {Short}, eprint = {2406.05555}}\n"
                                "@article{b, title = {Only a title, nothing else}}\n")
    profile = load_profile(write(tmp_path / "p.toml", 'seed_files = ["lib.bib"]\n'))
    with Store(tmp_path / "db.sqlite") as store:
        store.save_listing(dt.date(2024, 6, 1), [
            paper("2406.05555", "Dense retrieval, the full title", "A retriever and a reader.")
        ], "test")
        got = build_reader(profile, store)
    assert [(s.id, s.title, s.abstract) for s in got.seeds] == [
        ("2406.05555", "Dense retrieval, the full title", "A retriever and a reader."),
        (None, "Only a title, nothing else", ""),
    ]


def test_new_only_remembers_each_profile_separately(tmp_path: Path) -> None:
    profile = write(tmp_path / "p.toml", '[keywords]\naudio = 2.0\n')
    db = tmp_path / "db.sqlite"
    first = day_file(tmp_path, [AUDIO, RAG])
    base = ["digest", "--backend", "extractive", "--lang", "en", "--db", str(db),
            "--no-progress", "--new-only"]
    assert run(*base, "--source", f"file:{first}", "--out", str(tmp_path / "a"),
               "--profile", str(profile)).exit_code == 0
    later = tmp_path / "later"
    later.mkdir()
    items = json.loads(day_file(later, [AUDIO, RAG, VISION]).read_text("utf-8"))
    for item in items:
        item["publishedAt"] = "2024-08-06T00:00:00.000Z"
    second = later / "hf-daily-2024-08-06.json"
    second.write_text(json.dumps(items), encoding="utf-8")
    again = run(*base, "--source", f"file:{second}", "--out", str(tmp_path / "b"),
                "--profile", str(profile))
    parsed = parse_digest(Path(again.stdout.strip().splitlines()[-1]).read_text("utf-8"))
    assert [e.id for e in parsed.entries] == [VISION.id]  # this profile saw the other two
    plain = run(*base, "--source", f"file:{second}", "--out", str(tmp_path / "c"))
    parsed = parse_digest(Path(plain.stdout.strip().splitlines()[-1]).read_text("utf-8"))
    assert sorted(e.id for e in parsed.entries) == sorted([AUDIO.id, RAG.id, VISION.id])


def test_a_merged_backfill_ranks_and_digests_with_reasons(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fakes import FakeArxivAPI, FakeHF
    from test_merged_day import MON, TUE, arxiv_papers, hf_days

    profile = write(tmp_path / "p.toml",
                    'categories = ["cs.IR"]\n[keywords]\nretrieval = 1.0\n')
    with FakeHF(hf_days()) as hf, FakeArxivAPI(arxiv_papers()) as api:
        monkeypatch.setenv("PAPERDIGEST_HF_URL", hf.url)
        monkeypatch.setenv("PAPERDIGEST_ARXIV_API_URL", api.api_url)
        monkeypatch.setenv("PAPERDIGEST_ARXIV_INTERVAL", "0")
        result = run("backfill", "--from", MON, "--to", TUE, "--source",
                     "hf+arxiv:cs.CL,cs.IR", "--backend", "extractive", "--lang", "en",
                     "--db", str(tmp_path / "p.db"), "--out", str(tmp_path / "out"),
                     "--profile", str(profile), "--no-progress")
    assert result.exit_code == 0, result.output
    monday = parse_digest(Path(result.stdout.strip().splitlines()[0]).read_text("utf-8"))
    assert monday.entries[0].id == "2407.30002"  # the arXiv-only retrieval paper, 0 votes
    assert monday.entries[0].why == "category cs.IR, keyword retrieval"  # biggest part first
    assert all(e.why for e in monday.entries)


def test_a_backfilled_week_of_two_categories_merged_with_hugging_face(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The issue's "done when": a week (Monday to Sunday) of cs.CL + cs.IR merged with the
    Hugging Face list, ranked for a profile and digested with a reason per paper; the weekend
    gets no digest, and a paper both sources list is one entry, summarized once."""
    from fakes import ArxivPaper, FakeArxivAPI, FakeHF, hf_item

    weekdays = ["2024-07-22", "2024-07-23", "2024-07-24", "2024-07-25", "2024-07-26"]
    # a time inside each listing's window (14:00 US-Eastern cut-offs, 18:00Z in July)
    submitted = ["2024-07-19T10:00:00Z", "2024-07-20T09:00:00Z", "2024-07-23T10:00:00Z",
                 "2024-07-24T10:00:00Z", "2024-07-25T10:00:00Z"]
    arxiv, hf = [], {}
    for n, (day, when) in enumerate(zip(weekdays, submitted, strict=True)):
        arxiv += [
            ArxivPaper(f"2407.5{n}001", f"Dense retrieval trick {n}", published=when,
                       categories=("cs.IR",),
                       abstract=f"We propose a retrieval method. It gains {n + 2} points."),
            ArxivPaper(f"2407.5{n}002", f"Parsing study {n}", published=when,
                       categories=("cs.CL",),
                       abstract=f"We study parsing. It gains {n + 3} points."),
        ]
        hf[day] = [
            hf_item(f"2407.6{n}001", f"Popular video model {n}", upvotes=90, day=day,
                    abstract=f"We propose a video model. It gains {n + 4} points."),
            # also in the arXiv listing of that day: merged into one entry
            hf_item(f"2407.5{n}002", f"Parsing study {n}", upvotes=7, day=day,
                    abstract=f"We study parsing. It gains {n + 3} points."),
        ]
    profile = write(tmp_path / "p.toml",
                    'categories = ["cs.IR"]\n[keywords]\nretrieval = 2.0\n')
    with FakeHF(hf) as hf_server, FakeArxivAPI(arxiv) as api:
        monkeypatch.setenv("PAPERDIGEST_HF_URL", hf_server.url)
        monkeypatch.setenv("PAPERDIGEST_ARXIV_API_URL", api.api_url)
        monkeypatch.setenv("PAPERDIGEST_ARXIV_INTERVAL", "0")
        result = run("backfill", "--from", "2024-07-22", "--to", "2024-07-28", "--source",
                     "hf+arxiv:cs.CL,cs.IR", "--backend", "extractive", "--lang", "en",
                     "--db", str(tmp_path / "p.db"), "--out", str(tmp_path / "out"),
                     "--profile", str(profile), "--no-progress")
    assert result.exit_code == 0, result.output
    written = sorted(p.relative_to(tmp_path / "out").as_posix()
                     for p in (tmp_path / "out").rglob("??.en.md"))
    assert written == [f"2024/07/{d}.en.md" for d in ("22", "23", "24", "25", "26")]
    for n, day in enumerate(weekdays):
        path = tmp_path / "out" / f"2024/07/{day[-2:]}.en.md"
        digest = parse_digest(path.read_text("utf-8"))
        ids = [e.id for e in digest.entries]
        assert ids[0] == f"2407.5{n}001"  # the retrieval paper first, though it has no votes
        assert sorted(ids) == sorted({f"2407.5{n}001", f"2407.5{n}002", f"2407.6{n}001"})
        assert "keyword retrieval" in (digest.entries[0].why or "")
        assert all(e.why for e in digest.entries)
    with Store(tmp_path / "p.db") as store:
        assert store.count_summaries() == 15  # 3 papers a weekday, each summarized once
