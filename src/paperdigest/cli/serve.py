"""``paperdigest serve``: the pages, the JSON API and search, read-only, on uvicorn."""

from __future__ import annotations

import contextlib
import ipaddress
import os
import signal
import socket
import sys
import time
from pathlib import Path
from typing import Any

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
@click.option(
    "--workers", type=click.IntRange(1, 32), default=1, show_default=True,
    help="Server processes sharing the port (POSIX), each with its own answer cache: more "
    "than one uses more than one core.",
)
def serve(
    db_path: str | None, host: str, port: int, lang: str, access_log: bool,
    profile: Path | None = None, workers: int = 1,
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
    options: dict[str, Any] = {
        "log_level": "warning",
        "access_log": access_log,
        "server_header": False,
        "proxy_headers": False,
        "timeout_graceful_shutdown": 1,  # SIGTERM: requests in flight get a second, then stop
    }
    if workers > 1 and not hasattr(os, "fork"):
        click.echo("note: --workers needs fork (POSIX); serving with one process", err=True)
    if workers > 1 and hasattr(os, "fork"):
        click.echo(f"serving {path} at http://{shown}:{port}/ (API docs at /docs) with "
                   f"{workers} processes", err=True)
        _serve_forked(uvicorn.Server(uvicorn.Config(web, **options)), host, port, workers)
    else:
        click.echo(f"serving {path} at http://{shown}:{port}/ (API docs at /docs)", err=True)
        uvicorn.run(web, host=host, port=port, **options)
    # a request thread still inside a long query must not hold the exit: uvicorn is done
    sys.stderr.flush()
    os._exit(0)


def _serve_forked(server: Any, host: str, port: int, workers: int) -> None:
    """``workers`` processes answering on one listening socket. The app is made (and the
    database checked) once, before the fork, with no connection or thread open; each process
    opens its own connections and keeps its own answers (the ETag names the database's state,
    so every process gives the same validators). SIGTERM or SIGINT is passed on to every
    process; one that has not stopped 2 seconds later is killed. A process that dies stops
    the others (exit 1): a supervisor restarts the server."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    children: list[int] = []
    stopping = {"at": 0.0}

    def stop(signum: int, frame: object) -> None:
        if not stopping["at"]:
            stopping["at"] = time.monotonic()
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    # installed before the fork, so a SIGTERM that comes early is not lost; each worker puts the
    # default back at once (its server then installs its own)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for _ in range(workers):
        if stopping["at"]:
            break
        pid = os.fork()
        if pid == 0:  # a worker: serve until told to stop
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.default_int_handler)
            code = 0
            try:
                server.run(sockets=[sock])
            except BaseException:  # a worker ends here, whatever happened
                code = 1
            sys.stderr.flush()
            os._exit(code)
        children.append(pid)
    sock.close()
    if stopping["at"]:  # told to stop while forking: tell every worker, the last ones too
        stop(signal.SIGTERM, None)
    failed = False
    while children:
        pid, _ = os.waitpid(-1, os.WNOHANG)
        if pid == 0:
            if stopping["at"] and time.monotonic() - stopping["at"] > 2:
                for left in children:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(left, signal.SIGKILL)
            time.sleep(0.05)
            continue
        if pid in children:
            children.remove(pid)
            if not stopping["at"]:  # a worker died on its own: stop the rest
                failed = True
                stop(signal.SIGTERM, None)
    if failed:
        click.echo("error: a server process died; stopped the others", err=True)
        sys.stderr.flush()
        os._exit(1)


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
