"""Ranking wired from the settings: the scorer, a digest's selection (profile, order, top,
min score, summarize-top), the ``rank`` command's day, and feedback from the web server."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..digest.choose import Selection
from ..errors import ConfigError
from ..settings import Settings
from ..store import Store

if TYPE_CHECKING:  # imported where used: a run without a profile never loads the ranking
    from ..rank import Ranking, Scorer


@dataclass(frozen=True)
class RankOptions:
    """What a command asked of the ranking."""

    profile: Path | None = None
    order: str | None = None
    top: int | None = None
    min_score: float | None = None
    summarize_top: int | None = None

    @property
    def wanted(self) -> bool:
        return any(v is not None for v in (self.profile, self.order, self.top, self.min_score,
                                           self.summarize_top))


def open_scorer(settings: Settings) -> Scorer:
    from ..rank import make_scorer

    return make_scorer(
        str(settings.get("scorer", "auto")),
        embed_url=settings.get("embed_url"),
        embed_model=settings.get("embed_model"),
        embed_gguf=settings.get("embed_gguf"),
        api_key_env=str(settings.get("api_key_env", "OPENAI_API_KEY")),
        timeout=float(settings.get("timeout", 60.0)),
    )


def open_selection(settings: Settings, options: RankOptions) -> Selection:
    from ..rank import close_scorer, load_profile

    profile = load_profile(options.profile) if options.profile is not None else None
    selection = Selection(
        profile=profile,
        scorer=open_scorer(settings) if profile is not None else None,
        order=options.order,
        top=options.top,
        min_score=options.min_score,
        summarize_top=options.summarize_top,
    )
    try:
        selection.check()
    except BaseException:
        if selection.scorer is not None:
            close_scorer(selection.scorer)
        raise
    return selection


def rank_day(
    store: Store, day: dt.date, profile_path: Path, scorer: Scorer, lang: str
) -> Ranking:
    """Rank the stored papers of a day for the profile and store the ranking."""
    from ..rank import build_reader, load_profile
    from ..rank import rank_papers as _rank
    from ..store.feedback import save_ranking

    profile = load_profile(profile_path)
    reader = build_reader(profile, store)
    ranking = _rank(store.day_papers(day), reader, scorer, lang=lang)
    save_ranking(store, day, profile.name, lang,
                 [(r.paper.id, r.score, r.why) for r in ranking.ranked])
    return ranking


def feedback_writer(
    open_store: Callable[[], Store], scorer: Callable[[], Scorer], lang: str, profile_path: Path
) -> Callable[[str, str], dict[str, Any]]:
    """For the web server: store a verdict, then rank again every day that lists the paper (and
    the newest day), so the pages show the change at once. One writer: a short-lived writable
    connection per request, the server's reads stay read-only."""
    from ..rank import close_scorer, load_profile
    from ..store.feedback import days_listing, record_feedback

    load_profile(profile_path)  # a broken profile fails at start, not at the first click

    def write(paper_id: str, verdict: str) -> dict[str, Any]:
        if verdict not in ("like", "dislike"):
            raise ConfigError(f"verdict must be 'like' or 'dislike', not {verdict!r}")
        chosen = scorer()
        try:
            with open_store() as store:
                paper = record_feedback(store, paper_id, verdict)
                days = set(days_listing(store, paper.id))
                newest = store.days()
                if newest:
                    days.add(newest[0].day)
                for day in sorted(days):
                    rank_day(store, day, profile_path, chosen, lang)
        finally:
            close_scorer(chosen)
        return {"id": paper.id, "verdict": verdict, "reranked": [d.isoformat() for d in
                                                                  sorted(days)]}

    return write


__all__ = ["RankOptions", "feedback_writer", "open_scorer", "open_selection", "rank_day"]
