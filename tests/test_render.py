from __future__ import annotations

import datetime as dt
import re

from conftest import REFERENCE, SHARED_DAY
from paperdigest.models import Paper, Sections
from paperdigest.render.markdown import digest_path, render_day
from paperdigest.sources.file_snapshot import FileSource

LABELS = ("What's New", "Technical Details", "Performance Highlights")


def shape(line: str) -> str:
    """A line's structural kind: what the golden test compares, ignoring free text."""
    patterns = [
        (r"^## Daily Papers \(\d{4}-\d{2}-\d{2}\)$", "day"),
        (r"^### \[.+\]\(https://arxiv\.org/abs/[\w./-]+\)$", "title"),
        (r"^!\[\]\(https://\S+\)$", "media"),
        (r"^Vote: \d+$", "vote"),
        (r"^Authors:( .*)?$", "authors"),
        (r"^$", "blank"),
    ]
    for label in LABELS:
        patterns.append((rf"^- \*\*{re.escape(label)}\*\*: \S.*$", label))
    for pattern, name in patterns:
        if re.match(pattern, line):
            return name
    return f"?{line[:40]}"


def test_golden_structure_matches_reference_line_for_line(shared_day: list[dict]) -> None:
    listing = FileSource(SHARED_DAY).fetch(None)
    sections = Sections(whats_new="새로운 점입니다.", technical_details="기술입니다.",
                        performance_highlights="성능입니다.")
    ours = render_day(listing.day, [(p, sections) for p in listing.papers])
    reference = REFERENCE.read_text(encoding="utf-8")

    ours_lines, ref_lines = ours.split("\n"), reference.split("\n")
    assert len(ours_lines) == len(ref_lines)
    assert [shape(x) for x in ours_lines] == [shape(x) for x in ref_lines]
    assert not any(s.startswith("?") for s in map(shape, ours_lines))
    # same headings (titles + links), media, votes and order as the reference
    for kind in ("day", "title", "media", "vote"):
        ours_kind = [x for x in ours_lines if shape(x) == kind]
        ref_kind = [x for x in ref_lines if shape(x) == kind]
        assert ours_kind == ref_kind, kind
    assert ours.endswith(".\n\n") and reference.endswith(".\n\n")


def test_titles_and_sections_cannot_break_markdown() -> None:
    paper = Paper(id="2401.00001", title="A [bracket] *star* <script>alert(1)</script> `x`",
                  authors=("O_Brien", "Smith*"), upvotes=2,
                  media_url="https://example.org/a b.png")
    sections = Sections(whats_new="Uses <b>bold</b> and 3 < 4.", technical_details="x",
                        performance_highlights="y")
    text = render_day(dt.date(2024, 1, 2), [(paper, sections)])
    title_line = text.splitlines()[2]
    assert title_line == (r"### [A \[bracket\] \*star\* \<script\>alert(1)\</script\> \`x\`]"
                          "(https://arxiv.org/abs/2401.00001)")
    assert "Authors: O\\_Brien, Smith\\*" in text
    assert "example.org" not in text  # a URL with whitespace is not a URL: no image
    assert r"Uses \<b>bold\</b> and 3 < 4." in text
    assert "<script>" not in text


def test_video_gets_a_link_and_a_video_tag() -> None:
    paper = Paper(id="2401.00001", title="V", upvotes=1,
                  media_url='https://cdn.example.org/v/"clip".mp4')
    sections = Sections(whats_new="a", technical_details="b", performance_highlights="c")
    text = render_day(dt.date(2024, 1, 2), [(paper, sections)])
    assert "[Video](https://cdn.example.org/v/\"clip\".mp4)" in text
    assert '<video src="https://cdn.example.org/v/&quot;clip&quot;.mp4" controls></video>' in text
    assert "![](" not in text


def test_empty_day_and_paths() -> None:
    assert render_day(dt.date(2024, 7, 20), []) == "## Daily Papers (2024-07-20)\n\n"
    assert str(digest_path("out", dt.date(2024, 7, 2), "ko")) == "out/2024/07/02.md"
    assert str(digest_path("out", dt.date(2024, 7, 2), "en")) == "out/2024/07/02.en.md"


def test_footer_says_who_wrote_it_and_what_was_flagged(shared_day: list[dict]) -> None:
    from paperdigest.render.markdown import Provenance
    from paperdigest.render.markdown_parse import parse_digest

    listing = FileSource(SHARED_DAY).fetch(None)
    sections = Sections(whats_new="새로운 점입니다.", technical_details="기술입니다.",
                        performance_highlights="성능입니다.")
    entries = [(p, sections) for p in listing.papers]
    flagged = (("2407.14057", ("key_figures", "numbers")),)
    text = render_day(listing.day, entries, Provenance("local", "tiny-1.5b", "ko", flagged))
    plain = render_day(listing.day, entries)
    head, _, foot = text.partition("\n---\n")
    assert head + "\n" == plain  # the paper blocks keep the reference format
    assert "tiny-1.5b (local)" in foot and "16편 중 15편 통과" in foot
    reader = "성능 부분에 초록의 주요 결과 수치가 없습니다."
    assert f"2407.14057 (key_figures, numbers: {reader} " in foot
    assert "요약의 일부 숫자가 논문에 나오지 않습니다." in foot  # for a reader, not the model
    assert "<!-- paperdigest backend=local model=tiny-1.5b flagged=2407.14057 -->" in foot
    # the format's readers (and paperdigest check) still read every paper
    assert [e.id for e in parse_digest(text).entries] == [p.id for p in listing.papers]
    english = render_day(listing.day, entries, Provenance("openai", "gpt-x", "en"))
    assert "automatic checks: 16 of 16 passed" in english
    read = render_day(listing.day, entries, Provenance(
        "local", "tiny-1.5b", "ko", inputs=(("html", 12), ("abstract", 4))))
    assert "16편 중 16편 통과 · 읽은 내용: 전문 (arXiv HTML) 12편, 초록 4편*" in read
    # nothing a model name could hold ends the comment early
    hostile = render_day(listing.day, entries, Provenance("x", "a-->b<script>", "en"))
    comment = hostile.split("<!--", 1)[1]
    assert comment.count("-->") == 1 and "<script>" not in comment
