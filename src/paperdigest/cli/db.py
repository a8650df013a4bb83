"""``paperdigest db``: moving a database between stores (a SQLite file, a PostgreSQL URL)."""

from __future__ import annotations

import time

import click

from ..errors import StoreError
from ..untrusted import redact


@click.group("db")
def db_group() -> None:
    """Database tools: copy between SQLite and PostgreSQL."""


@db_group.command("copy")
@click.option("--from", "source", required=True, metavar="FILE|URL",
              help="The database to read: a SQLite file or a postgresql:// URL.")
@click.option("--to", "target", required=True, metavar="FILE|URL",
              help="A new, empty database to write: a SQLite file or a postgresql:// URL.")
def copy_command(source: str, target: str) -> None:
    """Copy every table, then verify row counts and checksums per table (printed)."""
    from ..app import open_app
    from ..settings import Settings
    from ..store.copy import copy_store

    if redact(source) == redact(target):
        raise click.BadParameter("--from and --to are the same database", param_hint="--to")
    started = time.perf_counter()
    reader = open_app(Settings.load(db=source)).open_store(readonly=True, must_exist=True)
    with reader as src, open_app(Settings.load(db=target)).open_store() as dst:
        report = copy_store(src, dst)
    elapsed = time.perf_counter() - started
    width = max(len(r.table) for r in report)
    for r in report:
        verdict = "ok" if r.ok else "MISMATCH"
        click.echo(f"{r.table:<{width}}  {r.source_rows:>8} rows  sha256 {r.source_sum[:16]}  "
                   f"-> {r.target_rows:>8} rows  sha256 {r.target_sum[:16]}  {verdict}")
    bad = [r.table for r in report if not r.ok]
    if bad:
        raise StoreError(f"copy differs from the source in: {', '.join(bad)}")
    total = sum(r.source_rows for r in report)
    click.echo(f"copied {total} rows from {redact(source)} to {redact(target)} in "
               f"{elapsed:.1f}s; every table verified", err=True)
