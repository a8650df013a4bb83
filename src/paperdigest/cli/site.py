"""``paperdigest site``: a static site (pages, offline search, Atom feeds, JSON)."""

from __future__ import annotations

import time
from pathlib import Path

import click

from ..app import open_app
from ..render.html import build_site
from ..settings import Settings, option_kwargs


@click.command()
@click.option("--db", "db_path", type=click.Path(dir_okay=False), **option_kwargs("db"))
@click.option(
    "--out",
    "out_dir",
    default="site",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Folder to write the site into.",
)
@click.option(
    "--lang",
    "langs",
    multiple=True,
    metavar="LANG",
    help="Languages to build (repeatable; default: every language with a summary, ko first).",
)
@click.option(
    "--base-url",
    metavar="URL",
    help="Where the site will be served, e.g. https://example.org/papers/ (for feed links).",
)
def site(db_path: str | None, out_dir: str, langs: tuple[str, ...], base_url: str | None) -> None:
    """Build a static site: one page per day and language, archive, offline search, feeds."""
    if base_url and not base_url.startswith(("https://", "http://")):
        raise click.BadParameter("must start with https:// or http://", param_hint="--base-url")
    app = open_app(Settings.load(db=db_path))
    started = time.perf_counter()
    with app.open_store(must_exist=True) as store:
        report = build_site(store, out_dir, langs=langs or None, base_url=base_url)
    elapsed = time.perf_counter() - started
    if report.days == 0:
        click.echo("note: the database has no days yet; the site says so", err=True)
    click.echo(
        f"site: {report.days} days, {report.papers} papers, languages {', '.join(report.langs)}; "
        f"{report.written} files written, {report.unchanged} unchanged in {elapsed:.1f}s",
        err=True,
    )
    click.echo(str(Path(out_dir) / "index.html"))
