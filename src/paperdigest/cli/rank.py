"""``paperdigest rank`` (a day ranked for the reader's profile, with reasons) and ``paperdigest
feedback`` (like / dislike)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click

from ..app import open_app
from ..app.ranking import rank_day
from ..rank import close_scorer, load_profile
from ..settings import SCORERS, Settings, option_kwargs
from ..store.feedback import VERDICTS, record_feedback
from .digest import parse_day

_PROFILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.command()
@click.option("--date", "date_", metavar="YYYY-MM-DD",
              help="List date (default: today; with a file source, the file's date).")
@click.option("--source", **option_kwargs("source"))
@click.option("--profile", type=_PROFILE, required=True, help="The reader's profile (TOML).")
@click.option("--db", "db_path", type=click.Path(dir_okay=False), **option_kwargs("db"))
@click.option("--top", type=click.IntRange(min=1), default=None, help="Only the best N papers.")
@click.option("--lang", **option_kwargs("lang", help="Language of the reasons (ko, en)."))
@click.option("--scorer", type=click.Choice(SCORERS), **option_kwargs("scorer"))
@click.option("--json", "as_json", is_flag=True,
              help='Print [{"id", "score", "why"}] best first.')
def rank(
    date_: str | None, source: str, profile: Path, db_path: str | None, top: int | None,
    lang: str, scorer: str, as_json: bool,
) -> None:
    """Rank a day's papers for the reader's profile, each with a one-line reason."""
    load_profile(profile)  # a bad profile fails before anything is fetched
    app = open_app(Settings.load(source=source, db=db_path, lang=lang, scorer=scorer))
    day = parse_day(date_)
    if day is None and not source.startswith("file:"):
        day = dt.date.today()
    chosen_scorer = app.scorer()  # a scorer that is not set up fails before the fetch
    try:
        listing = app.open_source().fetch(day)
        with app.open_store() as store:
            store.save_listing(listing.day, listing.papers, listing.source)
            ranking = rank_day(store, listing.day, profile, chosen_scorer, app.lang)
    finally:
        close_scorer(chosen_scorer)
    for note in ranking.notes:
        click.echo(f"note: {note}", err=True)
    best = ranking.top(top)
    if as_json:
        click.echo(json.dumps([r.as_dict() for r in best], ensure_ascii=False, indent=1))
        return
    click.echo(f"{listing.day.isoformat()}: {len(ranking.ranked)} papers ranked "
               f"({ranking.scorer})", err=True)
    for n, r in enumerate(best, 1):
        click.echo(f"{n:>3}. {r.score:6.2f}  {r.id}  {r.paper.title[:70]}")
        click.echo(f"     {r.why}")


@click.command()
@click.argument("paper_id", metavar="ID")
@click.argument("verdict", type=click.Choice(VERDICTS))
@click.option("--db", "db_path", type=click.Path(dir_okay=False), **option_kwargs("db"))
def feedback(paper_id: str, verdict: str, db_path: str | None) -> None:
    """Like or dislike a paper: liked papers join the profile's seeds, disliked ones push
    similar papers down in the next ranking."""
    app = open_app(Settings.load(db=db_path))
    with app.open_store(must_exist=True) as store:
        paper = record_feedback(store, paper_id, verdict)
    done = "liked" if verdict == "like" else "disliked"
    click.echo(f"{done} {paper.id}: {paper.title[:80]} (the next ranking uses it)", err=True)
