"""Thin click commands over the pipeline. Errors become one line on stderr and an exit code."""

from __future__ import annotations

import gc
import importlib
import os
import sys

import click

from .. import __version__
from ..errors import AppError

# Commands load on first use, so `paperdigest digest` does not import the web server, the site
# renderer or pymupdf. Outside packages add commands through the entry-point group
# ``paperdigest.commands`` (``name = "module:command"``).
COMMANDS: dict[str, str] = {
    "digest": "paperdigest.cli.digest:digest",
    "backfill": "paperdigest.cli.ops:backfill",
    "daily": "paperdigest.cli.ops:daily",
    "status": "paperdigest.cli.ops:status",
    "check": "paperdigest.cli.check:check",
    "eval": "paperdigest.cli.check:eval_",
    "fulltext": "paperdigest.cli.fulltext:fulltext_command",
    "model": "paperdigest.cli.model:model_group",
    "site": "paperdigest.cli.site:site",
    "serve": "paperdigest.cli.serve:serve",
    "publish": "paperdigest.cli.publish:publish",
}


def _plugin_commands() -> dict[str, str]:
    from importlib.metadata import entry_points

    return {ep.name: ep.value for ep in entry_points(group="paperdigest.commands")}


class AppGroup(click.Group):
    """Loads commands lazily, and translates AppError into ``error: message`` and its exit
    code, once, at the edge."""

    def _targets(self) -> dict[str, str]:
        return {**_plugin_commands(), **COMMANDS}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self._targets()})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name) or _plugin_commands().get(cmd_name)
        if target is None:
            return super().get_command(ctx, cmd_name)
        module_name, _, attr = target.partition(":")
        command = getattr(importlib.import_module(module_name), attr)
        if not isinstance(command, click.Command):
            raise click.ClickException(f"{target} is not a click command")
        return command

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except AppError as exc:
            if os.environ.get("PAPERDIGEST_RAISE_ERRORS") == "1":
                raise
            click.echo(f"error: {exc.message}", err=True)
            ctx.exit(exc.exit_code)


@click.group(cls=AppGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="paperdigest")
def cli() -> None:
    """Daily research-paper digests in your own language, checked against the papers."""


def main() -> None:
    try:
        cli.main(prog_name="paperdigest", standalone_mode=True)
    except KeyboardInterrupt:  # pragma: no cover - interactive
        click.echo("interrupted: finished summaries are saved; run again to resume", err=True)
        sys.exit(130)
    finally:
        # Everything is written and closed by now. Freezing the heap lets the interpreter skip
        # collecting thousands of SDK classes at exit (~0.15 s of every run's wall time).
        gc.freeze()
