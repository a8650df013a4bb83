"""Extraction from generated PDFs and LaTeXML-shaped HTML, the token budget, arXiv ids."""

from __future__ import annotations

import re
from pathlib import Path

import pymupdf
import pytest

import fulltext_fixtures as F
from paperdigest.errors import ArxivIdError
from paperdigest.fulltext import (
    ExtractError,
    build_budgeted,
    extract_file,
    extract_html,
    extract_pdf,
    parse_arxiv_id,
)
from paperdigest.fulltext.budget import classify, kind_of
from paperdigest.fulltext.document import Document, Section
from paperdigest.models import Paper
from paperdigest.prompts import abstract_input

HEADINGS = [
    "Abstract",
    "1 Introduction",
    "2 Related Work",
    "3 Method",
    "4 Experiments",
    "5 Conclusion",
]
DROPPED = (F.REFERENCE_MARK, F.ACK_MARK, F.APPENDIX_MARK, F.HEADER_MARK, "FOOTNOTE-TEXT")


def all_text(doc: Document) -> str:
    return "\n".join(f"{s.heading}\n{s.text}" for s in doc.sections)


def section(doc: Document, heading: str) -> str:
    return next(s.text for s in doc.sections if s.heading == heading)


# -- PDF ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("columns", [1, 2])
def test_pdf_sections_found_furniture_and_references_dropped_numbers_kept(columns: int) -> None:
    doc = extract_pdf(F.make_pdf(columns=columns))
    assert doc.source == "pdf"
    assert [s.heading for s in doc.sections] == HEADINGS
    assert doc.title == F.TITLE
    assert doc.version == "v2"  # from arXiv's sideways stamp, which is not in the text
    text = all_text(doc)
    for mark in DROPPED:
        assert mark not in text
    assert "arXiv:2407.14057" not in text
    assert not [line for line in text.splitlines() if re.fullmatch(r"\d{1,3}", line.strip())]
    assert F.METHOD_FACT in section(doc, "3 Method")
    assert "3.1 Progressive Pruning" in section(doc, "3 Method").splitlines()
    results = section(doc, "4 Experiments")
    assert F.RESULT_FACT in results
    assert F.CAPTION in results
    assert "LazyLLM 2.34x 71.2" in results.splitlines()  # a table row on its own line
    assert section(doc, "Abstract") == F.ABSTRACT
    assert any("References" in note for note in doc.notes)


def test_pdf_hyphenated_words_are_mended() -> None:
    doc = pymupdf.open()
    w = F._Writer(doc, 1, None)
    w.line("1 Introduction", 12, "tibo")
    w.line("We study the compu-", 10, "tiro")
    w.line("tation of attention for long prompts, and a well-known trick.", 10, "tiro")
    w.line("2 Method", 12, "tibo")
    w.wrapped(" ".join(F.filler(2, 12)))
    data = doc.tobytes()
    intro = section(extract_pdf(data), "1 Introduction")
    assert (
        intro == "We study the computation of attention for long prompts, and a well-known trick."
    )


def test_pdf_long_paper_is_read_to_the_end_of_the_body() -> None:
    data = F.make_pdf(F.paper_parts(body_sentences=60), min_pages=20)
    doc = extract_pdf(data)
    assert [s.heading for s in doc.sections] == HEADINGS
    assert F.REFERENCE_MARK not in all_text(doc)
    notes = " ".join(doc.notes)
    assert re.search(r"dropped (\d+) header/footer", notes)
    dropped = int(re.search(r"dropped (\d+) header/footer", notes).group(1))  # type: ignore[union-attr]
    assert dropped >= 2 * 19  # a running header and a page number on (nearly) every page


def test_encrypted_pdf_is_refused_with_a_reason() -> None:
    with pytest.raises(ExtractError, match="encrypted"):
        extract_pdf(F.make_encrypted_pdf())


def test_image_only_pdf_is_refused_with_a_reason() -> None:
    with pytest.raises(ExtractError, match="image-only"):
        extract_pdf(F.make_image_only_pdf())


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"<html><body>Not a PDF</body></html>", "not a PDF"),
        (b"%PDF-1.7\n garbage garbage", "broken|no pages|almost no text"),
    ],
)
def test_broken_pdfs_are_refused_with_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(ExtractError, match=reason):
        extract_pdf(data)


@pytest.mark.parametrize("keep", [0.2, 0.5, 0.8, 0.95])
def test_truncated_pdf_gives_sections_or_a_clear_reason(keep: float) -> None:
    data = F.make_pdf(F.paper_parts(body_sentences=30))
    cut = data[: int(len(data) * keep)]
    try:
        doc = extract_pdf(cut)
    except ExtractError as exc:
        assert exc.message  # refused with a reason, not a crash
    else:
        assert doc.sections and any("repaired" in n for n in doc.notes)


def test_pdf_without_headings_is_refused() -> None:
    parts = [F.Part("", [" ".join(F.filler(5, 40))])]
    data = F.make_pdf(parts, acknowledgements=False, appendix=False, references=0)
    # only "Abstract" and "References" are headings: there is no body section
    with pytest.raises(ExtractError, match="no section"):
        extract_pdf(data)


# -- HTML --------------------------------------------------------------------------------------


def test_html_sections_tables_math_kept_furniture_dropped() -> None:
    doc = extract_html(F.make_html().encode("utf-8"))
    assert doc.source == "html"
    assert [s.heading for s in doc.sections] == HEADINGS
    assert doc.title == F.TITLE
    text = all_text(doc)
    for mark in (*DROPPED, "Report issue", "Generated by LaTeXML", "[1]"):
        assert mark not in text
    assert "O(n^{2})" in section(doc, "1 Introduction")  # math as its TeX
    method = section(doc, "3 Method")
    assert F.METHOD_FACT in method
    assert "3.1 Progressive Pruning" in method.splitlines()
    results = section(doc, "4 Experiments")
    assert F.RESULT_FACT in results
    assert F.CAPTION in results.splitlines()
    assert "LazyLLM | 2.34x | 71.2" in results.splitlines()
    assert "Baseline | 1.00x | 71.8" in results.splitlines()
    assert section(doc, "Abstract") == F.ABSTRACT


def test_html_appendix_and_acknowledgement_sections_by_heading() -> None:
    page = F.make_html().replace(
        '<div class="ltx_acknowledgements">',
        '<section class="ltx_section"><h2 class="ltx_title ltx_title_section">Acknowledgments'
        "</h2><p>Thanks to SECTION-ACK.</p></section>"
        '<section class="ltx_section"><h2 class="ltx_title ltx_title_section">Appendix</h2>'
        '<p>SECTION-APPENDIX</p></section><div class="ltx_acknowledgements">',
    )
    text = all_text(extract_html(page))
    assert "SECTION-ACK" not in text and "SECTION-APPENDIX" not in text


@pytest.mark.parametrize(
    ("page", "reason"),
    [
        (F.ERROR_PAGE, "not an arXiv paper page.*HTML not available"),
        (F.NO_SECTIONS_PAGE, "no sections"),
        ("", "empty"),
        (
            "<html><body><article class='ltx_document'><section class='ltx_section'>"
            "<h2 class='ltx_title'>1 Intro</h2><p>Short.</p></section></article></body></html>",
            "almost no text",
        ),
    ],
)
def test_unusable_html_is_refused_with_a_reason(page: str, reason: str) -> None:
    with pytest.raises(ExtractError, match=reason):
        extract_html(page)


def test_html_in_another_encoding_is_read() -> None:
    page = F.make_html().replace("Ada Lovelace", "Ada Lövelace")
    doc = extract_html(page.encode("cp1252", errors="replace"))
    assert [s.heading for s in doc.sections] == HEADINGS


def test_extract_file_tells_pdf_from_html_by_content(tmp_path: Path) -> None:
    pdf = tmp_path / "paper.bin"
    pdf.write_bytes(F.make_pdf())
    page = tmp_path / "paper.pdf.html"
    page.write_text(F.make_html(), encoding="utf-8")
    assert extract_file(pdf).source == "pdf"
    assert extract_file(page).source == "html"


# -- budget ------------------------------------------------------------------------------------


PAPER = Paper(id="2407.14057", title=F.TITLE, abstract=F.ABSTRACT)


def long_document() -> Document:
    return extract_html(F.make_html(F.paper_parts(body_sentences=80)))


def chars4(text: str) -> int:
    return max(1, len(text) // 4)


def words(text: str) -> int:
    return len(text.split())


@pytest.mark.parametrize("count", [chars4, words, len], ids=["chars/4", "words", "chars"])
@pytest.mark.parametrize("budget", [150, 400, 900, 2000, 5000, 100_000])
def test_budget_is_a_superset_of_the_abstract_input_and_fits(count, budget: int) -> None:  # type: ignore[no-untyped-def]
    doc = long_document()
    built = build_budgeted(PAPER, doc, budget, count)
    assert built.text.startswith(abstract_input(PAPER))
    if count(abstract_input(PAPER)) <= budget:
        assert count(built.text) <= budget
        assert built.tokens == count(built.text)
    else:
        assert built.text == abstract_input(PAPER)


def test_budget_priority_results_then_method_then_introduction() -> None:
    doc = long_document()
    prefix = chars4(abstract_input(PAPER)) + 20  # the prefix and the "Full text" line

    def kinds(room: int) -> set[str]:
        built = build_budgeted(PAPER, doc, prefix + room, chars4)
        assert built.tokens <= prefix + room
        return {p.kind for p in built.parts}

    assert kinds(150) == {"results"}
    assert kinds(320) == {"results", "method"}
    assert kinds(520) == {"results", "method", "introduction"}
    assert kinds(800) == {"results", "method", "introduction", "conclusion"}
    tight = build_budgeted(PAPER, doc, prefix + 800, chars4)
    assert "4 Experiments" in {p.heading for p in tight.parts}
    assert "2 Related Work" in tight.dropped
    share = {p.kind: p.tokens for p in tight.parts}
    assert share["results"] == max(share.values())

    roomy = build_budgeted(PAPER, doc, 1_000_000, chars4)
    assert [p.heading for p in roomy.parts] == HEADINGS[1:]  # everything, in reading order
    assert not roomy.cut
    assert F.RESULT_FACT in roomy.text and F.METHOD_FACT in roomy.text
    assert roomy.text.index("## 1 Introduction") < roomy.text.index("## 4 Experiments")


def test_cut_sections_end_on_a_boundary_and_say_so() -> None:
    doc = long_document()
    built = build_budgeted(PAPER, doc, 1500, chars4)
    assert built.cut
    for part in built.parts:
        if part.cut:
            assert part.tokens < part.full_tokens
    assert "[…]" in built.text


def test_no_document_or_no_room_gives_exactly_the_abstract_input() -> None:
    assert build_budgeted(PAPER, None, 6000, chars4).text == abstract_input(PAPER)
    doc = long_document()
    tiny = build_budgeted(PAPER, doc, chars4(abstract_input(PAPER)) + 5, chars4)
    assert tiny.text == abstract_input(PAPER)
    assert tiny.dropped and not tiny.parts


def test_missing_abstract_is_taken_from_the_paper() -> None:
    paper = Paper(id="2407.14057", title=F.TITLE, abstract="")
    built = build_budgeted(paper, long_document(), 4000, chars4)
    assert built.text.startswith(f"Title: {F.TITLE}\n\nAbstract:\n{F.ABSTRACT}")


def test_unnamed_sections_are_classified_by_position() -> None:
    sections = [
        Section(h, "text")
        for h in (
            "1 Introduction",
            "2 LazyLLM",
            "3 Experiments",
            "4 What we saw",
            "5 Conclusion",
            "6 Odds and ends",
        )
    ]
    assert classify(sections) == [
        "introduction",
        "method",
        "results",
        "results",
        "conclusion",
        "other",
    ]
    assert kind_of("4.2 Main Results") == "results"
    assert kind_of("III. Proposed Approach") == "method"
    assert kind_of("Related Work") == "background"


# -- ids ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "base", "version"),
    [
        ("2407.14057", "2407.14057", None),
        ("2407.14057v2", "2407.14057", "v2"),
        ("arXiv:2407.14057v12", "2407.14057", "v12"),
        ("https://arxiv.org/abs/2407.14057v1", "2407.14057", "v1"),
        ("https://arxiv.org/pdf/2407.14057.pdf", "2407.14057", None),
        ("0704.0001", "0704.0001", None),
        ("1412.9999v3", "1412.9999", "v3"),
        ("hep-th/9901001", "hep-th/9901001", None),
        ("hep-th/9901001v3", "hep-th/9901001", "v3"),
        ("math.AG/0601001", "math.AG/0601001", None),
    ],
)
def test_arxiv_ids(text: str, base: str, version: str | None) -> None:
    aid = parse_arxiv_id(text)
    assert (aid.base, aid.version) == (base, version)
    assert "/" not in aid.slug


@pytest.mark.parametrize(
    "text",
    [
        "",
        "2407.1405",
        "1412.99999",
        "2413.14057",
        "0612.1234",
        "2407.14057v0",
        "hep-th/99",
        "../../etc/passwd",
        "2407.14057/../x",
    ],
)
def test_bad_arxiv_ids_are_refused(text: str) -> None:
    with pytest.raises(ArxivIdError, match="arXiv id"):
        parse_arxiv_id(text)
