"""Choose the paper text the model gets within a token budget.

The text always starts with exactly what the abstract-only input holds (title and abstract), so
it is a superset of it. The rest of the budget goes to the paper's sections by priority:
results, method, introduction, conclusion, then related work and anything else if room is left.
The four main kinds share the budget by weight; a kind that needs less than its share gives the
rest to the others. Sections go in reading order; the last one a kind can afford is cut at a
paragraph or sentence boundary and marked ``[…]``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ..models import Paper
from ..prompts import abstract_input
from .document import Document, Section

Counter = Callable[[str], int]

# (kind, pattern on the heading without its number); first match wins, so order matters
KIND_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, re.IGNORECASE))
    for kind, pattern in (
        ("abstract", r"^abstract$"),
        ("introduction", r"introduction|overview|motivation"),
        ("background", r"related work|background|preliminar|literature|prior work|notation"),
        ("conclusion", r"conclu|limitation|future work|summary|closing|broader impact|ethic"),
        (
            "results",
            r"experiment|result|evaluat|benchmark|ablation|analys|empirical|performance|"
            r"comparison|case stud|findings|discussion",
        ),
        (
            "method",
            r"method|approach|model|architecture|framework|design|training|tuning|dataset|data|"
            r"implementation|algorithm|system|propos|technique|pipeline|objective|formulation|"
            r"learning|task",
        ),
    )
)
PRIORITY: tuple[str, ...] = ("results", "method", "introduction", "conclusion")
WEIGHTS: dict[str, float] = {
    "results": 0.35,
    "method": 0.30,
    "introduction": 0.20,
    "conclusion": 0.15,
}
LEFTOVER: tuple[str, ...] = ("background", "other")  # only with what the main kinds leave
MIN_SHARE = 100  # tokens: a kind that would get less is left out, in reverse priority order
CUT = " […]"

_NUMBER = re.compile(r"^(?:\d+(?:\.\d+)*\.?|[IVX]+\.|[A-Z]\.)\s+")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\[])")
SOURCE_LABEL = {"html": "arXiv HTML", "pdf": "arXiv PDF"}


def kind_of(heading: str) -> str | None:
    name = _NUMBER.sub("", heading.strip())
    for kind, pattern in KIND_PATTERNS:
        if pattern.search(name):
            return kind
    return None


def classify(sections: Sequence[Section]) -> list[str]:
    """A kind per section; unnamed ones by position (between intro and results: method)."""
    named = [kind_of(s.heading) for s in sections]
    kinds: list[str] = []
    seen_results = False
    seen_conclusion = False
    for kind in named:
        if kind == "results":
            seen_results = True
        if kind == "conclusion":
            seen_conclusion = True
        if kind is not None:
            kinds.append(kind)
        elif seen_conclusion:
            kinds.append("other")
        elif seen_results:
            kinds.append("results")
        else:
            kinds.append("method")
    return kinds


@dataclass(frozen=True)
class Part:
    heading: str
    kind: str
    tokens: int  # tokens of the text included
    full_tokens: int
    cut: bool


@dataclass(frozen=True)
class BudgetedInput:
    text: str
    budget: int
    tokens: int
    parts: tuple[Part, ...] = ()
    dropped: tuple[str, ...] = ()  # headings left out entirely
    notes: tuple[str, ...] = field(default=(), compare=False)

    @property
    def cut(self) -> bool:
        return bool(self.dropped) or any(p.cut for p in self.parts)


def prefix_for(paper: Paper, document: Document | None) -> str:
    """Title and abstract, exactly as the abstract-only input (the extracted one if none)."""
    if paper.abstract.strip() or document is None:
        return abstract_input(paper)
    extracted = next((s.text for s in document.sections if s.heading == "Abstract"), "")
    return abstract_input(Paper(id=paper.id, title=paper.title, abstract=extracted))


def _cut(text: str, limit: int, count: Counter) -> str:
    """The longest head of ``text`` (whole paragraphs, then sentences) within ``limit`` tokens."""
    if limit <= 0:
        return ""
    if count(text) <= limit:
        return text
    room = limit - count(CUT)
    if room <= 0:
        return ""
    kept: list[str] = []
    used = 0
    for paragraph in text.split("\n\n"):
        cost = count(paragraph) + 1
        if used + cost <= room:
            kept.append(paragraph)
            used += cost
            continue
        sentences: list[str] = []
        for sentence in _SENTENCE.split(paragraph):
            cost = count(sentence) + 1
            if used + cost > room:
                break
            sentences.append(sentence)
            used += cost
        if sentences:
            kept.append(" ".join(sentences))
        break
    if not kept:
        # not even one sentence: cut the first one at a word boundary
        words = text.split()
        lo, hi = 0, len(words)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if count(" ".join(words[:mid])) <= room:
                lo = mid
            else:
                hi = mid - 1
        return " ".join(words[:lo]) + CUT if lo else ""
    return "\n\n".join(kept) + CUT


def _shares(need: dict[str, int], total: int) -> dict[str, int]:
    """Split ``total`` over the main kinds by weight; unused share flows to the others."""
    alloc = {k: 0 for k in need}
    open_kinds = [k for k in PRIORITY if need.get(k, 0) > 0]
    left = total
    while open_kinds and left > 0:
        weight = sum(WEIGHTS[k] for k in open_kinds)
        lowest = open_kinds[-1]
        if len(open_kinds) > 1 and left * WEIGHTS[lowest] / weight < MIN_SHARE:
            open_kinds.pop()  # too little for every kind: the lowest priority goes without
            continue
        satisfied = []
        for kind in open_kinds:
            share = int(left * WEIGHTS[kind] / weight)
            if need[kind] - alloc[kind] <= share:
                satisfied.append(kind)
        if not satisfied:
            for kind in open_kinds:
                alloc[kind] += int(left * WEIGHTS[kind] / weight)
            break
        for kind in satisfied:
            left -= need[kind] - alloc[kind]
            alloc[kind] = need[kind]
            open_kinds.remove(kind)
    spare = total - sum(alloc.values())
    for kind in LEFTOVER:
        if need.get(kind, 0) > 0 and spare > 0:
            alloc[kind] = min(need[kind], spare)
            spare -= alloc[kind]
    return alloc


def build_budgeted(
    paper: Paper, document: Document | None, budget: int, count: Counter
) -> BudgetedInput:
    """The model input for ``paper`` within ``budget`` tokens as counted by ``count``."""
    prefix = prefix_for(paper, document)
    prefix_tokens = count(prefix)
    if document is None:
        return BudgetedInput(prefix, budget, prefix_tokens)
    label = SOURCE_LABEL.get(document.source, document.source)
    intro = f"\n\nFull text (from the {label}; selected sections):"
    room = budget - prefix_tokens - count(intro)
    body = [
        (i, s, k)
        for i, (s, k) in enumerate(zip(document.sections, classify(document.sections), strict=True))
        if k != "abstract"
    ]
    if room <= 0 or not body:
        note = "the budget leaves no room beyond the abstract" if body else "no sections"
        return BudgetedInput(
            prefix,
            budget,
            prefix_tokens,
            dropped=tuple(s.heading for _, s, _ in body),
            notes=(note,),
        )

    heads = {i: f"\n\n## {s.heading}\n" for i, s, _ in body}
    cost = {i: count(heads[i]) + count(s.text) for i, s, _ in body}
    need: dict[str, int] = {}
    for i, _, kind in body:
        need[kind] = need.get(kind, 0) + cost[i]

    shrink = 0
    for _ in range(12):  # rebuild until the whole text, counted at once, fits
        alloc = _shares(need, max(0, room - shrink))
        chosen: dict[int, tuple[str, Part]] = {}
        for kind, budget_left in alloc.items():
            for i, section, k in body:
                if k != kind or budget_left <= 0:
                    continue
                head_cost = count(heads[i])
                if budget_left <= head_cost + 8:
                    break
                text = _cut(section.text, budget_left - head_cost, count)
                if not text:
                    break
                used = head_cost + count(text)
                budget_left -= used
                full = cost[i] - head_cost
                chosen[i] = (
                    text,
                    Part(section.heading, kind, used - head_cost, full, text != section.text),
                )
        pieces = [heads[i] + chosen[i][0] for i, _, _ in body if i in chosen]
        text = prefix + intro + "".join(pieces) if pieces else prefix
        total = count(text)
        if total <= budget:
            parts = tuple(chosen[i][1] for i, _, _ in body if i in chosen)
            dropped = tuple(s.heading for i, s, _ in body if i not in chosen)
            return BudgetedInput(text, budget, total, parts, dropped)
        shrink += total - budget + max(8, budget // 100)
    return BudgetedInput(
        prefix,
        budget,
        prefix_tokens,
        dropped=tuple(s.heading for _, s, _ in body),
        notes=("could not fit any section within the budget",),
    )
