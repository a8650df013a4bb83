"""The ranking options of the digest-making commands (digest, daily, backfill)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ..app import RankOptions
from ..settings import SCORERS, option_kwargs

_PROFILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def rank_options(fn: Callable[..., None]) -> Callable[..., None]:
    """--profile, --order, --top, --min-score, --summarize-top, --scorer (digest, daily,
    backfill)."""
    decorators = [
        click.option("--profile", type=_PROFILE, help="The reader's profile (TOML): rank the "
                     "day's papers for it, with a Why: line per paper."),
        click.option("--order", type=click.Choice(["relevance", "votes"]), default=None,
                     help="Paper order (default: relevance with --profile, else votes)."),
        click.option("--top", type=click.IntRange(min=1), default=None,
                     help="Keep only the first N papers (after ordering)."),
        click.option("--min-score", type=float, default=None,
                     help="With --profile: leave out papers that score below this."),
        click.option("--summarize-top", type=click.IntRange(min=0), default=None,
                     help="Summarize only the first N papers; list the rest by title."),
        click.option("--scorer", type=click.Choice(SCORERS), **option_kwargs("scorer")),
    ]
    for decorator in reversed(decorators):
        fn = decorator(fn)
    return fn


def pop_rank_options(kwargs: dict[str, Any]) -> RankOptions | None:
    options = RankOptions(
        profile=kwargs.pop("profile"),
        order=kwargs.pop("order"),
        top=kwargs.pop("top"),
        min_score=kwargs.pop("min_score"),
        summarize_top=kwargs.pop("summarize_top"),
    )
    return options if options.wanted else None
