"""Issue 13: what a daily job meets in the wild (dead LLM servers, empty weekends, umask,
hostile input, secrets). Loopback servers only."""

from __future__ import annotations

import os
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import SHARED_DAY


class BadServer:
    """A loopback TCP server that misbehaves: ``hang`` (accepts, reads, never answers),
    ``reset`` (accepts, then resets the connection) or ``refuse`` (nothing listens)."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.held: list[socket.socket] = []
        self.stopped = threading.Event()
        if mode == "refuse":
            self.sock.close()
        else:
            self.sock.listen(64)
            self.sock.settimeout(0.2)
            threading.Thread(target=self._serve, daemon=True).start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def _serve(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            if self.mode == "reset":
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                conn.close()
            else:
                self.held.append(conn)

    def close(self) -> None:
        self.stopped.set()
        for conn in self.held:
            conn.close()
        if self.mode != "refuse":
            self.sock.close()


@pytest.fixture
def bad_server(request: pytest.FixtureRequest) -> Iterator[BadServer]:
    server = BadServer(request.param)
    yield server
    server.close()


def run_cli(args: list[str], tmp_path: Path, timeout: float = 120,
            **env: str) -> subprocess.CompletedProcess[str]:
    environ = dict(os.environ, PAPERDIGEST_HOME=str(tmp_path / "home"), PAPERDIGEST_FULLTEXT="0",
                   **env)
    return subprocess.run([sys.executable, "-m", "paperdigest", *args], env=environ,
                          capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


# -- 1. the circuit breaker ----------------------------------------------------------------------


@pytest.mark.parametrize("bad_server", ["hang", "refuse", "reset"], indirect=True)
def test_a_dead_llm_server_stops_the_run_in_bounded_time(tmp_path: Path, shared_day: list,
                                                         bad_server: BadServer) -> None:
    started = time.monotonic()
    proc = run_cli(["digest", "--source", f"file:{SHARED_DAY}", "--backend", "openai",
                    "--base-url", bad_server.base_url, "--model", "m", "--timeout", "2",
                    "--db", str(tmp_path / "p.db"), "--out", str(tmp_path / "out"),
                    "--concurrency", "1"], tmp_path)
    took = time.monotonic() - started
    assert proc.returncode == 1, proc.stderr
    # two timeouts (2 s each) plus start-up, not 16 papers x 5 tries x 2 s
    assert took < 15, (took, proc.stderr)
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, proc.stderr
    assert f"127.0.0.1:{bad_server.port}" in errors[0]
    assert "in a row" in errors[0] and "next run" in errors[0]
    if bad_server.mode == "hang":
        assert "timed out" in errors[0]
    if bad_server.mode != "refuse":
        assert bad_server.connections <= 3  # two requests, not papers x retries
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()  # nothing made: no header-only digest


def test_a_cron_run_against_a_hanging_server_logs_and_ends(tmp_path: Path) -> None:
    """``daily`` with no terminal: a readable log, one line per event, a bounded time."""
    from fakes import FakeHF, hf_item

    server = BadServer("hang")
    try:
        with FakeHF() as hf:
            import datetime as dt

            today = dt.datetime.now(dt.UTC).date()
            for back in range(4):
                day = (today - dt.timedelta(days=back)).isoformat()
                hf.days[day] = [hf_item(f"2407.0000{n}", f"Paper {n}", day=day)
                                for n in range(1, 4)]
            started = time.monotonic()
            proc = run_cli(["daily", "--backend", "openai", "--base-url", server.base_url,
                            "--timeout", "2", "--db", str(tmp_path / "p.db"),
                            "--out", str(tmp_path / "out")], tmp_path,
                           PAPERDIGEST_HF_URL=hf.url)
            took = time.monotonic() - started
    finally:
        server.close()
    assert proc.returncode == 1, proc.stderr
    assert took < 20, (took, proc.stderr)
    assert "Traceback" not in proc.stderr and "\x1b" not in proc.stderr
    assert f"127.0.0.1:{server.port}" in proc.stderr
    assert all(len(line) < 400 for line in proc.stderr.splitlines())


def test_without_a_terminal_each_paper_is_a_log_line_and_a_wait_a_heartbeat(
        tmp_path: Path, shared_day: list, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from fakes import FakeOpenAI, Reply
    from paperdigest.cli import cli
    from paperdigest.cli.digest import LogProgress

    monkeypatch.setattr(LogProgress, "beat", 0.3)
    with FakeOpenAI() as server:
        server.script.append(Reply(200, b"{}", delay=1.2))  # a slow answer: the heartbeat shows
        result = CliRunner().invoke(cli, [
            "digest", "--source", f"file:{SHARED_DAY}", "--backend", "openai", "--base-url",
            server.base_url, "--model", "fake-model", "--db", str(tmp_path / "p.db"), "--out",
            str(tmp_path / "out"), "--concurrency", "1", "--repairs", "0", "--limit", "3",
            "--timeout", "5"])
    lines = result.stderr.splitlines()
    per_paper = [line for line in lines if "/3 " in line and "2407." in line]
    assert len(per_paper) == 3, result.stderr
    assert any("still waiting" in line for line in lines), result.stderr
