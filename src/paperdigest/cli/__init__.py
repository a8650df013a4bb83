"""Thin click commands over the application (:mod:`paperdigest.app`). Errors become one line
on stderr and an exit code."""

from __future__ import annotations

import gc
import importlib
import sys

import click

from .. import __version__
from ..errors import AppError
from ..settings import value

# httpx imports its own command-line tool when rich, pygments and click are installed (they
# are: the progress bars and this CLI use two of them): about 50 ms of every worker's start-up
# for a tool this program never runs. Without it httpx works the same; `httpx.main` then
# says the tool could not run.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]


class AppGroup(click.Group):
    """Loads commands from the plugin registry on first use (:mod:`.plugin` registers the
    built-ins; a built-in name cannot be replaced), and translates AppError into ``error:
    message`` and its exit code, once, at the edge."""

    def _targets(self) -> dict[str, str]:
        from ..plugins import registry
        from .plugin import COMMANDS

        found = {name: str(e.target) for name, e in registry().commands.items()}
        return {**found, **COMMANDS}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self._targets()})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = self._targets().get(cmd_name)
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
            if value("raise_errors"):
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
