"""``paperdigest publish slack|discord``: a day's digest as chat messages over a webhook."""

from __future__ import annotations

import json
import os

import click

from ..app import open_app
from ..errors import ConfigError, StoreError
from ..publish import get_publisher, publisher_names
from ..publish.chat import DEFAULT_TOP
from ..render.json_day import load_day
from ..settings import Settings, option_kwargs
from .digest import parse_day


@click.command()
@click.argument("platform", type=click.Choice(publisher_names()))
@click.option(
    "--webhook",
    metavar="URL",
    help="Incoming webhook URL (a secret: prefer --webhook-env, which keeps it out of `ps`).",
)
@click.option(
    "--webhook-env",
    metavar="VAR",
    help="Environment variable holding the webhook URL.",
)
@click.option("--date", "date_", metavar="YYYY-MM-DD", help="Day to publish (default: latest).")
@click.option("--lang", **option_kwargs("lang"))
@click.option(
    "--top",
    type=click.IntRange(1, 100),
    default=DEFAULT_TOP,
    show_default=True,
    help="Papers to post, by votes.",
)
@click.option("--site-url", metavar="URL", help="Link to the full digest, shown in the message.")
@click.option("--db", "db_path", type=click.Path(dir_okay=False), **option_kwargs("db"))
@click.option("--dry-run", is_flag=True, help="Print the JSON payloads instead of sending them.")
def publish(
    platform: str,
    webhook: str | None,
    webhook_env: str | None,
    date_: str | None,
    lang: str,
    top: int,
    site_url: str | None,
    db_path: str | None,
    dry_run: bool,
) -> None:
    """Post a day's digest to Slack (Block Kit) or Discord (embeds)."""
    publisher = get_publisher(platform)
    url = None if dry_run else _webhook(publisher.label, webhook, webhook_env)
    if site_url and not site_url.startswith(("https://", "http://")):
        raise click.BadParameter("must start with https:// or http://", param_hint="--site-url")
    app = open_app(Settings.load(db=db_path, lang=lang))
    path = app.db_label
    with app.open_store(readonly=True) as store:
        day = parse_day(date_)
        if day is None:
            days = store.days()
            if not days:
                raise StoreError(f"{path} has no days yet: run `paperdigest digest` first")
            day = days[0].day
        if store.day_info(day) is None:
            raise ConfigError(f"no list for {day.isoformat()} in {path}")
        loaded = load_day(store, day, lang)
    payloads = publisher.messages(loaded, lang=lang, top=top, site_url=site_url)
    if dry_run:
        click.echo(json.dumps(payloads, ensure_ascii=False, indent=1))
        return
    assert url is not None
    report = publisher.send(url, payloads)
    retried = f", {report.retries} retried" if report.retries else ""
    click.echo(
        f"{day.isoformat()}: sent {report.messages} message(s) with "
        f"{min(top, len(loaded.entries))} paper(s) to the {publisher.label}{retried}",
        err=True,
    )


def _webhook(label: str, webhook: str | None, webhook_env: str | None) -> str:
    if webhook and webhook_env:
        raise ConfigError("give --webhook or --webhook-env, not both")
    if webhook_env:
        value = os.environ.get(webhook_env, "").strip()
        if not value:
            raise ConfigError(f"the environment variable {webhook_env} is not set or empty")
        return value
    if webhook:
        return webhook
    raise ConfigError(f"no {label}: pass --webhook-env VAR (or --webhook URL)")
