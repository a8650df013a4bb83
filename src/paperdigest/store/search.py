"""Full-text search over papers and their summaries (SQLite FTS5, BM25 ranking).

The index is built and kept in sync by the ``m005_search`` migration's triggers; this module only
reads it. User input never reaches FTS5's query syntax: every word becomes a quoted string (so
``"``, ``*``, ``NEAR``, ``OR``, ``-`` or ``:`` are just text), words are ANDed, a word of two or
more characters also matches as a prefix (``LLM`` finds ``LLMs``, ``모델`` finds ``모델의``), and
text in double quotes is matched as a phrase.

Snippets come back as HTML: the text is escaped and the matched words are wrapped in ``<mark>``.
"""

from __future__ import annotations

import html
import re
import sqlite3
from dataclasses import dataclass
from typing import Any

from ..errors import SearchQueryError, SearchUnavailable
from ..untrusted import is_arxiv_id
from . import Store, database_errors
from .engine import Connection
from .search_text import (
    _CLOSE,
    _OPEN,
    _SNIPPET_COLUMNS,
    _WORD_CHARS,
    MAX_QUERY_CHARS,
    SearchHit,
    _excerpt,
    _make_hits,
    parse_terms,
)

MAX_LIMIT = 100

# FTS5 columns: 0 title, 1 authors, 2 abstract, 3 summaries. BM25 weights per column.
_WEIGHTS = (10.0, 4.0, 1.0, 2.0)


@dataclass(frozen=True)
class SearchResults:
    query: str
    match: str  # the FTS5 expression actually run
    total: int
    limit: int
    offset: int
    hits: tuple[SearchHit, ...]
    # PostgreSQL ranks a bounded window of matches: True when ``total`` is a lower bound
    total_capped: bool = False


def match_expression(query: str) -> str:
    """The FTS5 MATCH expression for a user query: quoted terms, ANDed, prefixes for words."""
    parts: list[str] = []
    for text, is_phrase in parse_terms(query):
        quoted = '"' + text.replace('"', '""') + '"'
        tokens = _WORD_CHARS.findall(text)
        if not is_phrase and len(tokens) == 1 and len(tokens[0]) >= 2:
            quoted += "*"
        parts.append(quoted)
    return " AND ".join(parts)


@database_errors
def has_index(store: Store) -> bool:
    return store.has_table("search_docs" if store.is_postgres else "search_fts")


@database_errors
def search(store: Store, query: str, *, limit: int = 20, offset: int = 0) -> SearchResults:
    """Papers matching ``query``, best first. Raises SearchQueryError for a bad query."""
    if not 1 <= limit <= MAX_LIMIT:
        raise SearchQueryError(f"limit must be between 1 and {MAX_LIMIT}")
    if offset < 0 or offset > 10_000:
        raise SearchQueryError("offset must be between 0 and 10000")
    by_id = _id_query(query)
    if by_id is not None:
        return _search_id(store, query, by_id, limit, offset)
    if not has_index(store):
        raise SearchUnavailable(store.location)
    if store.is_postgres:
        from .search_pg import search_postgres

        total, capped, expression, pg_hits = search_postgres(store, query, limit, offset)
        return SearchResults(query, expression, total, limit, offset, tuple(pg_hits), capped)
    expression = match_expression(query)
    db = store.db
    try:
        total = int(
            db.execute(
                "SELECT count(*) FROM search_fts WHERE search_fts MATCH ?", (expression,)
            ).fetchone()[0]
        )
        hits = _ranked_hits(db, expression, limit, offset)
    except sqlite3.OperationalError as exc:  # should not happen: every term is quoted
        raise SearchQueryError(f"cannot search for {query!r}: {exc}") from None
    return SearchResults(query, expression, total, limit, offset, tuple(hits))


SNIPPET_MAX_CHARS = 6_000  # longer documents get a linear excerpt instead of FTS5's snippet
_ARXIV_PREFIX = re.compile(r"^(?:arxiv:|https?://(?:www\.)?arxiv\.org/(?:abs|pdf)/)", re.I)
_VERSION = re.compile(r"v[1-9]\d{0,3}$")


def _id_query(query: str) -> str | None:
    """The paper id a query names (``2407.14057``, ``2407.14057v2``, ``arXiv:…``), or None."""
    text = _ARXIV_PREFIX.sub("", query.strip()).removesuffix(".pdf")
    if not is_arxiv_id(text):
        return None
    return _VERSION.sub("", text)


def _search_id(store: Store, query: str, paper_id: str, limit: int,
               offset: int) -> SearchResults:
    """A query that is an arXiv id finds that paper (with or without its version)."""
    row = store.db.execute(
        "SELECT doc FROM search_docs WHERE paper_id = ?", (paper_id,)
    ).fetchone()
    if row is None:
        return SearchResults(query, paper_id, 0, limit, offset, ())
    paper = store.paper(paper_id)
    if paper is None:  # pragma: no cover - search_docs follows papers
        return SearchResults(query, paper_id, 0, limit, offset, ())
    days = [r[0] for r in store.db.execute(
        "SELECT day FROM day_papers WHERE paper_id = ? ORDER BY day DESC", (paper_id,))]
    snippet = " ".join(paper.abstract.split())[:200]
    hit = SearchHit(
        paper_id=paper.id, title=paper.title, authors=tuple(paper.authors),
        upvotes=paper.upvotes, days=tuple(days), score=0.0,
        title_html=html.escape(paper.title), snippet_html=html.escape(snippet),
        snippet=snippet, snippet_column="abstract",
    )
    return SearchResults(query, paper_id, 1, limit, offset, (hit,) if offset == 0 else ())


def _ranked_hits(db: Connection, expression: str, limit: int, offset: int) -> list[SearchHit]:
    """The page of hits, best first, with their snippets from the same FTS5 query: ``ORDER BY
    rank`` lets FTS5 sort the matches itself and keep their positions, so ``snippet()`` runs
    only for the rows returned and the MATCH is evaluated once (a second query with ``MATCH ?
    AND rowid IN (…)`` for the snippets cost as much as the search itself). FTS5's snippet
    costs (document length x hits): a long document (older data, from before the size limits)
    gets its text instead, and a linear excerpt is made here."""
    size = ("coalesce(length(authors), 0) + coalesce(length(abstract), 0) + "
            "coalesce(length(summaries), 0)")
    short = f"({size}) <= {SNIPPET_MAX_CHARS}"
    snippet_sql = ", ".join(
        f"CASE WHEN {short} THEN snippet(search_fts, {col}, '{_OPEN}', '{_CLOSE}', '…', 24) "
        f"ELSE substr({name}, 1, {SNIPPET_MAX_CHARS * 5}) END"
        for col, name in _SNIPPET_COLUMNS
    )
    weights = ", ".join(f"{w:g}" for w in _WEIGHTS)
    rows = db.execute(
        f"SELECT rowid, rank, CASE WHEN {short} THEN highlight(search_fts, 0, '{_OPEN}', "
        f"'{_CLOSE}') END, {snippet_sql}, {short} FROM search_fts "
        f"WHERE search_fts MATCH ? AND rank MATCH 'bm25({weights})' "
        "ORDER BY rank LIMIT ? OFFSET ?",
        (expression, limit, offset),
    ).fetchall()
    if not rows:
        return []
    n = len(_SNIPPET_COLUMNS)
    terms = [t.replace('""', '"') for t in re.findall(r'"((?:[^"]|"")*)"', expression)]
    docs = [int(r[0]) for r in rows]
    marks = ", ".join("?" * len(docs))
    details = {
        int(r[0]): r
        for r in db.execute(
            "SELECT d.doc, d.paper_id, p.title, p.authors, "
            "(SELECT group_concat(day, ',') FROM (SELECT day FROM day_papers "
            "WHERE paper_id = p.id ORDER BY day DESC)), "
            "coalesce((SELECT max(upvotes) FROM day_papers WHERE paper_id = p.id), 0) "
            f"FROM search_docs d JOIN papers p ON p.id = d.paper_id WHERE d.doc IN ({marks})",
            docs,
        )
    }
    by_doc: dict[int, Any] = {}
    for row in rows:
        doc = int(row[0])
        found = details.get(doc)
        if found is None:
            continue
        snippets = list(row[3 : 3 + n])
        if not row[3 + n]:  # a long document: a linear excerpt of each column's text
            snippets = [_excerpt(text or "", terms) for text in snippets]
        # the layout of _hit_rows: doc, paper id, title html, snippets, title, authors, days,
        # votes
        by_doc[doc] = (doc, found[1], row[2], *snippets, found[2], found[3], found[4], found[5])
    return _make_hits([(int(r[0]), float(r[1])) for r in rows], by_doc)


@database_errors
def rebuild_index(store: Store) -> int:
    """Re-create every row of the index from the tables (after a manual edit). Returns rows."""
    from .migrations import _SEARCH_AUTHORS, _SEARCH_SUMMARIES, PG_SEARCH_REBUILD

    if store.is_postgres:
        with store.transaction() as db:
            db.execute("DELETE FROM search_docs WHERE paper_id NOT IN (SELECT id FROM papers)")
            db.execute(PG_SEARCH_REBUILD)
            return int(db.execute("SELECT count(*) FROM search_docs").fetchone()[0])
    with store.transaction() as db:
        db.execute("DELETE FROM search_fts")
        db.execute("INSERT OR IGNORE INTO search_docs (paper_id) SELECT id FROM papers")
        db.execute("DELETE FROM search_docs WHERE paper_id NOT IN (SELECT id FROM papers)")
        db.execute(
            "INSERT INTO search_fts (rowid, title, authors, abstract, summaries) "
            f"SELECT d.doc, p.title, {_SEARCH_AUTHORS.format(p='p')}, p.abstract, "
            f"{_SEARCH_SUMMARIES.format(p='p')} FROM papers p JOIN search_docs d "
            "ON d.paper_id = p.id"
        )
        return int(db.execute("SELECT count(*) FROM search_fts").fetchone()[0])


__all__ = [
    "MAX_QUERY_CHARS",
    "SearchHit",
    "SearchQueryError",
    "SearchResults",
    "SearchUnavailable",
    "has_index",
    "match_expression",
    "parse_terms",
    "rebuild_index",
    "search",
]
