"""``extractive``: no LLM. Picks the abstract's own sentences for each section.

Deterministic and instant; always English (the abstract's language). The fallback when no LLM is
set up, and a baseline for the checks: it cannot invent a number.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import ClassVar

from ..models import Sections
from ..text.sentences import sentences
from .base import Summarizer, SummaryRequest

NEW_CUES = (
    "we propose",
    "we introduce",
    "we present",
    "this paper",
    "in this work",
    "we develop",
    "we release",
    "novel",
    "first",
    "new ",
    "we study",
    "we investigate",
    "we show",
)
METHOD_CUES = (
    "method",
    "framework",
    "architecture",
    "model",
    "approach",
    "train",
    "based on",
    "consists",
    "module",
    "layer",
    "using",
    "we use",
    "leverag",
    "dataset",
    "pipeline",
    "algorithm",
    "mechanism",
    "design",
)
RESULT_CUES = (
    "outperform",
    "achiev",
    "improv",
    "result",
    "state-of-the-art",
    "sota",
    "speed",
    "accuracy",
    "score",
    "faster",
    "better",
    "surpass",
    "gain",
    "reduc",
    "experiment",
    "benchmark",
    "demonstrat",
    "competitive",
    "match",
)


def _score(sentence: str, cues: tuple[str, ...]) -> int:
    low = sentence.lower()
    return sum(1 for cue in cues if cue in low)


def _has_number(sentence: str) -> bool:
    return bool(re.search(r"\d", sentence))


def pick(sentences: list[str]) -> tuple[list[str], list[str], list[str]]:
    """Assign sentences to (new, method, results); each section gets at least one if possible."""
    n = len(sentences)
    if n == 0:
        return [], [], []
    used: set[int] = set()

    def best(score: Callable[[int], int], exclude: set[int], prefer_early: bool) -> int | None:
        candidates = [i for i in range(n) if i not in exclude]
        if not candidates:
            return None
        return max(candidates, key=lambda i: (score(i), -i if prefer_early else i))

    results_score = [_score(s, RESULT_CUES) * 2 + (3 if _has_number(s) else 0) for s in sentences]
    new_score = [_score(s, NEW_CUES) * 2 + (1 if i < 3 else 0) for i, s in enumerate(sentences)]
    method_score = [_score(s, METHOD_CUES) for s in sentences]

    r = best(lambda i: results_score[i], used, prefer_early=False)
    if r is not None and results_score[r] > 0 and n >= 3:
        used.add(r)
    else:
        r = None
    w = best(lambda i: new_score[i], used, prefer_early=True)
    if w is not None:
        used.add(w)
    m = best(
        lambda i: method_score[i] - (2 if results_score[i] >= 5 else 0), used, prefer_early=True
    )
    if m is not None:
        used.add(m)
    if r is None:
        r = best(lambda i: results_score[i], used, prefer_early=False)
        if r is not None:
            used.add(r)

    new = [sentences[w]] if w is not None else []
    method = [sentences[m]] if m is not None else []
    results = [sentences[r]] if r is not None else []
    # A second sentence for a section where a strong one is left over.
    for i in sorted(set(range(n)) - used):
        if results_score[i] >= 5 and len(results) < 2:
            results.append(sentences[i])
        elif method_score[i] >= 2 and len(method) < 2:
            method.append(sentences[i])
    return new, method, results


class ExtractiveSummarizer(Summarizer):
    name: ClassVar[str] = "extractive"
    languages: ClassVar[tuple[str, ...] | None] = ("en",)

    @property
    def model_id(self) -> str:
        return "extractive-v1"

    def summarize(self, request: SummaryRequest) -> Sections:
        paper = request.paper
        new, method, results = pick(sentences(paper.abstract))
        fallback = f"The abstract of “{paper.title}” is not available."
        return Sections(
            whats_new=" ".join(new) or fallback,
            technical_details=" ".join(method) or "The abstract gives no technical details.",
            performance_highlights=" ".join(results) or "The abstract reports no results.",
        )
