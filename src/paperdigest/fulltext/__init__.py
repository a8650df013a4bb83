"""Read the whole paper: arXiv full text (HTML, else PDF, else the abstract) within a budget.

- :mod:`.fetch` — :class:`ArxivFetcher`: downloads with arXiv's 3-second spacing, caches per id
  and version (:mod:`.cache`), and records which source was used and why.
- :mod:`.html`, :mod:`.pdf` — sections with their headings from LaTeXML HTML and from PDFs.
- :mod:`.budget` — picks the text within the summarizer's token budget.
- :mod:`.inputs` — :class:`FulltextInput`, the ``build_input`` given to ``run_digest``.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import ArxivIdError, ExtractError
from .budget import BudgetedInput, build_budgeted
from .document import Document, Section
from .fetch import ArxivFetcher, Attempt, FulltextResult
from .html import extract_html
from .ids import ArxivId, parse_arxiv_id
from .inputs import FulltextInput, budget_for
from .pdf import extract_pdf

MAX_FILE_BYTES = 200 * 1024 * 1024


def extract_file(path: str | Path) -> Document:
    """Sections of a local PDF or HTML file, told apart by content, not by name."""
    from ..errors import InputError

    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ExtractError(f"{path} is {size:,} bytes, over the {MAX_FILE_BYTES:,}-byte limit")
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    if data.lstrip()[:5] == b"%PDF-" or path.suffix.lower() == ".pdf":
        return extract_pdf(data)
    return extract_html(data)


__all__ = [
    "ArxivFetcher",
    "ArxivId",
    "ArxivIdError",
    "Attempt",
    "BudgetedInput",
    "Document",
    "ExtractError",
    "FulltextInput",
    "FulltextResult",
    "Section",
    "budget_for",
    "build_budgeted",
    "extract_file",
    "extract_html",
    "extract_pdf",
    "parse_arxiv_id",
]
