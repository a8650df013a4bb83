"""Operations commands: ``status`` (the fail-loud completeness report a scheduler runs)."""

from __future__ import annotations

import datetime as dt
import json
import sys

import click

from ..config import default_db_path
from ..ops import day_range
from ..store import Store
from ..store.status import day_status
from .digest import parse_day


@click.command()
@click.option("--date", "date_", metavar="YYYY-MM-DD", help="One day (default: today).")
@click.option("--from", "start", metavar="YYYY-MM-DD", help="First day of a range.")
@click.option("--to", "end", metavar="YYYY-MM-DD", help="Last day of a range (default: today).")
@click.option("--lang", default="ko", show_default=True, envvar="PAPERDIGEST_LANG")
@click.option("--db", "db_path", type=click.Path(), help="SQLite file (default: user data dir).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per day.")
def status(date_: str | None, start: str | None, end: str | None, lang: str,
           db_path: str | None, as_json: bool) -> None:
    """Completeness per day: listed, summarized, flagged, failed, missing.

    Exits 0 only when every day is complete; 1 when any paper failed or is missing, a day was
    never fetched, or a weekday has no papers listed at all (likely an upstream change).
    """
    if date_ and (start or end):
        raise click.UsageError("use either --date or --from/--to")
    if start:
        first = parse_day(start)
        last = parse_day(end) or dt.date.today()
        assert first is not None
        days = day_range(first, last)
    else:
        days = [parse_day(date_) or dt.date.today()]
    path = db_path or default_db_path()
    with Store(path, readonly=True) as store:
        report = [day_status(store, day, lang) for day in days]
    incomplete = [r for r in report if not r.complete]
    for r in report:
        if as_json:
            click.echo(json.dumps({
                "day": r.day.isoformat(), "fetched": r.fetched, "listed": r.listed,
                "summarized": r.summarized, "flagged": r.flagged, "failed": r.failed,
                "missing": r.missing, "complete": r.complete, "problem": r.problem,
            }))
        else:
            state = "ok" if r.complete else f"INCOMPLETE: {r.problem}"
            if r.complete and r.listed == 0:
                state = "ok (no papers: weekend)"
            click.echo(f"{r.day.isoformat()}  listed {r.listed:>3}  summarized {r.summarized:>3}"
                       f"  flagged {r.flagged:>3}  failed {r.failed:>3}  missing {r.missing:>3}"
                       f"  {state}")
    if incomplete:
        click.echo(f"{len(incomplete)} of {len(report)} day(s) incomplete", err=True)
        sys.exit(1)


def register(cli: click.Group) -> None:
    cli.add_command(status)
