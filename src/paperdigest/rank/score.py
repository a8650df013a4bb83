"""Scoring a day's papers for a reader, and the ranking with reasons.

A paper's score is the sum of its parts (each kept, so the reason says what made it):

- **keyword** — BM25 of each profile keyword or phrase in the title and abstract, times its
  weight (a negative weight pushes down);
- **seed** / **liked** — likeness to the closest seed paper or liked paper (BM25 of the
  paper for the seed's most telling words, relative to the seed's own score; 0 to 1) × 4;
- **disliked** — likeness to the closest disliked paper × −4;
- **author** — +3 for each followed author (at most two counted);
- **category** — +1.5 when a profile category is the paper's primary or cross-list category;
- **exclude** — −8 when an excluded term or phrase is in the title or abstract;
- **votes** — a small prior, at most +0.5, from the day's upvotes (log scale).

The embedding scorer (:mod:`.embed`) replaces the keyword and likeness parts with cosine
likeness of embeddings; the other parts are the same.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from ..models import Paper
from .bm25 import Doc, Index, term_of
from .profile import Profile, SeedPaper, strip_version
from .reasons import Part, explain

SEED_WEIGHT = 4.0
DISLIKE_WEIGHT = 4.0
AUTHOR_WEIGHT = 3.0
MAX_AUTHORS = 2
CATEGORY_WEIGHT = 1.5
EXCLUDE_WEIGHT = -8.0
VOTE_WEIGHT = 0.5
LIKENESS_FLOOR = 0.08  # below this, a seed is not said to be alike


@dataclass(frozen=True)
class Reader:
    """A profile with its seed papers' texts resolved and the stored feedback applied."""

    profile: Profile
    seeds: tuple[SeedPaper, ...] = ()  # with text; origin "like" for liked papers
    disliked: tuple[SeedPaper, ...] = ()
    notes: tuple[str, ...] = ()  # seeds that could not be used, and why

    @property
    def name(self) -> str:
        return self.profile.name


@dataclass(frozen=True)
class Ranked:
    paper: Paper
    score: float
    parts: tuple[Part, ...]
    why: str

    @property
    def id(self) -> str:
        return strip_version(self.paper.id)

    def as_dict(self) -> dict[str, object]:
        return {"id": self.id, "score": round(self.score, 4), "why": self.why}


class Scorer(Protocol):
    name: str

    def text_parts(self, papers: Sequence[Paper], reader: Reader) -> list[list[Part]]:
        """The parts that come from the papers' text, one list per paper."""
        ...


def paper_categories(paper: Paper) -> set[str]:
    """The paper's arXiv categories, primary and cross-listed (a source that knows them sets
    ``Paper.categories``; older records may carry them in ``extra``)."""
    listed = paper.categories
    raw = paper.extra.get("categories", "") if paper.extra else ""
    return {c for c in (*listed, *re.split(r"[,\s]+", raw)) if c}


def name_key(name: str) -> str:
    """An author's name compared without case, accents, dots or order ("Doe, Jane")."""
    if "," in name:
        last, _, first = name.partition(",")
        name = f"{first} {last}"
    plain = unicodedata.normalize("NFKD", name)
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[.\-]", " ", plain).casefold().split())


def structural_parts(papers: Sequence[Paper], reader: Reader) -> list[list[Part]]:
    """Authors, categories, exclusions and the vote prior: the same for every scorer."""
    profile = reader.profile
    followed = {name_key(a): a for a in profile.authors}
    wanted = set(profile.categories)
    excluded = [(term, term_of(term)) for term in profile.exclude]
    top_votes = max((p.upvotes for p in papers), default=0)
    out: list[list[Part]] = []
    for paper in papers:
        parts: list[Part] = []
        hits = [followed[k] for k in (name_key(a) for a in paper.authors) if k in followed]
        for name in hits[:MAX_AUTHORS]:
            parts.append(Part("author", name, AUTHOR_WEIGHT))
        cats = sorted(wanted & paper_categories(paper))
        if cats:
            parts.append(Part("category", "·".join(cats), CATEGORY_WEIGHT))
        if excluded:
            doc = Doc.of(paper.title, paper.abstract)
            found = [term for term, words in excluded if words and doc.count(words)]
            if found:
                parts.append(Part("exclude", "·".join(found[:3]), EXCLUDE_WEIGHT))
        if top_votes > 0:
            prior = VOTE_WEIGHT * math.log1p(paper.upvotes) / math.log1p(top_votes)
            parts.append(Part("votes", str(paper.upvotes), prior))
        out.append(parts)
    return out


@dataclass
class LexicalScorer:
    """BM25 against the profile's keywords and the seed papers; no model, no network."""

    name: str = "lexical"
    seed_terms: int = 24

    def text_parts(self, papers: Sequence[Paper], reader: Reader) -> list[list[Part]]:
        docs = [Doc.of(p.title, p.abstract) for p in papers]
        seed_docs = [Doc.of(s.title, s.abstract) for s in reader.seeds]
        bad_docs = [Doc.of(s.title, s.abstract) for s in reader.disliked]
        index = Index(docs + seed_docs + bad_docs)
        keywords = [
            (term, term_of(term), weight) for term, weight in reader.profile.keywords.items()
        ]
        seed_queries = [index.query_terms(d, self.seed_terms) for d in seed_docs]
        bad_queries = [index.query_terms(d, self.seed_terms) for d in bad_docs]
        seed_tops = [index.query_score(q, d) for q, d in zip(seed_queries, seed_docs,
                                                               strict=True)]
        bad_tops = [index.query_score(q, d) for q, d in zip(bad_queries, bad_docs, strict=True)]
        out: list[list[Part]] = []
        for doc in docs:
            parts = [
                Part("keyword", term, weight * index.score(words, doc))
                for term, words, weight in keywords
                if words and doc.count(words)
            ]
            parts.extend(
                _closest(index, doc, reader.seeds, seed_docs, seed_queries, seed_tops,
                         SEED_WEIGHT)
            )
            parts.extend(
                _closest(index, doc, reader.disliked, bad_docs, bad_queries, bad_tops,
                         -DISLIKE_WEIGHT, kind="disliked")
            )
            out.append(parts)
        return out


def _closest(
    index: Index,
    doc: Doc,
    seeds: Sequence[SeedPaper],
    seed_docs: Sequence[Doc],
    queries: Sequence[list[tuple[str, float]]],
    tops: Sequence[float],
    weight: float,
    kind: str | None = None,
) -> list[Part]:
    """The closest seed of each kind (profile seeds and liked papers are told apart)."""
    best: dict[str, tuple[float, SeedPaper]] = {}
    for seed, seed_doc, query, top in zip(seeds, seed_docs, queries, tops, strict=True):
        likeness = index.similarity(query, doc, seed_doc, top)
        which = kind or ("liked" if seed.origin == "like" else "seed")
        if likeness >= LIKENESS_FLOOR and likeness > best.get(which, (0.0, seed))[0]:
            best[which] = (likeness, seed)
    return [
        Part(which, seed.title or seed.id or "?", weight * likeness)
        for which, (likeness, seed) in best.items()
    ]


@dataclass
class Ranking:
    """A day's papers, best first."""

    ranked: list[Ranked] = field(default_factory=list)
    scorer: str = "lexical"
    notes: tuple[str, ...] = ()

    def top(self, n: int | None) -> list[Ranked]:
        return self.ranked if n is None else self.ranked[:n]


def rank_papers(
    papers: Sequence[Paper],
    reader: Reader,
    scorer: Scorer | None = None,
    *,
    lang: str = "ko",
    explain_with: Callable[[Sequence[Part], str], str] = explain,
) -> Ranking:
    """Score every paper and sort, best first (ties: more votes, then the list's order)."""
    scorer = scorer or LexicalScorer()
    text = scorer.text_parts(papers, reader) if papers else []
    structure = structural_parts(papers, reader)
    ranked = []
    for paper, own, more in zip(papers, text, structure, strict=True):
        parts = tuple(own + more)
        score = sum(p.value for p in parts)
        ranked.append(Ranked(paper, score, parts, explain_with(parts, lang)))
    order = {p.id: n for n, p in enumerate(papers)}
    ranked.sort(key=lambda r: (-r.score, -r.paper.upvotes, order[r.paper.id]))
    return Ranking(ranked, scorer.name, reader.notes)


__all__ = [
    "LexicalScorer",
    "Ranked",
    "Ranking",
    "Reader",
    "Scorer",
    "name_key",
    "paper_categories",
    "rank_papers",
    "structural_parts",
]
