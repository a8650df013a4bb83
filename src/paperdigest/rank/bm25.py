"""Okapi BM25 over titles and abstracts, for terms and phrases, written for ranking a day.

Words are lower-cased letters and digits (any script); a plural ``s`` is dropped so "models"
matches "model". A phrase ("speech recognition") counts where its words follow each other.
The title counts twice (it says what the paper is about more densely than the abstract).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

K1 = 1.2
B = 0.75
_WORD = re.compile(r"[^\W_]+", re.UNICODE)

# Function words, and words every abstract uses: they say nothing about the topic.
_STOP = """
    a about above after again all also an and any approach approache are as at based be been
    being between both but by can could data did do does each et few for from further had has
    have here how however i if in into is it its itself large method methods model more most
    new not novel of on one only or other our ours out over paper performance propose proposed
    provide result results same show shows significant significantly so some state such than
    that the their them then there these they this those through to two under up use used
    using via was we well were what when where which while who will with within work would
    existing study task tasks art achieve achieves demonstrate including introduce present
"""
STOPWORDS = frozenset(_STOP.split())


def stem(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def tokens(text: str) -> list[str]:
    return [stem(w) for w in _WORD.findall(text.lower())]


def content_tokens(text: str) -> list[str]:
    return [t for t in tokens(text) if t not in STOPWORDS and len(t) > 1 and not t.isdigit()]


@dataclass(frozen=True)
class Doc:
    words: tuple[str, ...]
    counts: Counter[str]

    @classmethod
    def of(cls, title: str, abstract: str) -> Doc:
        head = tokens(title)
        words = (*head, "\u0000", *head, "\u0000", *tokens(abstract))
        return cls(words, Counter(words))

    def __len__(self) -> int:
        return len(self.words)

    def count(self, term: tuple[str, ...]) -> int:
        """Occurrences of a word or a phrase (consecutive words)."""
        if len(term) == 1:
            return self.counts.get(term[0], 0)
        if any(w not in self.counts for w in term):
            return 0
        n, size = 0, len(term)
        words = self.words
        for i in range(len(words) - size + 1):
            if words[i] == term[0] and words[i : i + size] == term:
                n += 1
        return n


class Index:
    """Document frequencies and lengths of a set of documents (a day's papers and the seeds)."""

    def __init__(self, docs: Sequence[Doc]) -> None:
        self.docs = list(docs)
        self.n = len(self.docs)
        self.avg_len = (sum(len(d) for d in self.docs) / self.n) if self.n else 1.0
        self._df: dict[tuple[str, ...], int] = {}
        self._idf: dict[tuple[str, ...], float] = {}
        self._word_df: Counter[str] = Counter()
        for doc in self.docs:
            self._word_df.update(doc.counts.keys())

    def df(self, term: tuple[str, ...]) -> int:
        if len(term) == 1:
            return self._word_df.get(term[0], 0)
        if term not in self._df:
            self._df[term] = sum(1 for d in self.docs if d.count(term))
        return self._df[term]

    def idf(self, term: tuple[str, ...]) -> float:
        found = self._idf.get(term)
        if found is None:
            df = self.df(term)
            found = self._idf[term] = math.log(1 + (self.n - df + 0.5) / (df + 0.5))
        return found

    def score(self, term: tuple[str, ...], doc: Doc) -> float:
        """BM25 of one term (or phrase) in one document."""
        tf = doc.count(term)
        if not tf:
            return 0.0
        norm = K1 * (1 - B + B * len(doc) / max(self.avg_len, 1.0))
        return self.idf(term) * tf * (K1 + 1) / (tf + norm)

    def query_terms(self, doc: Doc, limit: int = 24) -> list[tuple[str, float]]:
        """The document's most telling words (tf × idf), as a query for similar documents."""
        weights = {
            w: c * self.idf((w,))
            for w, c in doc.counts.items()
            if w not in STOPWORDS and len(w) > 1 and not w.isdigit() and w != "\u0000"
        }
        best = sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
        return best

    def query_score(self, query: Sequence[tuple[str, float]], doc: Doc) -> float:
        return sum(w * self.score((t,), doc) for t, w in query if t in doc.counts)

    def similarity(
        self, query: Sequence[tuple[str, float]], doc: Doc, own: Doc, top: float | None = None
    ) -> float:
        """BM25 of ``doc`` for the query made from ``own``, over ``own``'s score for it (``top``,
        when already known): 0 (no word in common) to 1 (as close as the source itself)."""
        top = self.query_score(query, own) if top is None else top
        if top <= 0:
            return 0.0
        return min(1.0, self.query_score(query, doc) / top)


def term_of(text: str) -> tuple[str, ...]:
    return tuple(tokens(text))


__all__ = ["STOPWORDS", "Doc", "Index", "content_tokens", "stem", "term_of", "tokens"]
