"""Read a digest in the reference Markdown format back into records (see ``render/markdown.py``).

Reads what :func:`~paperdigest.render.markdown.render_day` writes (undoing its escapes) and
digests made by other tools in the same format. A line that does not fit raises
:class:`~paperdigest.errors.InputError` naming the line. A section line that is absent is
recorded as absent (the structure check reports it); a section line with no text is an error.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from ..models import SECTION_KEYS, SECTION_LABELS

_HEADER = re.compile(r"^## Daily Papers \((\d{4}-\d{2}-\d{2})\)\s*$")
_TITLE = re.compile(r"^### \[((?:\\.|[^\\\]])*)\]\((\S+)\)\s*$")
_IMAGE = re.compile(r"^!\[[^\]]*\]\((\S+)\)\s*$")
_VIDEO_LINK = re.compile(r"^\[Video\]\((\S+)\)\s*$")
_VIDEO_TAG = re.compile(r'^<video\b[^>]*?(?:\ssrc="([^"]*)")?[^>]*>\s*</video>\s*$')
_VOTE = re.compile(r"^Vote:\s*(\d+)\s*$")
_AUTHORS = re.compile(r"^Authors:(?: (.*))?$")
_WHY = re.compile(r"^Why: (.*)$")
_SECTION = re.compile(r"^- \*\*(.+?)\*\*:(?:\s(.*))?$")
_ARXIV_ID = re.compile(r"^https?://(?:www\.)?arxiv\.org/(?:abs|pdf)/([^/?#]+?)(?:v\d+)?(?:\.pdf)?$")
_INLINE_ESCAPE = re.compile(r"\\([\\`*_\[\]<>&|])")
_LABEL_KEYS = {label: key for key, label in SECTION_LABELS.items()}
FOOTER_RULE = "---"


@dataclass
class DigestEntry:
    """One paper block of a digest."""

    id: str
    title: str
    media: str | None
    votes: int
    authors: list[str]
    sections: dict[str, str]  # section key -> text; a key is absent when its line is
    line: int  # the line number of the block's title
    url: str = ""
    why: str | None = None  # the reader's profile's reason, when the digest has one

    @property
    def complete(self) -> bool:
        return all(self.sections.get(k) for k in SECTION_KEYS)


@dataclass
class ParsedDigest:
    day: dt.date
    entries: list[DigestEntry] = field(default_factory=list)


def unescape_inline(text: str) -> str:
    return _INLINE_ESCAPE.sub(r"\1", text)


_SECTION_ESCAPE = re.compile(r"\\([\[\]<])")


def unescape_section(text: str) -> str:
    return _SECTION_ESCAPE.sub(r"\1", text)


def _paper_id(url: str, line: int, where: str) -> str:
    match = _ARXIV_ID.match(url)
    if match:
        return match.group(1)
    raise InputError(f"{where} line {line}: the title links to {url!r}, not an arXiv paper")


def parse_digest(text: str, *, where: str = "digest") -> ParsedDigest:
    """Parse a whole digest. ``where`` names it in error messages (a path)."""
    lines = text.splitlines()
    numbered = [(i + 1, line.rstrip()) for i, line in enumerate(lines)]
    body = [(n, line) for n, line in numbered if line.strip()]
    # A "---" line ends the papers: what follows is the footer (who wrote the summaries).
    for k, (_, line) in enumerate(body):
        if line.strip() == FOOTER_RULE:
            body = body[:k]
            break
    if not body:
        raise InputError(f"{where} is empty")
    first_no, first = body[0]
    header = _HEADER.match(first)
    if not header:
        raise InputError(
            f"{where} line {first_no}: expected '## Daily Papers (YYYY-MM-DD)', found "
            f"{_show(first)}"
        )
    try:
        day = dt.date.fromisoformat(header.group(1))
    except ValueError:
        raise InputError(f"{where} line {first_no}: {header.group(1)} is not a date") from None
    digest = ParsedDigest(day)
    seen: dict[str, int] = {}
    i = 1
    while i < len(body):
        entry, i = _parse_block(body, i, where)
        if entry.id in seen:
            raise InputError(
                f"{where} line {entry.line}: paper {entry.id} is listed twice (first at line "
                f"{seen[entry.id]})"
            )
        seen[entry.id] = entry.line
        digest.entries.append(entry)
    return digest


def _show(line: str) -> str:
    return repr(line if len(line) <= 60 else line[:57] + "...")


def _parse_block(body: list[tuple[int, str]], i: int, where: str) -> tuple[DigestEntry, int]:
    line_no, line = body[i]
    title = _TITLE.match(line)
    if not title:
        raise InputError(
            f"{where} line {line_no}: expected a paper title '### [Title](https://arxiv.org/abs/"
            f"ID)', found {_show(line)}"
        )
    url = title.group(2)
    entry = DigestEntry(
        id=_paper_id(url, line_no, where),
        title=unescape_inline(title.group(1)),
        media=None,
        votes=0,
        authors=[],
        sections={},
        line=line_no,
        url=url,
    )
    i += 1

    def current() -> tuple[int, str]:
        if i >= len(body):
            return body[-1][0] + 1, ""
        return body[i]

    n, text = current()
    if match := _IMAGE.match(text):
        entry.media = match.group(1)
        i += 1
    elif match := _VIDEO_LINK.match(text):
        entry.media = match.group(1)
        i += 1
        tag = _VIDEO_TAG.match(body[i][1]) if i < len(body) else None
        if tag:
            if tag.group(1):
                entry.media = html.unescape(tag.group(1))  # the URL before link escaping
            i += 1
    n, text = current()
    vote = _VOTE.match(text)
    if not vote:
        raise InputError(f"{where} line {n}: expected 'Vote: N', found {_show(text)}")
    entry.votes = int(vote.group(1))
    i += 1
    n, text = current()
    authors = _AUTHORS.match(text)
    if not authors:
        raise InputError(f"{where} line {n}: expected 'Authors: ...', found {_show(text)}")
    names = (authors.group(1) or "").strip()
    entry.authors = [unescape_inline(a.strip()) for a in names.split(", ")] if names else []
    i += 1
    n, text = current()
    if why := _WHY.match(text):
        entry.why = unescape_inline(why.group(1).strip())
        i += 1
    while i < len(body):
        n, text = body[i]
        if text.startswith("### "):
            break
        section = _SECTION.match(text)
        if not section:
            raise InputError(
                f"{where} line {n}: expected a section line '- **What's New**: ...', found "
                f"{_show(text)}"
            )
        label = section.group(1)
        key = _LABEL_KEYS.get(label)
        if key is None:
            raise InputError(
                f"{where} line {n}: unknown section {label!r} (expected "
                f"{', '.join(SECTION_LABELS.values())})"
            )
        if key in entry.sections:
            raise InputError(f"{where} line {n}: a second {label!r} section for {entry.id}")
        content = (section.group(2) or "").strip()
        if not content:
            raise InputError(f"{where} line {n}: the {label!r} section of {entry.id} is empty")
        entry.sections[key] = unescape_section(content)
        i += 1
    if not entry.sections:
        raise InputError(f"{where} line {entry.line}: paper {entry.id} has no section lines")
    return entry, i


def read_digest(path: str | Path) -> ParsedDigest:
    """Read and parse a digest file: missing, unreadable and non-UTF-8 files are InputErrors."""
    from ..fsutil import read_text

    path = Path(path)
    text = read_text(path, what="digest")
    return parse_digest(text, where=str(path))


__all__ = [
    "DigestEntry",
    "ParsedDigest",
    "parse_digest",
    "read_digest",
    "unescape_inline",
    "unescape_section",
]
