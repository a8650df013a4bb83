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
    assert took < 25, (took, proc.stderr)  # start-up can take 8 s on a loaded machine
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
    assert took < 30, (took, proc.stderr)
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


# -- 3. file modes -------------------------------------------------------------------------------


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600)])
def test_written_files_honour_the_umask(tmp_path: Path, shared_day: list, umask: int,
                                        mode: int) -> None:
    from click.testing import CliRunner

    from paperdigest.cli import cli
    from paperdigest.fsutil import write_atomic

    old = os.umask(umask)
    try:
        runner = CliRunner()
        out, site = tmp_path / "out", tmp_path / "site"
        result = runner.invoke(cli, ["digest", "--source", f"file:{SHARED_DAY}", "--backend",
                                     "extractive", "--lang", "en", "--limit", "2", "--db",
                                     str(tmp_path / "p.db"), "--out", str(out), "--report",
                                     str(tmp_path / "report.json")])
        assert result.exit_code == 0, result.stderr
        result = runner.invoke(cli, ["site", "--db", str(tmp_path / "p.db"), "--out", str(site)])
        assert result.exit_code == 0, result.stderr
        secret = write_atomic(tmp_path / "key", "s", secret=True)
    finally:
        os.umask(old)
    files = [p for p in [*out.rglob("*"), *site.rglob("*"), tmp_path / "report.json"]
             if p.is_file()]
    assert len(files) > 5
    assert {oct(p.stat().st_mode & 0o777) for p in files} == {oct(mode)}
    assert secret.stat().st_mode & 0o777 == 0o600


# -- 5. bounded, validated input ------------------------------------------------------------------


def hostile_day() -> list[dict[str, object]]:
    from fakes import hf_item

    day = "2024-07-22"
    long_clause = " ".join(["word"] * 3_000)  # 15 KB without a comma: the old regex's worst case
    return [
        hf_item("2407.00001", "Fine \x1b[2J paper \u202eevil\u202c\x07", day=day, upvotes=2**70,
                abstract=f"We study [x](javascript:alert(1)) and ![](https://t.example/p.gif). "
                         f"{long_clause}. It is fast.",
                thumbnail="https://x.example/a.png\n<script>alert(1)</script>"),
        hf_item("2407.00002", "Huge abstract", day=day, abstract="a" * 1_000_000),
        hf_item("2407.00003", "Huge title " + "t" * 1_000_000, day=day),
        hf_item("/etc/passwd", "Traversal", day=day),
        hf_item(".", "Dot", day=day),
        hf_item("a/b/c", "Slashes", day=day),
        hf_item("2407.00004", "Many authors", day=day, authors=("x" * 1_000_000,),
                abstract="A plain abstract. It works well."),
    ]


def test_hostile_input_is_bounded_cleaned_and_skipped_with_a_warning(tmp_path: Path) -> None:
    import sqlite3

    from fakes import FakeHF

    with FakeHF({"2024-07-22": hostile_day()}) as hf:
        secret_url = hf.url.replace("http://", "http://user:s3cr3t@")
        started = time.monotonic()
        proc = run_cli(["digest", "--source", "hf", "--date", "2024-07-22", "--backend",
                        "extractive", "--lang", "en", "--db", str(tmp_path / "p.db"),
                        "--out", str(tmp_path / "out")], tmp_path,
                       PAPERDIGEST_HF_URL=secret_url)
        took = time.monotonic() - started
    assert took < 30, took
    assert proc.returncode == 0, proc.stderr
    warnings = [line for line in proc.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 5, proc.stderr  # 2 oversized fields, 3 ids that are not arXiv ids
    assert any("1,000,000-character abstract" in w for w in warnings)
    assert any("'/etc/passwd'" in w for w in warnings)
    text = Path(proc.stdout.strip()).read_text(encoding="utf-8")
    assert text.count("### [") == 2
    for bad in ("\x1b", "\u202e", "\x07", "<script>", "[x](javascript:", "![](https://t."):
        assert bad not in text, bad
    assert r"\[x\](javascript:" in text  # shown as text, not a link
    assert "Vote: 1000000000" in text  # 2**70 capped, not an OverflowError
    assert "s3cr3t" not in proc.stderr + proc.stdout
    with sqlite3.connect(tmp_path / "p.db") as db:
        stored = " ".join(str(v) for row in db.execute("SELECT * FROM days") for v in row)
        stored += " ".join(str(v) for row in db.execute("SELECT * FROM runs") for v in row)
    assert "s3cr3t" not in stored and "127.0.0.1" in stored


def test_list_counting_is_linear_on_a_megabyte() -> None:
    from paperdigest.text.numbers import list_commas

    started = time.monotonic()
    assert list(list_commas("a " * 500_000)) == []
    assert list(list_commas("a, b, and c; " * 50_000))[:2] == [2, 2]
    assert time.monotonic() - started < 2


def test_deeply_nested_json_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "deep.json"
    bad.write_text("[" * 100_000 + "]" * 100_000)
    proc = run_cli(["digest", "--source", f"file:{bad}", "--date", "2024-07-22", "--backend",
                    "extractive", "--lang", "en", "--db", str(tmp_path / "p.db"), "--out",
                    str(tmp_path / "out")], tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "nested too deeply" in proc.stderr


@pytest.mark.parametrize("text", ["2407.14057", "2407.14057v2", "0704.0001", "hep-th/9901001",
                                  "math.AG/0601001v3"])
def test_arxiv_ids_of_both_styles_are_accepted(text: str) -> None:
    from paperdigest.untrusted import is_arxiv_id

    assert is_arxiv_id(text)


@pytest.mark.parametrize("text", ["/etc/passwd", ".", "a/b/c", "2407.14057/../x", "2407.1",
                                  "2407.14057 ", "2407.14057v0"])
def test_other_ids_are_refused(text: str) -> None:
    from paperdigest.untrusted import is_arxiv_id

    assert not is_arxiv_id(text)


@pytest.mark.parametrize("url", ["javascript:alert(1)", "file:///etc/passwd", "https://a.b/x\ny",
                                 "https://a.b/\tx", "https://u:p@a.b/", "https://a.b:99999/",
                                 "data:image/png;base64,xx", "//a.b/x",
                                 "https://a.b/" + "x" * 3000])
def test_unsafe_urls_are_dropped(url: str) -> None:
    from paperdigest.untrusted import safe_url

    assert safe_url(url) is None


def test_credentials_are_redacted_from_any_text() -> None:
    from paperdigest.untrusted import public_source, redact

    text = "failed: https://me:pw@h.example/api?token=abc&x=1 and http://k@host/p"
    assert redact(text) == "failed: https://h.example/api?token=***&x=1 and http://host/p"
    assert public_source("file:/home/me/saved/day.json") == "file:day.json"


# -- 6. webhooks ---------------------------------------------------------------------------------


def test_webhooks_do_not_echo_bodies_or_follow_redirects() -> None:
    from fakes import Reply, _Server
    from paperdigest.errors import ConfigError, PublishError
    from paperdigest.publish.webhook import send_messages

    class Echo(_Server):
        def __init__(self) -> None:
            super().__init__()
            self.script: list[Reply] = []

        def _dispatch(self, handler, method, raw):  # type: ignore[no-untyped-def]
            with self.lock:
                self.requests.append((method, handler.path, raw))
            self._send(handler, self.script.pop(0))

    with Echo() as server:
        hook = f"{server.url}/services/T000/B000/SECRETTOKEN"
        server.script.append(Reply(404, f"no such hook: {hook}".encode(),
                                   {"Content-Type": "text/plain"}))
        with pytest.raises(PublishError) as info:
            send_messages("slack", hook, [{"text": "x"}], spacing=0)
        assert "SECRETTOKEN" not in info.value.message and "HTTP 404" in info.value.message
        server.script.append(Reply(302, b"", {"Location": "http://127.0.0.1:9/elsewhere"}))
        with pytest.raises(PublishError, match="redirect, not followed"):
            send_messages("slack", hook, [{"text": "x"}], spacing=0)
        assert len(server.requests) == 2
    for bad in ("https://hooks.slack.com/x\nHost: evil", "https://hooks.slack.com:99999/x",
                "https://xn--a.example/x"):
        with pytest.raises(ConfigError):
            send_messages("slack", bad, [{"text": "x"}], spacing=0)


# -- 2. days with no papers ----------------------------------------------------------------------


def test_a_backfill_across_a_weekend_writes_no_weekend_files_pages_or_entries(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from fakes import FakeHF, hf_item
    from paperdigest.cli import cli

    days = {"2024-07-19": [hf_item("2407.00001", "Friday paper", day="2024-07-19")],
            "2024-07-22": [hf_item("2407.00002", "Monday paper", day="2024-07-22")]}
    runner = CliRunner()
    db, out, site = str(tmp_path / "p.db"), tmp_path / "out", tmp_path / "site"
    with FakeHF(days) as hf:
        monkeypatch.setenv("PAPERDIGEST_HF_URL", hf.url)
        result = runner.invoke(cli, ["backfill", "--from", "2024-07-19", "--to", "2024-07-22",
                                     "--backend", "extractive", "--lang", "en", "--db", db,
                                     "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in out.rglob("*.md")) == ["19.en.md", "22.en.md", "README.md"]
    front = (out / "README.md").read_text(encoding="utf-8")  # the front page: no weekend days
    assert "2024-07-22: [en]" in front and "2024-07-20" not in front
    result = runner.invoke(cli, ["site", "--db", db, "--out", str(site), "--lang", "en",
                                 "--base-url", "https://example.org/p/"])
    assert result.exit_code == 0, result.stderr
    pages = sorted(p.name for p in (site / "en/days").glob("*.html"))
    assert pages == ["2024-07-19.html", "2024-07-22.html"]
    monday = (site / "en/days/2024-07-22.html").read_text(encoding="utf-8")
    assert 'href="../days/2024-07-19.html"' in monday and "2024-07-21" not in monday
    feed = "".join(p.read_text(encoding="utf-8") for p in (site / "en/atom").glob("*.xml"))
    assert "2024-07-20" not in feed and "2024-07-21" not in feed
    status = runner.invoke(cli, ["status", "--db", db, "--lang", "en", "--from", "2024-07-19",
                                 "--to", "2024-07-22"])
    assert status.exit_code == 0, status.output
    weekend = [line for line in status.stdout.splitlines() if "2024-07-2" in line][:2]
    assert all("no papers" in line for line in weekend), status.stdout


# -- 7. a server that holds ----------------------------------------------------------------------


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    from sitedata import make_db, running_server

    db = make_db(tmp_path / "db.sqlite", english=False)
    with running_server(db) as base:
        yield base, db


def test_answers_are_cached_until_the_database_changes(served: tuple[str, Path]) -> None:
    import httpx

    from paperdigest.models import Paper
    from paperdigest.store import Store

    base, db = served
    with httpx.Client(base_url=base, timeout=10) as client:
        for path in ("/ko/days/2024-07-22.html", "/ko/atom/papers.xml", "/api/days",
                     "/api/days/2024-07-22", "/api/papers/2407.14057", "/ko/archive.html"):
            first = client.get(path)
            assert first.status_code == 200, path
            etag, modified = first.headers["etag"], first.headers["last-modified"]
            again = client.get(path, headers={"If-None-Match": etag})
            assert again.status_code == 304 and again.content == b"", path
            head = client.head(path)
            assert head.status_code == 200 and head.content == b"", path
            assert head.headers["etag"] == etag and modified
        etag = client.get("/api/days").headers["etag"]
        time.sleep(0.01)
        with Store(db) as store:
            store.save_listing(dt_date(2024, 7, 26), [Paper(id="2407.20001", title="New")], "t")
        changed = client.get("/api/days", headers={"If-None-Match": etag})
        assert changed.status_code == 200 and changed.headers["etag"] != etag
        assert "2024-07-26" in changed.text
        assert client.head("/").status_code == 200
        assert client.get("/favicon.ico").status_code == 204


def dt_date(y: int, m: int, d: int):  # type: ignore[no-untyped-def]
    import datetime as dt

    return dt.date(y, m, d)


def test_healthz_fails_when_the_database_cannot_be_read(served: tuple[str, Path]) -> None:
    import httpx

    base, db = served
    assert httpx.get(f"{base}/healthz", timeout=10).status_code == 200
    with open(db, "r+b") as fh:  # corrupt the middle of the file
        size = fh.seek(0, 2)
        fh.seek(size // 2)
        fh.write(b"\xde\xad\xbe\xef" * 4096)
    answer = httpx.get(f"{base}/healthz", timeout=10)
    assert answer.status_code == 503 and "unreadable" in answer.text


def test_sigterm_stops_the_server_within_two_seconds(tmp_path: Path) -> None:
    import signal

    from sitedata import free_port, make_db, wait_until_serving

    db = make_db(tmp_path / "db.sqlite", english=False)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "paperdigest", "serve", "--db", str(db),
                             "--port", str(port)], stderr=subprocess.PIPE)
    try:
        wait_until_serving(proc, f"http://127.0.0.1:{port}")
        busy = subprocess.Popen([sys.executable, "-m", "paperdigest", "serve", "--db", str(db),
                                 "--port", str(port)], stderr=subprocess.PIPE, text=True)
        _, err = busy.communicate(timeout=30)
        assert busy.returncode == 2 and "cannot listen on 127.0.0.1" in err
        assert "Traceback" not in err and "serving" not in err
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
        assert time.monotonic() - started < 2.5
    finally:
        if proc.poll() is None:
            proc.kill()


# -- 4. one search everywhere --------------------------------------------------------------------


def test_the_server_search_finds_arxiv_ids_and_bounds_snippet_cost(tmp_path: Path) -> None:
    from paperdigest.models import Paper
    from paperdigest.store import Store
    from paperdigest.store.search import search

    with Store(tmp_path / "p.db") as store:
        store.save_listing(dt_date(2024, 7, 22), [
            Paper(id="2407.14057", title="LazyLLM", abstract="Dynamic token pruning."),
            # written straight to the store: older data from before the size limits
            Paper(id="2407.00009", title="Long", abstract="b " * 500_000),
        ], "t")
        for query in ("2407.14057", "2407.14057v2", "arXiv:2407.14057",
                      "https://arxiv.org/abs/2407.14057v1"):
            found = search(store, query)
            assert [h.paper_id for h in found.hits] == ["2407.14057"], query
        assert search(store, "2407.99999").total == 0
        started = time.monotonic()
        found = search(store, "b")
        assert time.monotonic() - started < 3
        assert [h.paper_id for h in found.hits] == ["2407.00009"]


# -- 8. small things -----------------------------------------------------------------------------


def test_site_refuses_a_language_that_is_a_path(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from paperdigest.cli import cli
    from sitedata import make_db

    db = make_db(tmp_path / "db.sqlite", english=False)
    result = CliRunner().invoke(cli, ["site", "--db", str(db), "--out", str(tmp_path / "out" / "s"),
                                      "--lang", "../../x"])
    assert result.exit_code == 2 and "not a language code" in result.stderr
    assert not (tmp_path / "x").exists() and not (tmp_path / "out").exists()


def test_an_unknown_language_suggests_no_option_that_does_not_exist(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from paperdigest.cli import cli

    result = CliRunner().invoke(cli, ["digest", "--source", f"file:{SHARED_DAY}", "--lang", "kr",
                                      "--backend", "extractive", "--db", str(tmp_path / "p.db")])
    assert result.exit_code == 2 and "--prompt-file" not in result.stderr


def test_the_report_counts_requests_not_only_attempts(tmp_path: Path, shared_day: list) -> None:
    import json

    from click.testing import CliRunner

    from fakes import FakeOpenAI, Reply
    from paperdigest.cli import cli

    with FakeOpenAI() as server:
        server.script.append(Reply(200, b"{}"))  # an answer that is not the three sections
        result = CliRunner().invoke(cli, [
            "digest", "--source", f"file:{SHARED_DAY}", "--backend", "openai", "--base-url",
            server.base_url, "--model", "fake-model", "--db", str(tmp_path / "p.db"), "--out",
            str(tmp_path / "out"), "--concurrency", "1", "--repairs", "0", "--limit", "1",
            "--report", str(tmp_path / "r.json")])
        requests = len(server.chat_requests)
    report = json.loads((tmp_path / "r.json").read_text())
    assert requests == 2, result.stderr
    flagged = report["flagged"]
    assert not flagged or flagged[0]["requests"] == 2


def test_a_missing_korean_page_says_so_in_korean(served: tuple[str, Path]) -> None:
    import httpx

    base, _ = served
    answer = httpx.get(f"{base}/ko/days/2099-01-01.html", timeout=10)
    assert answer.status_code == 404
    assert "페이지를 찾을 수 없습니다." in answer.text and "no digest" not in answer.text
