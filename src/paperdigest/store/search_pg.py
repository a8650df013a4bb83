"""Search on PostgreSQL: full-text search with the ``simple`` configuration, plus trigram.

The index is ``search_docs`` (migration ``m005_search``'s PostgreSQL variant): a weighted
``tsvector`` (title A, authors B, summaries C, abstract D) under GIN, and a lower-cased ``body``
under a pg_trgm GIN index. The user's query is parsed as on SQLite (:func:`.search.parse_terms`)
and never reaches ``to_tsquery`` as syntax: each term becomes quoted lexemes made of word
characters only. A word of two or more characters matches as a prefix (``LLM`` finds ``LLMs``),
a multi-word term or a quoted phrase matches in order (``<->``), terms are ANDed. A term with
Hangul also matches inside a longer word through the trigram index (``모델`` finds
``언어모델``): the ``simple`` parser splits Korean only at spaces.

Ranking is ``ts_rank`` with the same column order of weights as SQLite's BM25, over a bounded
window: the :data:`RANK_WINDOW` newest matches (by paper id: arXiv ids grow with time), or more
when a later page asks for them. ``ts_rank`` reads each ranked row's whole ``tsvector``; a word
found in most of 100,000 papers would otherwise be ranked over all of them (seconds) to show 20.
A query with fewer matches than the window (names, rare words, most phrases) is ranked over all
of them, exactly as before; the total is counted in the same statement, exact below the window
and reported as a lower bound (``capped``) at it. Snippets are made here, linear in the text,
with the matches in ``<mark>`` (see :func:`.search._make_hits`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from . import Store
from .engine import PgConnection
from .search_text import (
    _SNIPPET_COLUMNS,
    HANGUL,
    SearchHit,
    _excerpt,
    _make_hits,
    mark,
    parse_terms,
    terms_pattern,
)

_LEXEME = re.compile(r"[^\W_]+")
_WEIGHTS = "'{0.1, 0.2, 0.4, 1.0}'"  # D abstract, C summaries, B authors, A title
_TEXT_CAP = 50_000  # characters of one field read for a snippet
RANK_WINDOW = 1_000  # matches ranked by ts_rank at most (the newest), unless a page needs more


def tsquery_term(text: str, is_phrase: bool) -> str | None:
    """One term as ``to_tsquery`` text: quoted lexemes, a prefix for a single word."""
    lexemes = [t.lower() for t in _LEXEME.findall(text)]
    if not lexemes:
        return None
    if is_phrase or len(lexemes) > 1:
        return "(" + " <-> ".join(f"'{t}'" for t in lexemes) + ")"
    return f"'{lexemes[0]}'" + (":*" if len(lexemes[0]) >= 2 else "")


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{' '.join(escaped.split())}%"


@dataclass(frozen=True)
class PgQuery:
    """A user query as SQL: the WHERE clause and its parameters, and the tsquery text."""

    where: str
    params: tuple[Any, ...]
    parts: tuple[str, ...]  # one tsquery per term
    words: tuple[str, ...]  # the terms as typed

    @property
    def expression(self) -> str:
        return " & ".join(self.parts)

    def ranked_sql(self, limit: int, offset: int) -> tuple[str, list[Any], int]:
        """One page of ranked doc ids with the number of matches ranked, and the window: the
        ``(doc, rank, matches)`` rows of the page, best first, ranked over the newest
        ``window`` + 1 matches (``matches`` <= ``window``: every match was ranked, so it is
        the exact total; otherwise there are more than ``window``)."""
        window = max(RANK_WINDOW, offset + limit)
        return (
            f"SELECT doc, ts_rank({_WEIGHTS}, tsv, to_tsquery('simple', ?)) AS rank, "
            "count(*) OVER () AS matches "
            f"FROM (SELECT doc, tsv FROM search_docs WHERE {self.where} "
            "ORDER BY paper_id DESC LIMIT ?) AS newest "
            "ORDER BY rank DESC, doc LIMIT ? OFFSET ?",
            # ranked on any term (a Korean term found only inside a word ranks on the others);
            # one match past the window tells a full window from an exact count
            [" | ".join(self.parts), *self.params, window + 1, limit, offset],
            window,
        )


def pg_query(query: str) -> PgQuery | None:
    """``query`` as SQL, or None when no term has a word character left."""
    conditions: list[str] = []
    params: list[Any] = []
    parts: list[str] = []
    words: list[str] = []
    for text, is_phrase in parse_terms(query):
        term = tsquery_term(text, is_phrase)
        if term is None:
            continue
        parts.append(term)
        words.append(text)
        condition = "tsv @@ to_tsquery('simple', ?)"
        params.append(term)
        if HANGUL.search(text):
            condition = f"({condition} OR body LIKE ?)"
            params.append(_like(text))
        conditions.append(condition)
    if not conditions:
        return None
    return PgQuery(" AND ".join(conditions), tuple(params), tuple(parts), tuple(words))


def search_postgres(
    store: Store, query: str, limit: int, offset: int
) -> tuple[int, bool, str, list[SearchHit]]:
    """``(total, capped, tsquery, hits)`` for ``query`` (already checked: limit, offset, not
    an id); ``capped``: there are at least ``total`` matches (the ranking window is full)."""
    sql = pg_query(query)
    if sql is None:
        return 0, False, "", []
    expression, where, params, words = sql.expression, sql.where, list(sql.params), sql.words
    db = store.db
    assert isinstance(db, PgConnection)
    ranked_sql, ranked_params, window = sql.ranked_sql(limit, offset)
    # never prepared: a generic plan cannot tell a word in most papers (walk the newest until
    # the window is full) from a rare one (the GIN index), and one plan for both is slow
    ranked = db.execute(ranked_sql, ranked_params, prepare=False).fetchall()
    if ranked:
        total = int(ranked[0][2])
    else:  # a page past the last match: count them (up to one past the window)
        total = int(db.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM search_docs WHERE {where} LIMIT ?) AS m",
            [*params, window + 1],
            prepare=False,
        ).fetchone()[0])
    capped = total > window
    total = min(total, window)
    order = [(int(r[0]), -float(r[1])) for r in ranked]  # lower is better, as on SQLite
    if not order:
        return total, capped, expression, []
    rows = db.execute(
        f"SELECT d.doc, d.paper_id, d.title, left(d.summaries, {_TEXT_CAP}), "
        f"left(d.abstract, {_TEXT_CAP}), left(d.authors, {_TEXT_CAP}), p.title, p.authors, "
        "(SELECT string_agg(day, ',' ORDER BY day DESC) FROM day_papers "
        "WHERE paper_id = p.id), "
        "coalesce((SELECT max(upvotes) FROM day_papers WHERE paper_id = p.id), 0) "
        "FROM search_docs d JOIN papers p ON p.id = d.paper_id WHERE d.doc = ANY(?)",
        ([doc for doc, _ in order],),
    ).fetchall()
    pattern = terms_pattern(words)
    assert pattern is not None
    n = len(_SNIPPET_COLUMNS)
    by_doc: dict[int, Any] = {}
    for row in rows:
        values = list(row)
        values[2] = mark(values[2] or "", pattern)
        values[3 : 3 + n] = [
            _excerpt(text or "", words) or (text or "")[:160] for text in values[3 : 3 + n]
        ]
        by_doc[int(values[0])] = values
    return total, capped, expression, _make_hits(order, by_doc)
