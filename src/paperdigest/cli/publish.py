"""``paperdigest publish slack|discord|email``: a day's digest as chat messages over a webhook,
or as an e-mail over SMTP. :func:`publish_email` and :func:`publish_webhook` are also what
``daily --publish`` runs after it digests."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Sequence

import click

from ..app import App, open_app
from ..errors import ConfigError, StoreError
from ..publish import get_publisher, publisher_names
from ..publish.chat import DEFAULT_TOP
from ..render.json_day import Day, load_day
from ..settings import Settings, option_kwargs
from ..store import Store
from .digest import parse_day

EMAIL = "email"


def _latest_day(store: Store, day: dt.date | None, path: object) -> dt.date:
    if day is None:
        days = store.days()
        if not days:
            raise StoreError(f"{path} has no days yet: run `paperdigest digest` first")
        day = days[0].day
    if store.day_info(day) is None:
        raise ConfigError(f"no list for {day.isoformat()} in {path}")
    return day


def check_site_url(site_url: str | None) -> str | None:
    if site_url and not site_url.startswith(("https://", "http://")):
        raise click.BadParameter("must start with https:// or http://", param_hint="--site-url")
    return site_url


def publish_email(
    app: App,
    day: dt.date | None,
    *,
    to: Sequence[str],
    smtp_url: str | None,
    password_env: str | None,
    sender: str | None,
    top: int,
    site_url: str | None,
    force: bool,
    dry_run: bool,
) -> list[str]:
    """E-mail one day (default: the latest) to each address that has not had it yet (all of
    them with ``force``); returns the addresses sent to. ``dry_run`` prints the message."""
    from ..publish.email import (
        Mailer,
        default_sender,
        deliver,
        parse_addresses,
        parse_smtp_url,
        plan,
        preview,
    )
    from ..publish.email import compose as compose_email

    addresses = parse_addresses(to)
    if not smtp_url and not dry_run:
        raise ConfigError("no mail server: pass --smtp-url smtp[s]://[user@]host:port")
    target = parse_smtp_url(smtp_url) if smtp_url else None
    password = None
    if password_env and not dry_run:
        password = os.environ.get(password_env, "")
        if not password:
            raise ConfigError(f"the environment variable {password_env} is not set or empty")
    sender = sender or (default_sender(target) if target else "paperdigest@localhost")
    lang = app.lang
    with app.open_store(must_exist=True) as store:
        loaded = load_day(store, _latest_day(store, day, app.db_label), lang)
        todo = plan(store, loaded, addresses, force=force)
        for addr, when in todo.already:
            click.echo(
                f"{loaded.iso}: already sent to {addr} at {when}; skipped (--force sends again)",
                err=True,
            )
        if dry_run:
            if todo.send:
                msg = compose_email(loaded, sender=sender, to=todo.send[0], top=top,
                                    site_url=site_url)
                click.echo(preview(msg), nl=False)
            click.echo(
                f"{loaded.iso}: dry run: would send to {len(todo.send)} address(es): "
                + (", ".join(todo.send) or "none"),
                err=True,
            )
            return []
        if not todo.send:
            click.echo(f"{loaded.iso}: nothing new to send", err=True)
            return []
        assert target is not None
        timeout = float(app.settings["smtp_timeout"])
        cafile = app.settings.get("smtp_cafile")

        def mailer() -> Mailer:
            return Mailer(target, password, timeout=timeout, cafile=cafile)

        sent = deliver(store, todo, mailer, sender=sender, top=top, site_url=site_url)
    click.echo(
        f"{loaded.iso}: e-mailed {min(top, len(loaded.entries))} paper(s) to "
        f"{len(sent)} address(es) via {target.host}:{target.port}",
        err=True,
    )
    return sent


def publish_webhook(
    app: App,
    platform: str,
    day: dt.date | None,
    *,
    url: str | None,
    top: int,
    site_url: str | None,
    dry_run: bool,
) -> Day:
    publisher = get_publisher(platform)
    with app.open_store(readonly=True) as store:
        loaded = load_day(store, _latest_day(store, day, app.db_label), app.lang)
    payloads = publisher.messages(loaded, lang=app.lang, top=top, site_url=site_url)
    if dry_run:
        click.echo(json.dumps(payloads, ensure_ascii=False, indent=1))
        return loaded
    assert url is not None
    report = publisher.send(url, payloads)
    retried = f", {report.retries} retried" if report.retries else ""
    click.echo(
        f"{loaded.iso}: sent {report.messages} message(s) with "
        f"{min(top, len(loaded.entries))} paper(s) to the {publisher.label}{retried}",
        err=True,
    )
    return loaded


@click.command()
@click.argument("platform", type=click.Choice([*publisher_names(), EMAIL]))
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
@click.option("--to", "to", multiple=True, metavar="ADDR", **option_kwargs("email_to"))
@click.option("--smtp-url", metavar="URL", **option_kwargs("smtp_url"))
@click.option("--password-env", metavar="VAR", **option_kwargs("smtp_password_env"))
@click.option("--from", "sender", metavar="ADDR", **option_kwargs("email_from"))
@click.option("--force", is_flag=True, help="E-mail: send again to addresses that had the day.")
@click.option("--date", "date_", metavar="YYYY-MM-DD", help="Day to publish (default: latest).")
@click.option("--lang", **option_kwargs("lang"))
@click.option(
    "--top",
    type=click.IntRange(1, 100),
    default=DEFAULT_TOP,
    show_default=True,
    help="Papers to post, by votes.",
)
@click.option("--site-url", metavar="URL", **option_kwargs("site_url"))
@click.option("--db", "db_path", type=click.Path(dir_okay=False), **option_kwargs("db"))
@click.option("--dry-run", is_flag=True, help="Print what would be sent instead of sending it.")
def publish(
    platform: str,
    webhook: str | None,
    webhook_env: str | None,
    to: tuple[str, ...],
    smtp_url: str | None,
    password_env: str | None,
    sender: str | None,
    force: bool,
    date_: str | None,
    lang: str,
    top: int,
    site_url: str | None,
    db_path: str | None,
    dry_run: bool,
) -> None:
    """Post a day's digest to Slack (Block Kit) or Discord (embeds), or e-mail it.

    E-mail: `publish email --to ADDR --smtp-url smtps://user@host:465 --password-env VAR`.
    A day is sent to each address once (recorded in the database); --force sends it again.
    """
    site_url = check_site_url(site_url)
    app = open_app(Settings.load(db=db_path, lang=lang))
    day = parse_day(date_)
    if platform == EMAIL:
        if webhook or webhook_env:
            raise ConfigError("--webhook/--webhook-env are for slack and discord, not email")
        publish_email(
            app,
            day,
            to=_split_env_list(to),
            smtp_url=smtp_url,
            password_env=password_env,
            sender=sender,
            top=top,
            site_url=site_url,
            force=force,
            dry_run=dry_run,
        )
        return
    if to or smtp_url or password_env or force:
        raise ConfigError("--to, --smtp-url, --password-env and --force are for email")
    publisher = get_publisher(platform)
    url = None if dry_run else webhook_url(publisher.label, webhook, webhook_env)
    publish_webhook(app, platform, day, url=url, top=top, site_url=site_url, dry_run=dry_run)


def _split_env_list(values: Sequence[str]) -> list[str]:
    """--to values; from PAPERDIGEST_EMAIL_TO click passes one comma-separated string."""
    return [v for value in values for v in value.split(",") if v.strip()]


def webhook_url(label: str, webhook: str | None, webhook_env: str | None) -> str:
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
