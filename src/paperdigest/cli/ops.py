"""Operations commands: ``backfill`` and ``daily`` (many days, one model load) and ``status``
(the fail-loud completeness report a scheduler runs)."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable
from typing import Any

import click

from ..app import open_app
from ..digest import DayNotFetched, DayOutcome
from ..errors import AppError, ConfigError
from ..ops import MAX_RANGE_DAYS, daily_days, day_range
from ..settings import Settings, option_kwargs
from ..store.status import day_status
from .digest import RunRequest, parse_day, report, run_options, split_settings


def _run_days(
    days: list[dt.date],
    kwargs: dict[str, Any],
    after: Callable[[RunRequest, list[dt.date]], None] | None = None,
) -> None:
    """Digest the days with one runner, the next day's papers starting while the last ones of
    a day are in flight; each day is reported when it is done, in order. A day whose list
    cannot be fetched is reported and the other days go on; a configuration error stops
    everything (exit 2). ``after`` gets the days whose digest was written (``daily
    --publish``). Several workers may share the range (one database): each paper is
    summarized once, and the last worker to store a day's papers completes its digest."""
    request = split_settings(kwargs)
    written: list[dt.date] = []
    if "file:" in str(request.settings["source"]) and len(days) > 1:
        raise ConfigError(
            "a file source holds one day: use --source hf or arxiv:CAT for a range of days"
        )
    problems: list[str] = []
    seen: set[dt.date] = set()
    with request.session(days=len(days)) as session:

        def on_day(outcome: DayOutcome) -> None:
            seen.add(outcome.day)
            day = outcome.day.isoformat()
            if isinstance(outcome, DayNotFetched):
                problems.append(f"{day}: {outcome.error.message}")
                session.say(f"{day}: not fetched: {outcome.error.message}")
                return
            report(outcome, session.say)
            if outcome.written:
                written.append(outcome.day)
            if not outcome.ok:
                problems.append(f"{day}: incomplete")

        try:
            session.run_days(days, on_day)
        except ConfigError:
            raise
        except AppError as exc:
            if exc.exit_code == 2:
                raise
            day = next((d for d in days if d not in seen), days[-1]).isoformat()
            problems.append(f"{day}: {exc.message}")
            session.say(f"{day}: stopped: {exc.message}")
    if after is not None:
        after(request, written)
    if problems:
        click.echo(f"{len(problems)} day(s) with problems: " + "; ".join(problems), err=True)
        sys.exit(1)


@click.command()
@click.option("--from", "start", required=True, metavar="YYYY-MM-DD", help="First day.")
@click.option("--to", "end", metavar="YYYY-MM-DD", help="Last day (default: today).")
@click.option(
    "--max-days",
    type=click.IntRange(min=1),
    default=MAX_RANGE_DAYS,
    show_default=True,
    help="Refuse longer ranges (a guard against typos).",
)
@run_options
def backfill(start: str, end: str | None, max_days: int, **kwargs: Any) -> None:
    """Digest every day from --from to --to, oldest first; resumable.

    Stored summaries are reused, so an interrupted backfill run again continues where it
    stopped. Weekends and empty days are not failures. The model is loaded once.
    """
    first = parse_day(start)
    assert first is not None
    last = parse_day(end) or dt.date.today()
    _run_days(day_range(first, last, max_days=max_days), kwargs)


@click.command()
@click.option(
    "--tz",
    **option_kwargs("tz"),
)
@click.option(
    "--lookback",
    type=click.IntRange(0, 14),
    default=1,
    show_default=True,
    help="Also fetch this many earlier days again: late additions and fresh votes.",
)
@click.option(
    "--publish",
    "publish_to",
    metavar="email,slack,…",
    help="After digesting, publish the newest day digested to these (email, slack, discord); "
    "each day goes to each recipient once.",
)
@click.option("--to", "to", multiple=True, metavar="ADDR", **option_kwargs("email_to"))
@click.option("--smtp-url", metavar="URL", **option_kwargs("smtp_url"))
@click.option("--password-env", metavar="VAR", **option_kwargs("smtp_password_env"))
@click.option("--from", "sender", metavar="ADDR", **option_kwargs("email_from"))
@click.option("--site-url", metavar="URL", **option_kwargs("site_url"))
@click.option(
    "--publish-top", "publish_top", type=click.IntRange(1, 100), default=10, show_default=True,
    help="Papers to publish, by votes (--top, with a profile, is how many to digest).",
)
@run_options
def daily(
    tz: str,
    lookback: int,
    publish_to: str | None,
    to: tuple[str, ...],
    smtp_url: str | None,
    password_env: str | None,
    sender: str | None,
    site_url: str | None,
    publish_top: int,
    **kwargs: Any,
) -> None:
    """The scheduled job: today's list in --tz, plus the days before it again.

    Run it several times a day (see examples/): the list keeps filling in during the day, each
    run adds what is new and refreshes the votes, and stored summaries cost nothing. With
    --publish, the newest day digested is then sent where asked, once per recipient.
    """
    from .publish import check_site_url

    targets = _publish_targets(publish_to)
    site_url = check_site_url(site_url)
    _check_targets(targets, to=to, smtp_url=smtp_url, password_env=password_env)
    days = daily_days(dt.datetime.now(dt.UTC), tz, lookback=lookback)

    def publish(request: RunRequest, written: list[dt.date]) -> None:
        if not targets or not written:
            return
        _publish_day(
            request, max(written), targets, to=to, smtp_url=smtp_url,
            password_env=password_env, sender=sender, site_url=site_url, top=publish_top,
        )

    _run_days(days, kwargs, publish if targets else None)


def _publish_targets(value: str | None) -> list[str]:
    from ..publish import publisher_names

    if not value:
        return []
    known = [name for name in ("slack", "discord") if name in publisher_names()] + ["email"]
    targets = [v.strip() for v in value.split(",") if v.strip()]
    for target in targets:
        if target not in known:
            raise ConfigError(f"--publish {target!r}: choose from {', '.join(known)}")
    return list(dict.fromkeys(targets))


def _check_targets(
    targets: list[str], *, to: tuple[str, ...], smtp_url: str | None, password_env: str | None
) -> None:
    """Refuse a --publish that cannot work before anything is digested."""
    import os

    from ..publish.email import parse_addresses, parse_smtp_url
    from ..settings import value

    for target in targets:
        if target == "email":
            parse_addresses([v for t in to for v in t.split(",")])
            if not smtp_url:
                raise ConfigError("--publish email needs --smtp-url smtp[s]://[user@]host:port")
            parse_smtp_url(smtp_url)
            if password_env and not os.environ.get(password_env):
                raise ConfigError(f"the environment variable {password_env} is not set or empty")
        elif not value(f"{target}_webhook"):
            raise ConfigError(
                f"--publish {target}: set PAPERDIGEST_{target.upper()}_WEBHOOK to the webhook URL"
            )


def _publish_day(
    request: RunRequest,
    day: dt.date,
    targets: list[str],
    *,
    to: tuple[str, ...],
    smtp_url: str | None,
    password_env: str | None,
    sender: str | None,
    site_url: str | None,
    top: int,
) -> None:
    """Publish one digested day to each target; each once per day (recorded in the store)."""
    from ..store.deliveries import delivered, record_delivery
    from .publish import publish_email, publish_webhook

    app = open_app(request.settings)
    for target in targets:
        if target == "email":
            publish_email(
                app, day, to=[v for t in to for v in t.split(",")], smtp_url=smtp_url,
                password_env=password_env, sender=sender, top=top, site_url=site_url,
                force=False, dry_run=False,
            )
            continue
        url = request.settings.get(f"{target}_webhook")
        if not url:
            raise ConfigError(
                f"--publish {target}: set PAPERDIGEST_{target.upper()}_WEBHOOK to the webhook URL"
            )
        with app.open_store() as store:
            when = delivered(store, day, app.lang, target, "webhook")
        if when is not None:
            click.echo(f"{day.isoformat()}: already posted to {target} at {when}; skipped",
                       err=True)
            continue
        loaded = publish_webhook(app, target, day, url=str(url), top=top, site_url=site_url,
                                 dry_run=False)
        with app.open_store() as store:
            record_delivery(store, day, app.lang, target, "webhook",
                            min(top, len(loaded.entries)))


@click.command()
@click.option("--date", "date_", metavar="YYYY-MM-DD", help="One day (default: today).")
@click.option("--from", "start", metavar="YYYY-MM-DD", help="First day of a range.")
@click.option("--to", "end", metavar="YYYY-MM-DD", help="Last day of a range (default: today).")
@click.option("--lang", **option_kwargs("lang"))
@click.option("--db", "db_path", type=click.Path(), **option_kwargs("db"))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per day.")
def status(
    date_: str | None,
    start: str | None,
    end: str | None,
    lang: str,
    db_path: str | None,
    as_json: bool,
) -> None:
    """Completeness per day: listed, summarized, flagged, failed, missing.

    Exits 0 only when every day is complete; 1 when any paper failed or is missing, a day was
    never fetched, a weekday has no papers listed at all (likely an upstream change), or an
    arXiv listing is under 20% of the median of its last 10 weekdays (a partial listing).
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
    app = open_app(Settings.load(lang=lang, db=db_path))
    with app.open_store(readonly=True) as store:
        rows = [day_status(store, day, app.lang) for day in days]
    incomplete = [r for r in rows if not r.complete]
    for r in rows:
        if as_json:
            click.echo(
                json.dumps(
                    {
                        "day": r.day.isoformat(),
                        "fetched": r.fetched,
                        "listed": r.listed,
                        "summarized": r.summarized,
                        "flagged": r.flagged,
                        "failed": r.failed,
                        "missing": r.missing,
                        "complete": r.complete,
                        "problem": r.problem,
                        "small_listings": list(r.small),
                    }
                )
            )
        else:
            state = "ok" if r.complete else f"INCOMPLETE: {r.problem}"
            if r.complete and r.listed == 0:
                state = "ok (no papers: weekend)"
            click.echo(
                f"{r.day.isoformat()}  listed {r.listed:>3}  summarized {r.summarized:>3}"
                f"  flagged {r.flagged:>3}  failed {r.failed:>3}  missing {r.missing:>3}"
                f"  {state}"
            )
    if incomplete:
        click.echo(f"{len(incomplete)} of {len(rows)} day(s) incomplete", err=True)
        sys.exit(1)
