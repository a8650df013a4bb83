"""Search text shared by both engines: parsing the user's query into terms, marking matches,
linear-time excerpts and building :class:`SearchHit` rows (used by :mod:`.search` on SQLite
and :mod:`.search_pg` on PostgreSQL).

Matches are marked with two private-use characters while the text is still plain, and turned
into ``<mark>`` only after HTML escaping, so a paper's text can never inject markup.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import SearchQueryError

MAX_QUERY_CHARS = 256
MAX_TERMS = 16

_OPEN, _CLOSE = "\ue000", "\ue001"  # private-use marks: replaced by <mark> after escaping
_TERM = re.compile(r'"([^"]*)"?|(\S+)')
_WORD = re.compile(r"\w")
_WORD_CHARS = re.compile(r"\w+")
HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")


@dataclass(frozen=True)
class SearchHit:
    paper_id: str
    title: str
    authors: tuple[str, ...]
    upvotes: int
    days: tuple[str, ...]  # list dates the paper appeared on, newest first
    score: float  # BM25 (lower is better, as SQLite reports it)
    title_html: str  # escaped title, matches in <mark>
    snippet_html: str  # escaped excerpt, matches in <mark>
    snippet: str  # the same excerpt as plain text
    snippet_column: str  # which field the excerpt is from


def parse_terms(query: str) -> list[tuple[str, bool]]:
    """``(text, is_phrase)`` for each searchable term of the user's query, in order."""
    if len(query) > MAX_QUERY_CHARS:
        raise SearchQueryError(
            f"query is too long ({len(query)} characters; at most {MAX_QUERY_CHARS})"
        )
    terms: list[tuple[str, bool]] = []
    for match in _TERM.finditer(query):
        phrase, word = match.group(1), match.group(2)
        text = phrase if phrase is not None else word
        if not text or not _WORD.search(text):
            continue  # only punctuation: nothing the tokenizer would keep
        terms.append((" ".join(text.split()), phrase is not None))
    if not terms:
        raise SearchQueryError("query has no words to search for")
    if len(terms) > MAX_TERMS:
        raise SearchQueryError(f"query has {len(terms)} terms; at most {MAX_TERMS}")
    return terms


def _marked_html(text: str) -> str:
    escaped = html.escape(" ".join(text.split()), quote=False)
    if escaped.count(_OPEN) != escaped.count(_CLOSE):
        return escaped.replace(_OPEN, "").replace(_CLOSE, "")
    return escaped.replace(_OPEN, "<mark>").replace(_CLOSE, "</mark>")


_SNIPPET_COLUMNS = ((3, "summaries"), (2, "abstract"), (1, "authors"))


def terms_pattern(terms: Sequence[str]) -> re.Pattern[str] | None:
    """Where ``terms`` match in a text: at the start of a word; a Hangul term anywhere (Korean
    attaches particles and builds compounds, so a word is often inside a longer one)."""
    words = sorted({t for t in (" ".join(t.split()).lower() for t in terms) if t}, key=len,
                   reverse=True)
    if not words:
        return None
    parts = [
        ("" if HANGUL.search(w) else "(?<!\\w)") + r"\s+".join(map(re.escape, w.split()))
        for w in words
    ]
    return re.compile("(?:" + "|".join(parts) + ")", re.IGNORECASE)


def mark(text: str, pattern: re.Pattern[str]) -> str:
    return pattern.sub(lambda m: f"{_OPEN}{m.group()}{_CLOSE}", text)


def _excerpt(text: str, terms: Sequence[str], width: int = 160) -> str:
    """A snippet in linear time: the text around the first match, matches marked."""
    pattern = terms_pattern(terms)
    if pattern is None:
        return ""
    first = pattern.search(text)
    if first is None:
        return ""
    start = max(0, first.start() - width // 3)
    window = text[start : start + width]
    marked = mark(window, pattern)
    return ("…" if start else "") + marked + ("…" if start + width < len(text) else "")


def _make_hits(ranked: Sequence[tuple[int, float]], by_doc: dict[int, Any]) -> list[SearchHit]:
    hits: list[SearchHit] = []
    for doc, score in ranked:
        row = by_doc.get(doc)
        if row is None:
            continue
        snippets = [row[3 + i] or "" for i in range(len(_SNIPPET_COLUMNS))]
        chosen = next((i for i, s in enumerate(snippets) if _OPEN in s), 0)
        n = len(_SNIPPET_COLUMNS)
        hits.append(
            SearchHit(
                paper_id=row[1],
                title=row[3 + n],
                authors=tuple(json.loads(row[4 + n] or "[]")),
                upvotes=int(row[6 + n] or 0),
                days=tuple(d for d in (row[5 + n] or "").split(",") if d),
                score=score,
                title_html=_marked_html(row[2] or row[3 + n]),
                snippet_html=_marked_html(snippets[chosen]),
                snippet=" ".join(snippets[chosen].replace(_OPEN, "").replace(_CLOSE, "").split()),
                snippet_column=_SNIPPET_COLUMNS[chosen][1],
            )
        )
    return hits
