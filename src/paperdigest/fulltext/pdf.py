"""Sections from a paper's PDF with pymupdf: headings from numbering, font size and weight.

Steps: read every text line with its font size, weight and position; drop page furniture
(running headers and footers repeated across pages, page numbers, arXiv's sideways stamp); take
the body font size as the most common one; accept a line as a heading when it is styled (bold or
larger than the body) and either numbered in sequence ("3", "3.1", "III.") or a known section
name; then cut the text at the headings. The front matter before the first heading, the
acknowledgements, the references and everything after them, and appendices are dropped. Table
cells and captions stay as text lines, so their numbers reach the model.
"""

from __future__ import annotations

import os
import re
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

if "pymupdf" not in sys.modules and os.environ.get("PAPERDIGEST_PYMUPDF_LAYOUT") != "1":
    # pymupdf 2.x imports its optional helpers eagerly when they are installed: the ONNX layout
    # model (pymupdf.layout) and pymupdf4llm, with numpy and onnxruntime. Only get_text() is used
    # here; skipping them saves ~90 MB of RSS and ~0.4 s per process (bench/RESULTS.md).
    sys.modules.setdefault("pymupdf.layout", None)  # type: ignore[arg-type]
    sys.modules.setdefault("pymupdf4llm", None)  # type: ignore[arg-type]

import pymupdf

from ..errors import ExtractError
from .document import Document, Section, clean_heading

MAX_PAGES = 80  # pages read at most; references and appendices come after the body anyway
MARGIN = 0.08  # share of the page height at the top and the bottom where furniture lives
MIN_CHARS_PER_PAGE = 100  # less text than this on average: an image-only (scanned) PDF

_ARXIV_STAMP = re.compile(r"^arXiv:\s*(?P<id>\S+?)(?P<v>v\d+)\s+\[[^\]]+\]", re.IGNORECASE)
_PAGE_NUMBER = re.compile(r"^(?:page\s*)?\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?$", re.IGNORECASE)
_NUMBERED = re.compile(
    r"^(?P<num>\d{1,2}(?:\.\d{1,2}){0,3}|[IVX]{1,5}|[A-H])(?P<dot>\.?)\s+(?P<title>\S.{0,100})$"
)
_NUMERIC_TOKEN = re.compile(r"^[(\[]?[-+±]?\d[\d.,]*(?:%|x|×|k|M|B)?[)\]]?[,;]?$")
_BOLD_FONT = re.compile(r"bold|black|heavy|semibold|medi|cmbx|\.b$|-bd\b|,bold", re.IGNORECASE)

# Unnumbered headings accepted when styled. Values: what to do with the section.
KNOWN_HEADINGS: dict[str, str] = {
    "abstract": "keep",
    "introduction": "keep",
    "related work": "keep",
    "related works": "keep",
    "background": "keep",
    "preliminaries": "keep",
    "method": "keep",
    "methods": "keep",
    "methodology": "keep",
    "approach": "keep",
    "experiments": "keep",
    "experimental setup": "keep",
    "experimental results": "keep",
    "results": "keep",
    "evaluation": "keep",
    "discussion": "keep",
    "analysis": "keep",
    "conclusion": "keep",
    "conclusions": "keep",
    "conclusion and future work": "keep",
    "limitations": "keep",
    "broader impact": "keep",
    "ethics statement": "keep",
    "acknowledgements": "skip",
    "acknowledgments": "skip",
    "acknowledgement": "skip",
    "acknowledgment": "skip",
    "author contributions": "skip",
    "references": "stop",
    "bibliography": "stop",
    "appendix": "stop",
    "appendices": "stop",
    "supplementary material": "stop",
}


@dataclass
class _Line:
    text: str
    size: float
    bold: bool
    y0: float
    y1: float
    page: int
    block: int
    page_height: float


@dataclass
class _Heading:
    index: int  # position in the line list
    text: str
    level: int
    action: str  # keep | skip | stop


def _bold(span: dict[str, object]) -> bool:
    flags = span.get("flags", 0)
    font = str(span.get("font", ""))
    return bool(isinstance(flags, int) and flags & 16) or bool(_BOLD_FONT.search(font))


def _join_spans(spans: list[dict[str, object]]) -> str:
    out = ""
    prev_x1: float | None = None
    for span in spans:
        text = str(span.get("text", ""))
        bbox = span.get("bbox", (0, 0, 0, 0))
        x0 = float(bbox[0])  # type: ignore[index]
        size = float(span.get("size", 10))  # type: ignore[arg-type]
        if (
            prev_x1 is not None
            and out
            and text
            and not out.endswith(" ")
            and not text.startswith(" ")
            and x0 - prev_x1 > size * 0.15
        ):
            out += " "
        out += text
        prev_x1 = float(bbox[2])  # type: ignore[index]
    return out


def _read_lines(doc: pymupdf.Document, max_pages: int) -> tuple[list[_Line], int, str | None]:
    """Every horizontal text line of the first ``max_pages`` pages; (lines, pages, version)."""
    flags = pymupdf.TEXT_PRESERVE_WHITESPACE | pymupdf.TEXT_MEDIABOX_CLIP
    lines: list[_Line] = []
    version: str | None = None
    pages = 0
    failed = 0
    for number in range(min(doc.page_count, max_pages)):
        try:
            page = doc.load_page(number)  # type: ignore[no-untyped-call]
            data = page.get_text("dict", flags=flags)
        except (RuntimeError, ValueError):
            failed += 1
            continue
        pages += 1
        height = float(page.rect.height) or 792.0
        for block_no, block in enumerate(data.get("blocks", [])):
            if block.get("type", 0) != 0:
                continue
            for line in block.get("lines", []):
                direction = line.get("dir", (1.0, 0.0))
                spans = [s for s in line.get("spans", []) if str(s.get("text", "")).strip()]
                if not spans:
                    continue
                text = " ".join(_join_spans(spans).split())
                stamp = _ARXIV_STAMP.match(text)
                if stamp:
                    version = version or stamp.group("v")
                    continue
                if abs(float(direction[1])) > 0.1 or float(direction[0]) < 0:
                    continue  # sideways text: arXiv's stamp, rotated labels
                sizes = Counter[float]()
                for span in spans:
                    sizes[round(float(span.get("size", 0)), 1)] += len(str(span["text"]).strip())
                bbox = line.get("bbox", (0, 0, 0, 0))
                lines.append(
                    _Line(
                        text=text,
                        size=sizes.most_common(1)[0][0],
                        bold=all(_bold(s) for s in spans),
                        y0=float(bbox[1]),
                        y1=float(bbox[3]),
                        page=number,
                        block=block_no,
                        page_height=height,
                    )
                )
    if pages == 0 and failed:
        raise ExtractError(f"none of the PDF's {failed} pages can be read")
    return lines, pages, version


def _furniture(lines: list[_Line], pages: int) -> set[int]:
    """Indexes of running headers/footers and page numbers."""

    def in_margin(line: _Line) -> bool:
        band = line.page_height * MARGIN
        return line.y1 <= band or line.y0 >= line.page_height - band

    def key(text: str) -> str:
        return re.sub(r"\d+", "#", text.lower()).strip()

    seen: dict[str, set[int]] = {}
    for line in lines:
        if in_margin(line):
            seen.setdefault(key(line.text), set()).add(line.page)
    repeated = {k for k, on in seen.items() if len(on) >= max(2, pages // 2)}
    drop: set[int] = set()
    for i, line in enumerate(lines):
        if not in_margin(line):
            continue
        if _PAGE_NUMBER.match(line.text) or key(line.text) in repeated:
            drop.add(i)
    return drop


def _body_size(lines: Iterable[_Line]) -> float:
    weights = Counter[float]()
    for line in lines:
        weights[line.size] += len(line.text)
    if not weights:
        return 10.0
    return weights.most_common(1)[0][0]


def _name_action(title: str) -> str | None:
    name = title.lower().rstrip(":. ").strip()
    name = re.sub(r"\s+", " ", name)
    return KNOWN_HEADINGS.get(name)


def _looks_like_title(title: str) -> bool:
    if len(title) > 90 or len(title.split()) > 12:
        return False
    if title.endswith((".", ",", ";")) and not title.endswith("etc."):
        return False
    digits = sum(ch.isdigit() for ch in title)
    if digits > len(title) * 0.25 or "|" in title or "%" in title:
        return False
    return not title[0].islower()


def _find_headings(lines: list[_Line], keep: list[int], body: float) -> list[_Heading]:
    """Headings among the kept lines, checked for numbering order."""
    headings: list[_Heading] = []
    top: int | None = None  # the last accepted top-level number (arabic or roman)
    roman_style = False
    top_sizes: list[float] = []
    candidates: list[tuple[int, _Line]] = []
    for i in keep:
        line = lines[i]
        styled = line.bold or line.size >= body * 1.12
        if styled and len(line.text) <= 110:
            candidates.append((i, line))

    for i, line in candidates:
        text = line.text.strip()
        action = _name_action(text)
        match = _NUMBERED.match(text)
        if match and _looks_like_title(match.group("title").strip()):
            num = match.group("num")
            title = match.group("title").strip()
            named = _name_action(title)
            if num.isdigit():
                value = int(num)
                if (top is None and value <= 2) or (top is not None and value == top + 1):
                    top = value
                    roman_style = False
                    top_sizes.append(line.size)
                    headings.append(_Heading(i, text, 1, named or "keep"))
                    continue
                if top is not None and value == top:
                    continue  # a list item or a repeated number, not a new section
            elif "." in num and num.replace(".", "").isdigit():
                parent = int(num.split(".")[0])
                if top is not None and parent == top and not roman_style:
                    headings.append(_Heading(i, text, num.count(".") + 1, "keep"))
                    continue
            elif re.fullmatch(r"[IVX]+", num) and match.group("dot"):
                value = _roman(num)
                if (top is None and value <= 2) or (top is not None and value == top + 1):
                    top = value
                    roman_style = True
                    top_sizes.append(line.size)
                    headings.append(_Heading(i, text, 1, named or "keep"))
                    continue
            elif len(num) == 1 and num.isalpha():
                if roman_style and match.group("dot"):
                    headings.append(_Heading(i, text, 2, "keep"))
                    continue
                # "A Proofs" after the numbered body, as big as its headings: an appendix
                if (
                    top is not None
                    and not roman_style
                    and not match.group("dot")
                    and (not top_sizes or abs(line.size - max(top_sizes)) <= 0.6)
                ):
                    headings.append(_Heading(i, text, 1, "stop"))
                    continue
        if action is not None:
            headings.append(_Heading(i, text, 1, action))
    return headings


def _roman(text: str) -> int:
    values = {"I": 1, "V": 5, "X": 10}
    total = 0
    for a, b in zip(text, [*text[1:], ""], strict=True):
        v = values[a]
        total += -v if b and values[b] > v else v
    return total


def _tabular(text: str) -> bool:
    """A short line that is mostly numbers: a table row."""
    tokens = text.split()
    numeric = sum(1 for t in tokens if _NUMERIC_TOKEN.match(t))
    return numeric >= 2 and numeric * 3 >= len(tokens) and len(tokens) <= 16


def _paragraphs(lines: list[_Line]) -> str:
    """Join lines into paragraphs (a new one at each text block), mending hyphenated words."""
    paragraphs: list[str] = []
    current = ""
    last_block: tuple[int, int] | None = None
    for line in lines:
        where = (line.page, line.block)
        if last_block is not None and where != last_block and current:
            paragraphs.append(current)
            current = ""
        last_block = where
        text = line.text
        if not current:
            current = text
        elif _tabular(text) or _tabular(current.rsplit("\n", 1)[-1]):
            current = f"{current}\n{text}"  # table rows keep their own lines
        elif re.search(r"[A-Za-z]-$", current) and text[:1].islower():
            current = current[:-1] + text
        else:
            current = f"{current} {text}"
    if current:
        paragraphs.append(current)
    return "\n\n".join(paragraphs)


def _title(lines: list[_Line], body: float) -> str:
    first = [ln for ln in lines if ln.page == 0 and ln.y0 < ln.page_height / 2]
    if not first:
        return ""
    biggest = max(ln.size for ln in first)
    if biggest < body * 1.2:
        return ""
    return " ".join(ln.text for ln in first if ln.size == biggest)


def extract_pdf(data: bytes, *, max_pages: int = MAX_PAGES) -> Document:
    """Sections of a paper PDF; :class:`ExtractError` when it is not a usable one."""
    if not data:
        raise ExtractError("the PDF is empty")
    if not data.lstrip()[:5].startswith(b"%PDF-"):
        raise ExtractError("not a PDF file (it does not start with %PDF-)")
    pymupdf.TOOLS.mupdf_display_errors(False)  # type: ignore[no-untyped-call]
    try:
        doc = pymupdf.open(stream=data, filetype="pdf")  # type: ignore[no-untyped-call]
    except (RuntimeError, ValueError) as exc:
        raise ExtractError(f"the PDF is broken and cannot be opened ({exc})") from None
    try:
        if doc.needs_pass:
            raise ExtractError("the PDF is encrypted (it needs a password)")
        if doc.page_count == 0:
            raise ExtractError("the PDF is broken: it has no pages")
        notes: list[str] = []
        if doc.is_repaired:
            notes.append("the PDF was damaged (truncated?) and repaired by MuPDF")
        if doc.page_count > max_pages:
            notes.append(f"read the first {max_pages} of {doc.page_count} pages")
        lines, pages, version = _read_lines(doc, max_pages)
    finally:
        doc.close()  # type: ignore[no-untyped-call]

    chars = sum(len(line.text) for line in lines)
    if chars < MIN_CHARS_PER_PAGE * max(1, pages):
        raise ExtractError(
            f"the PDF has almost no text ({chars} characters on {pages} pages): "
            "an image-only (scanned) PDF"
        )
    drop = _furniture(lines, pages)
    if drop:
        notes.append(f"dropped {len(drop)} header/footer/page-number lines")
    keep = [i for i in range(len(lines)) if i not in drop]
    body = _body_size(lines[i] for i in keep)
    headings = _find_headings(lines, keep, body)
    if not any(h.level == 1 and h.action == "keep" for h in headings):
        raise ExtractError("no section headings found in the PDF")

    sections: list[Section] = []
    by_index = {h.index: h for h in headings}
    current: _Heading | None = None
    chunk: list[_Line] = []
    parts: list[str] = []

    def flush() -> None:
        if chunk:
            parts.append(_paragraphs(chunk))
            chunk.clear()

    def close_section() -> None:
        flush()
        if current is not None and current.action == "keep":
            text = "\n\n".join(p for p in parts if p).strip()
            if text:
                heading = clean_heading(current.text)
                if heading.lower().rstrip(":.") == "abstract":
                    heading = "Abstract"
                sections.append(Section(heading, text))
        parts.clear()

    for i in keep:
        heading = by_index.get(i)
        if heading is not None and heading.level == 1:
            close_section()
            current = heading
            if heading.action == "stop":
                notes.append(f"dropped from {heading.text!r} on")
                break
            if heading.action == "skip":
                notes.append(f"dropped {heading.text!r}")
            continue
        if current is None:
            continue  # front matter: title, authors, affiliations
        if heading is not None:  # a subsection: its heading on a line of its own
            flush()
            parts.append(clean_heading(heading.text))
            continue
        chunk.append(lines[i])
    else:
        close_section()

    if not any(s.heading != "Abstract" for s in sections):
        raise ExtractError("no section text found in the PDF")
    return Document(
        "pdf",
        tuple(sections),
        title=_title(lines, body),
        version=version,
        notes=tuple(notes),
    )
