"""``paperdigest fulltext`` and ``digest --fulltext``: real servers, files and SQLite."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import fulltext_fixtures as F
from fakes import FakeOpenAI, hf_item
from fulltext_fixtures import FakeArxiv, html_reply, pdf_reply
from paperdigest.cli import cli
from paperdigest.fulltext import ArxivFetcher, FulltextInput
from paperdigest.models import Paper
from paperdigest.prompts import abstract_input
from paperdigest.store import Store
from paperdigest.store.fulltext import input_provenance, latest_provenance, source_counts
from paperdigest.summarize.extractive import ExtractiveSummarizer

HTML_ID, PDF_ID, NONE_ID = "2407.14057", "2407.14058", "2407.14059"


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def arxiv(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeArxiv]:
    with FakeArxiv() as server:
        monkeypatch.setenv("PAPERDIGEST_ARXIV_URL", server.url)
        monkeypatch.setenv("PAPERDIGEST_ARXIV_INTERVAL", "0")
        server.routes[f"/html/{HTML_ID}"] = html_reply(F.make_html())
        server.routes[f"/pdf/{PDF_ID}"] = pdf_reply(F.make_pdf())
        yield server  # type: ignore[misc]


# -- paperdigest fulltext ----------------------------------------------------------------------


def test_fulltext_json_of_a_pdf_file(tmp_path: Path) -> None:
    path = tmp_path / "paper.pdf"
    path.write_bytes(F.make_pdf())
    result = run("fulltext", str(path), "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {"source", "sections"}
    assert data["source"] == "pdf"
    assert [s["heading"] for s in data["sections"]][1:] == [
        "1 Introduction",
        "2 Related Work",
        "3 Method",
        "4 Experiments",
        "5 Conclusion",
    ]
    assert all(set(s) == {"heading", "text"} and s["text"] for s in data["sections"])
    assert F.REFERENCE_MARK not in result.stdout


def test_fulltext_text_of_an_html_file(tmp_path: Path) -> None:
    path = tmp_path / "paper.html"
    path.write_text(F.make_html(), encoding="utf-8")
    result = run("fulltext", str(path))
    assert result.exit_code == 0
    assert result.stdout.startswith(f"# {F.TITLE}\n\nsource: html\n")
    assert "\n## 4 Experiments\n\n" in result.stdout
    assert "LazyLLM | 2.34x | 71.2" in result.stdout


def test_fulltext_of_an_arxiv_id(arxiv: FakeArxiv) -> None:
    result = run("fulltext", PDF_ID, "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["source"] == "pdf"
    assert f"{PDF_ID} v2: pdf: html: HTTP 404; pdf: ok" in result.stderr
    again = run("fulltext", PDF_ID, "--json")
    assert again.stdout == result.stdout and "(from the cache)" in again.stderr
    assert len(arxiv.arrivals) == 2


def test_fulltext_budget_preview(tmp_path: Path) -> None:
    path = tmp_path / "paper.html"
    path.write_text(F.make_html(F.paper_parts(body_sentences=60)), encoding="utf-8")
    result = run("fulltext", str(path), "--budget", "600")
    assert result.exit_code == 0
    assert result.stdout.startswith(f"Title: {F.TITLE}\n\nAbstract:\n{F.ABSTRACT}\n")
    assert len(result.stdout) // 4 <= 600
    assert "of 600 tokens; sections: " in result.stderr
    assert "3 Method (cut), 4 Experiments (cut); left out: 2 Related Work" in result.stderr


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["9999.99999"], 2, "neither a file nor an arXiv id"),
        ([NONE_ID], 1, f"no full text for {NONE_ID}: html: HTTP 404; pdf: HTTP 404"),
        (["no/such/file.pdf"], 2, "neither a file nor an arXiv id"),
    ],
)
def test_fulltext_errors_are_one_line(
    arxiv: FakeArxiv, args: list[str], code: int, message: str
) -> None:
    result = run("fulltext", *args)
    assert result.exit_code == code
    assert result.stderr.startswith("error: ") and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (F.make_encrypted_pdf(), "encrypted"),
        (b"%PDF-1.4\n%%EOF", "broken"),
        (F.make_image_only_pdf(), "image-only"),
        (F.ERROR_PAGE.encode(), "not an arXiv paper page"),
    ],
)
def test_fulltext_bad_files_exit_2_with_the_reason(
    tmp_path: Path, data: bytes, message: str
) -> None:
    path = tmp_path / "bad.pdf" if data.startswith(b"%PDF") else tmp_path / "bad.html"
    path.write_bytes(data)
    result = run("fulltext", str(path))
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and message in result.stderr


# -- digest ------------------------------------------------------------------------------------


def day_file(tmp_path: Path) -> Path:
    items = [
        hf_item(HTML_ID, F.TITLE, upvotes=30, abstract=F.ABSTRACT),
        hf_item(PDF_ID, "A paper only as PDF", upvotes=20, abstract="We study PDFs. It works."),
        hf_item(NONE_ID, "A paper with no full text", upvotes=10, abstract="Only this. It works."),
    ]
    path = tmp_path / "day.json"
    path.write_text(json.dumps(items), encoding="utf-8")
    return path


def test_digest_reads_the_full_text_and_records_where_it_came_from(
    tmp_path: Path, arxiv: FakeArxiv, fake_openai: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PAPERDIGEST_FULLTEXT")  # the default: on for an LLM backend
    db = tmp_path / "p.db"
    args = [
        "digest",
        "--source",
        f"file:{day_file(tmp_path)}",
        "--backend",
        "openai",
        "--base-url",
        fake_openai.base_url,
        "--db",
        str(db),
        "--out",
        str(tmp_path / "out"),
    ]
    first = run(*args)
    assert first.exit_code in (0, 1), first.stderr
    assert "full text: 1 from arXiv HTML, 1 from PDF, 1 abstract only" in first.stderr
    assert f"full text {PDF_ID}: pdf in " in first.stderr
    assert "s (html: HTTP 404; pdf: ok (application/pdf, " in first.stderr
    assert sorted(arxiv.paths()) == sorted(
        [
            f"/html/{HTML_ID}",
            f"/html/{PDF_ID}",
            f"/pdf/{PDF_ID}",
            f"/html/{NONE_ID}",
            f"/pdf/{NONE_ID}",
        ]
    )
    # what crossed the wire to the model
    sent = "\n".join(m["content"] for r in fake_openai.chat_requests for m in r["messages"])
    assert F.RESULT_FACT in sent and F.METHOD_FACT in sent
    assert F.REFERENCE_MARK not in sent

    with Store(db) as store:
        assert "m006_fulltext" in store.migrations()
        for paper_id, source in ((HTML_ID, "html"), (PDF_ID, "pdf"), (NONE_ID, "abstract")):
            paper = store.paper(paper_id)
            assert paper is not None
            summary = store.latest_summary(paper_id, "ko")
            assert summary is not None and summary.id is not None
            text = store.input_text(summary.id)
            assert text.startswith(abstract_input(paper))  # a superset of the abstract input
            if source == "abstract":
                assert text == abstract_input(paper)
            else:
                assert "Full text (from the arXiv" in text
            record = input_provenance(store, paper_id, summary.input_hash)
            assert record is not None and record.source == source
            assert record.input_tokens <= record.budget_tokens
        none = latest_provenance(store, NONE_ID)
        assert none is not None and none.reason == "html: HTTP 404; pdf: HTTP 404"
        assert [a["outcome"] for a in none.attempts] == ["missing", "missing"]
        html = latest_provenance(store, HTML_ID)
        assert html is not None and html.arxiv_version == "v2"
        assert [s["heading"] for s in html.sections] == [
            "1 Introduction",
            "2 Related Work",
            "3 Method",
            "4 Experiments",
            "5 Conclusion",
        ]

    requests = len(fake_openai.chat_requests)
    second = run(*args)
    assert "0 summarized now, 3 reused" in second.stderr
    assert len(arxiv.arrivals) == 5  # the rerun fetched nothing
    assert len(fake_openai.chat_requests) == requests

    off = run(*args, "--no-fulltext")
    assert "full text:" not in off.stderr
    assert len(arxiv.arrivals) == 5
    with Store(db) as store:
        paper = store.paper(HTML_ID)
        latest = store.latest_summary(HTML_ID, "ko")
        assert paper is not None and latest is not None and latest.id is not None
        assert store.input_text(latest.id) == abstract_input(paper)  # a distinct summary key
        assert source_counts(store) == {"abstract": 1, "html": 1, "pdf": 1}


def test_digest_extractive_default_reads_no_full_text(
    tmp_path: Path, arxiv: FakeArxiv, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PAPERDIGEST_FULLTEXT")
    result = run(
        "digest",
        "--source",
        f"file:{day_file(tmp_path)}",
        "--backend",
        "extractive",
        "--lang",
        "en",
        "--db",
        str(tmp_path / "p.db"),
        "--out",
        str(tmp_path / "out"),
    )
    assert result.exit_code == 0, result.stderr
    assert arxiv.arrivals == []


def test_builder_uses_the_summarizers_budget_and_tokenizer(arxiv: FakeArxiv) -> None:
    class Tiny(ExtractiveSummarizer):
        input_budget_tokens = 400

        def count_tokens(self, text: str) -> int:
            return len(text.split())  # a "tokenizer" of its own

    builder = FulltextInput.for_summarizer(Tiny(), fetcher=ArxivFetcher())
    paper = Paper(id=HTML_ID, title=F.TITLE, abstract=F.ABSTRACT)
    text = builder(paper)
    assert builder.budget == 400
    assert len(text.split()) <= 400
    assert text.startswith(abstract_input(paper)) and "## 4 Experiments" in text
    assert builder.counts() == {"html": 1}
    builder.close()


def test_budget_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from paperdigest.errors import ConfigError
    from paperdigest.fulltext import budget_for

    assert budget_for(ExtractiveSummarizer()) == ExtractiveSummarizer.input_budget_tokens
    monkeypatch.setenv("PAPERDIGEST_INPUT_BUDGET", "12000")
    assert budget_for(ExtractiveSummarizer()) == 12000
    monkeypatch.setenv("PAPERDIGEST_INPUT_BUDGET", "lots")
    with pytest.raises(ConfigError, match="PAPERDIGEST_INPUT_BUDGET"):
        budget_for(ExtractiveSummarizer())
