"""Reading digests in the reference format back: round trips, the reference, bad input."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from conftest import REFERENCE
from paperdigest.errors import InputError
from paperdigest.models import Paper, Sections
from paperdigest.render.markdown import render_day
from paperdigest.render.markdown_parse import parse_digest, read_digest

DAY = dt.date(2024, 7, 22)

TRICKY = [
    (
        Paper(
            id="2407.00001",
            title="A *bold* [title] with <tags> & pipes | back\\slash_under `code`",
            authors=("Ann O'Neil", "Bo_Li", "C. [D] *E*"),
            upvotes=31,
            media_url="https://example.org/clip%20(1).mp4?x=1&y=2",
        ),
        Sections(
            whats_new="It uses <b>tags</b>, a < b comparisons and \\ backslashes.",
            technical_details="괄호(parentheses)와 **별표**, [대괄호] 그리고 `코드`를 씁니다.",
            performance_highlights="2.34배 빨라졌고 12.3 %의 정확도를 보였습니다.",
        ),
    ),
    (
        Paper(id="2407.00002", title="No authors, no media", upvotes=0),
        Sections(whats_new="첫째", technical_details="둘째", performance_highlights="셋째"),
    ),
    (
        Paper(
            id="2407.00003",
            title="Image",
            authors=("Solo",),
            upvotes=5,
            media_url="https://cdn.example.org/papers/2407.00003.png",
        ),
        Sections(whats_new="a", technical_details="b", performance_highlights="c"),
    ),
]


def test_round_trip_of_the_renderer() -> None:
    text = render_day(DAY, TRICKY)
    digest = parse_digest(text)
    assert digest.day == DAY
    assert [e.id for e in digest.entries] == ["2407.00001", "2407.00002", "2407.00003"]
    first = digest.entries[0]
    paper, sections = TRICKY[0]
    assert first.title == paper.title
    assert first.authors == list(paper.authors)
    assert first.votes == 31
    assert first.media == paper.media_url
    assert first.sections == dict(sections.items())
    assert digest.entries[1].authors == [] and digest.entries[1].media is None
    # and back again: the same bytes
    again = [
        (
            Paper(
                id=e.id,
                title=e.title,
                authors=tuple(e.authors),
                upvotes=e.votes,
                media_url=e.media,
            ),
            Sections(**e.sections),
        )
        for e in digest.entries
    ]
    assert render_day(DAY, again) == text


def test_reads_the_shared_reference() -> None:
    if not REFERENCE.exists():
        pytest.skip("../shared/reference is not present")
    digest = read_digest(REFERENCE)
    assert digest.day == DAY
    assert len(digest.entries) == 16
    lazy = next(e for e in digest.entries if e.id == "2407.14057")
    assert lazy.title.startswith("LazyLLM: Dynamic Token Pruning")
    assert lazy.votes == 18 and len(lazy.authors) == 6
    assert (
        lazy.media
        == "https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/2407.14057.png"
    )
    assert all(e.complete for e in digest.entries)
    assert lazy.sections["performance_highlights"].startswith("LazyLLM은 기존의 transformer")


def _digest(*block_lines: str) -> str:
    return "\n".join(["## Daily Papers (2024-07-22)", "", *block_lines, ""])


BLOCK = [
    "### [Title](https://arxiv.org/abs/2407.14057)",
    "",
    "![](https://x.org/a.png)",
    "",
    "Vote: 3",
    "",
    "Authors: A, B",
    "",
    "- **What's New**: 새로운 것",
    "- **Technical Details**: 기술",
    "- **Performance Highlights**: 성능",
]


@pytest.mark.parametrize(
    ("lines", "words"),
    [
        (["### Title without link", *BLOCK[1:]], "line 3: expected a paper title"),
        ([*BLOCK[:4], "Votes: many", *BLOCK[5:]], "line 7: expected 'Vote: N'"),
        ([*BLOCK[:6], "By: A, B", *BLOCK[7:]], "line 9: expected 'Authors: ...'"),
        ([*BLOCK[:9], "- **Technical Details** no colon", *BLOCK[10:]], "line 12"),
        ([*BLOCK[:9], "- **Summary**: x", *BLOCK[10:]], "line 12: unknown section 'Summary'"),
        ([*BLOCK[:9], "- **Technical Details**:", *BLOCK[10:]], "line 12: the 'Technical"),
        ([*BLOCK[:9], "- **What's New**: again", *BLOCK[10:]], "line 12: a second"),
        ([*BLOCK, "", *BLOCK], "line 15: paper 2407.14057 is listed twice"),
        ([BLOCK[0].replace("arxiv.org/abs", "example.org"), *BLOCK[1:]], "not an arXiv paper"),
        (BLOCK[:8], "has no section lines"),
    ],
)
def test_malformed_digests_name_the_line(lines: list[str], words: str) -> None:
    with pytest.raises(InputError) as info:
        parse_digest(_digest(*lines), where="d.md")
    assert words in info.value.message
    assert info.value.exit_code == 2


def test_a_digest_without_its_header() -> None:
    with pytest.raises(InputError, match=r"line 2: expected '## Daily Papers \(YYYY-MM-DD\)'"):
        parse_digest("\n# Daily Papers\n\n" + "\n".join(BLOCK))
    with pytest.raises(InputError, match="2024-13-01 is not a date"):
        parse_digest("## Daily Papers (2024-13-01)\n")


def test_a_missing_section_line_is_recorded_as_absent() -> None:
    lines = [line for line in BLOCK if "Technical" not in line]
    (entry,) = parse_digest(_digest(*lines)).entries
    assert set(entry.sections) == {"whats_new", "performance_highlights"}
    assert not entry.complete


def test_unreadable_files(tmp_path: Path) -> None:
    latin1 = tmp_path / "latin1.md"
    raw = _digest(*BLOCK).encode("utf-8").replace(b"A, B", "Jos\u00e9".encode("latin-1"))
    latin1.write_bytes(raw)
    with pytest.raises(InputError, match=r"is not UTF-8 \(line 9"):
        read_digest(latin1)
    with pytest.raises(InputError, match="digest not found"):
        read_digest(tmp_path / "nope.md")
    with pytest.raises(InputError, match="is empty"):
        parse_digest("\n\n")
