"""``paperdigest serve``: the pages, the JSON API and search, read-only, on uvicorn."""

from __future__ import annotations

import ipaddress
import os
import socket
import sys
from pathlib import Path

import click

from ..app import open_app
from ..errors import ConfigError
from ..settings import Settings, option_kwargs
from ..store.search import has_index


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@click.command()
@click.option("--db", "db_path", type=click.Path(dir_okay=False), **option_kwargs("db"))
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="TCP port."
)
@click.option("--lang", **option_kwargs("lang", help="Language of the home page."))
@click.option("--access-log/--no-access-log", default=False, help="Log every request.")
@click.option(
    "--profile",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The reader's profile: turns on POST /api/feedback/{id} (like/dislike), which ranks "
    "the paper's days again.",
)
def serve(
    db_path: str | None, host: str, port: int, lang: str, access_log: bool,
    profile: Path | None = None,
) -> None:
    """Serve the digest read-only: pages, /api/..., search, and the API docs at /docs."""
    import uvicorn

    app = open_app(Settings.load(db=db_path, lang=lang))
    path = app.db_label
    with app.open_store(readonly=True) as store:
        if not has_index(store):
            click.echo(
                f"warning: {path} has no search index yet, so /api/search answers 503; open it "
                "once for writing (e.g. `paperdigest site --db ...`) to add it",
                err=True,
            )
    if not _is_loopback(host):
        click.echo(f"note: listening on {host}, reachable from other machines", err=True)
    web = app.web_app(profile=profile)
    _check_port(host, port)
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"serving {path} at http://{shown}:{port}/ (API docs at /docs)", err=True)
    uvicorn.run(
        web,
        host=host,
        port=port,
        log_level="warning",
        access_log=access_log,
        server_header=False,
        proxy_headers=False,
        timeout_graceful_shutdown=1,  # SIGTERM: requests in flight get a second, then it stops
    )
    # a request thread still inside a long query must not hold the exit: uvicorn is done
    sys.stderr.flush()
    os._exit(0)


def _check_port(host: str, port: int) -> None:
    """A busy port or an address this machine does not have is one line (exit 2)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise ConfigError(
                f"cannot listen on {host}:{port}: {exc.strerror or exc} (is another server "
                "using it? pass --port)"
            ) from None
