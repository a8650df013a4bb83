"""Which of a day's papers a digest summarizes, in which order, and why: the reader's profile
ranks them (``--profile``, ``--order relevance|votes``), ``--min-score`` and ``--top`` keep the
best, and ``--summarize-top N`` summarizes only the first N (the rest are listed by title)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..errors import ConfigError
from ..models import Paper
from ..store import Store

if TYPE_CHECKING:  # the ranking loads only with a profile: most runs have none
    from ..rank import Profile, Scorer

ORDERS = ("relevance", "votes")


@dataclass(frozen=True)
class Selection:
    profile: Profile | None = None
    scorer: Scorer | None = None
    order: str | None = None  # None: relevance with a profile, votes without
    top: int | None = None
    min_score: float | None = None
    summarize_top: int | None = None

    def check(self) -> None:
        if self.order is not None and self.order not in ORDERS:
            raise ConfigError(f"--order must be relevance or votes, not {self.order!r}")
        if self.profile is None and self.order == "relevance":
            raise ConfigError("--order relevance needs --profile FILE (the reader's profile)")
        if self.profile is None and self.min_score is not None:
            raise ConfigError("--min-score needs --profile FILE (the reader's profile)")


@dataclass
class Chosen:
    summarize: list[Paper]
    titles_only: list[Paper] = field(default_factory=list)
    why: dict[str, str] = field(default_factory=dict)  # paper id -> reason
    scores: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def choose_papers(
    papers: Sequence[Paper], store: Store, day: dt.date, lang: str, selection: Selection | None
) -> Chosen:
    """``papers`` come in vote order; the ranking is stored for the site, feeds and chat."""
    if selection is None:
        return Chosen(list(papers))
    selection.check()
    ordered = list(papers)
    chosen = Chosen(ordered)
    if selection.profile is not None:
        from ..rank import build_reader, rank_papers
        from ..store.feedback import save_ranking

        reader = build_reader(selection.profile, store)
        ranking = rank_papers(papers, reader, selection.scorer, lang=lang)
        save_ranking(
            store, day, selection.profile.name, lang,
            [(r.paper.id, r.score, r.why) for r in ranking.ranked],
        )
        chosen.why = {r.paper.id: r.why for r in ranking.ranked}
        chosen.scores = {r.paper.id: r.score for r in ranking.ranked}
        chosen.notes = list(ranking.notes)
        if selection.order != "votes":
            ordered = [r.paper for r in ranking.ranked]
        if selection.min_score is not None:
            floor = selection.min_score
            ordered = [p for p in ordered if chosen.scores[p.id] >= floor]
    if selection.top is not None:
        ordered = ordered[: selection.top]
    if selection.summarize_top is not None:
        chosen.titles_only = ordered[selection.summarize_top :]
        ordered = ordered[: selection.summarize_top]
    chosen.summarize = ordered
    return chosen


__all__ = ["ORDERS", "Chosen", "Selection", "choose_papers"]
