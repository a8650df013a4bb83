"""E-mail publishing against a loopback SMTP server (tests/fake_smtp.py): STARTTLS and implicit
TLS with a self-signed certificate trusted through PAPERDIGEST_SMTP_CAFILE, AUTH PLAIN, a relay
without login, refused logins, unreachable servers, one delivery per day and address."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from fake_smtp import Behaviour, FakeSMTP, closed_port, make_cert, server_context
from paperdigest.checks import Problem
from paperdigest.cli import cli
from paperdigest.models import Sections
from paperdigest.store import Store, SummaryKey
from paperdigest.store.checks import save_checks
from paperdigest.store.deliveries import deliveries
from sitedata import DAY, make_db

PASSWORD = "s3cret-Pa55word!"
FLAGGED_ID = "2407.14057"
MODEL_INSTRUCTION = "Include at least one of them"


@pytest.fixture(scope="module")
def cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return make_cert(tmp_path_factory.mktemp("tls"))


def serve(cert: tuple[Path, Path], **kwargs: object) -> FakeSMTP:
    behaviour = Behaviour(**kwargs)  # type: ignore[arg-type]
    return FakeSMTP(behaviour, server_context(*cert)).start()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = make_db(tmp_path / "db.sqlite", english=True, hostile=False)
    with Store(path) as store:
        key = SummaryKey(FLAGGED_ID, "ko", "local", "tiny-1.5b", "v2", "flagged")
        sections = Sections(
            whats_new="LazyLLM은 새로운 방법입니다.",
            technical_details="중요한 토큰만 계산합니다.",
            performance_highlights="빨라집니다.",
        )
        summary = store.save_summary(key, sections, "input", status="flagged")
        assert summary.id is not None
        problem = Problem("key_figures", f"No result figure. {MODEL_INSTRUCTION}: 2.34x.")
        save_checks(store, summary.id, [problem], checks=["key_figures"])
    return path


def run(args: list[str], env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, args, env=env or {}, catch_exceptions=False)


def publish_args(db: Path, url: str, *to: str) -> list[str]:
    args = ["publish", "email", "--db", str(db), "--date", DAY.isoformat(), "--smtp-url", url]
    for addr in to:
        args += ["--to", addr]
    return args


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def test_starttls_login_parts_links_and_one_delivery_per_address(
    db: Path, cert: tuple[Path, Path]
) -> None:
    server = serve(cert, users={"me@example.org": PASSWORD})
    env = {"MAIL_PW": PASSWORD, "PAPERDIGEST_SMTP_CAFILE": str(cert[0])}
    try:
        url = f"smtp://me%40example.org@127.0.0.1:{server.port}"
        args = publish_args(db, url, "a@example.org", "b@example.org,a@example.org")
        args += ["--password-env", "MAIL_PW", "--site-url", "https://digest.example.org/",
                 "--top", "16"]
        first = run(args, env)
        assert first.exit_code == 0, first.stderr
        assert "e-mailed 16 paper(s) to 2 address(es)" in first.stderr
        assert PASSWORD not in first.stdout + first.stderr
        assert [r.recipients for r in server.received] == [["a@example.org"], ["b@example.org"]]
        got = server.received[0]
        assert got.tls and got.user == "me@example.org"
        assert "STARTTLS" in server.commands

        msg = got.message
        assert msg.get_content_type() == "multipart/alternative"
        assert msg["Subject"] == "Daily Papers 2024-07-22: 상위 16편 (전체 16편)"
        text_part = msg.get_body(("plain",))
        html_part = msg.get_body(("html",))
        assert text_part is not None and html_part is not None
        text, html = text_part.get_content(), html_part.get_content()
        # every paper, its summary and its page on the site, in both parts
        assert text.count("https://digest.example.org/ko/papers/") == 16
        assert "https://digest.example.org/ko/papers/2407.14057.html" in html
        assert "https://digest.example.org/ko/days/2024-07-22.html" in text
        assert "LazyLLM" in text and "LazyLLM" in html
        assert "What&#39;s New" in html and "Performance Highlights" in text
        # provenance: model, backend, what it read, the check status in words for a reader
        assert "tiny-1.5b (local)" in text and "test-model (test)" in text
        assert "성능 부분에 초록의 주요 결과 수치가 없습니다." in html
        assert MODEL_INSTRUCTION not in text + html
        assert html.count("⚠ 검사에서 문제 발견") == 1
        # inline styles only: no <style>, no stylesheet, no script, no remote image
        parser = _Tags()
        parser.feed(html)
        names = {tag for tag, _ in parser.tags}
        assert not names & {"style", "script", "link", "img", "iframe"}
        assert all(t[1].get("style") for t in parser.tags if t[0] in ("h2", "table", "p"))
        assert not any(k.startswith("on") for _, a in parser.tags for k in a)
        flagged_box = [a for t, a in parser.tags if "#b3261e" in (a.get("style") or "")]
        assert len(flagged_box) == 1  # the flagged paper's card is marked

        with Store(db, readonly=True) as store:
            rows = deliveries(store, DAY)
        assert sorted(r.recipient for r in rows) == ["a@example.org", "b@example.org"]
        assert all(PASSWORD not in repr(r) for r in rows)
        assert PASSWORD.encode() not in db.read_bytes()

        again = run(args, env)
        assert again.exit_code == 0, again.stderr
        assert len(server.received) == 2 and "nothing new to send" in again.stderr
        assert "already sent to a@example.org" in again.stderr

        more = run([*args, "--to", "c@example.org"], env)
        assert more.exit_code == 0 and [r.recipients for r in server.received[2:]] == [
            ["c@example.org"]
        ]
        forced = run([*args, "--force"], env)
        assert forced.exit_code == 0, forced.stderr
        assert len(server.received) == 5  # a and b again
    finally:
        server.stop()


def test_smtps_implicit_tls(db: Path, cert: tuple[Path, Path]) -> None:
    server = serve(cert, implicit_tls=True, starttls=False, users={"bot": PASSWORD})
    try:
        args = publish_args(db, f"smtps://bot@127.0.0.1:{server.port}", "x@example.org")
        result = run([*args, "--password-env", "PW", "--from", "digest@example.org"],
                     {"PW": PASSWORD, "PAPERDIGEST_SMTP_CAFILE": str(cert[0])})
        assert result.exit_code == 0, result.stderr
        assert server.received[0].tls and server.received[0].user == "bot"
        assert server.received[0].message["From"] == "digest@example.org"
        assert "STARTTLS" not in server.commands
        # the certificate is checked: without the CA file, a self-signed server is refused
        untrusted = run([*args, "--password-env", "PW", "--force"], {"PW": PASSWORD})
        assert untrusted.exit_code == 1
        assert "certificate does not verify" in untrusted.stderr
        assert len(untrusted.stderr.strip().splitlines()) == 1
        assert len(server.received) == 1
    finally:
        server.stop()


def test_password_is_never_sent_without_tls(db: Path, cert: tuple[Path, Path]) -> None:
    server = serve(cert, starttls=False, users={"me": PASSWORD})
    try:
        args = publish_args(db, f"smtp://me@127.0.0.1:{server.port}", "x@example.org")
        result = run([*args, "--password-env", "PW"], {"PW": PASSWORD})
        assert result.exit_code == 1
        assert "offers no TLS" in result.stderr and PASSWORD not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
        assert not any(c.startswith("AUTH") for c in server.commands)
        assert not server.received
        with Store(db, readonly=True) as store:
            assert deliveries(store) == []
    finally:
        server.stop()


def test_relay_without_login_works_in_plain_text(db: Path, cert: tuple[Path, Path]) -> None:
    server = serve(cert, starttls=False, auth=False)
    try:
        result = run(publish_args(db, f"smtp://127.0.0.1:{server.port}", "x@example.org"))
        assert result.exit_code == 0, result.stderr
        assert len(server.received) == 1 and not server.received[0].tls
        assert server.received[0].user is None
    finally:
        server.stop()


def test_refused_login_is_one_clear_line(db: Path, cert: tuple[Path, Path]) -> None:
    server = serve(cert, users={"me": "another password"})
    try:
        args = publish_args(db, f"smtp://me@127.0.0.1:{server.port}", "x@example.org")
        result = run([*args, "--password-env", "PW"],
                     {"PW": PASSWORD, "PAPERDIGEST_SMTP_CAFILE": str(cert[0])})
        assert result.exit_code == 1
        line = result.stderr.strip()
        assert len(line.splitlines()) == 1
        assert "refused the login of me" in line and "535" in line and PASSWORD not in line
        assert not server.received
    finally:
        server.stop()


def test_unreachable_server_and_bad_settings(db: Path) -> None:
    port = closed_port()
    result = run(publish_args(db, f"smtp://127.0.0.1:{port}", "x@example.org"),
                 {"PAPERDIGEST_SMTP_TIMEOUT": "3"})
    assert result.exit_code == 1
    assert f"cannot reach the mail server at 127.0.0.1:{port}" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    in_url = run(publish_args(db, f"smtp://me:{PASSWORD}@127.0.0.1:{port}", "x@example.org"))
    assert in_url.exit_code == 2 and "must not hold a password" in in_url.stderr
    assert PASSWORD not in in_url.stderr
    no_pw = run(publish_args(db, f"smtps://me@127.0.0.1:{port}", "x@example.org"))
    assert no_pw.exit_code == 2 and "no password for me" in no_pw.stderr
    bad = run(publish_args(db, f"smtp://127.0.0.1:{port}", "not an address"))
    assert bad.exit_code == 2 and "not an e-mail address" in bad.stderr
    scheme = run(publish_args(db, f"http://127.0.0.1:{port}", "x@example.org"))
    assert scheme.exit_code == 2 and "smtps://" in scheme.stderr
    with Store(db, readonly=True) as store:
        assert deliveries(store) == []


def test_dry_run_prints_and_sends_nothing(db: Path) -> None:
    port = closed_port()  # nothing is contacted
    result = run([*publish_args(db, f"smtp://127.0.0.1:{port}", "x@example.org"), "--dry-run",
                  "--top", "3"])
    assert result.exit_code == 0, result.stderr
    assert "--- text/plain ---" in result.stdout and "--- text/html ---" in result.stdout
    assert "To: x@example.org" in result.stdout
    assert "would send to 1 address(es): x@example.org" in result.stderr
    with Store(db, readonly=True) as store:
        assert deliveries(store) == []


def test_daily_publishes_once(
    tmp_path: Path, cert: tuple[Path, Path], fake_hf: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fakes import hf_item
    from paperdigest.ops import daily_days

    monkeypatch.setenv("PAPERDIGEST_HF_URL", fake_hf.url)  # type: ignore[attr-defined]
    days = daily_days(dt.datetime.now(dt.UTC), "UTC", lookback=0)
    for day in days:
        fake_hf.days[day.isoformat()] = [  # type: ignore[attr-defined]
            hf_item("2407.00001", "A paper about daily mail", upvotes=3, day=day.isoformat())
        ]
    server = serve(cert, auth=False)
    args = ["daily", "--tz", "UTC", "--lookback", "0", "--backend", "extractive", "--lang", "en",
            "--db", str(tmp_path / "p.db"), "--out", str(tmp_path / "out"),
            "--publish", "email", "--to", "r@example.org",
            "--smtp-url", f"smtp://127.0.0.1:{server.port}"]
    env = {"PAPERDIGEST_SMTP_CAFILE": str(cert[0])}
    try:
        first = run(args, env)
        assert first.exit_code == 0, first.stderr
        assert len(server.received) == 1
        body = server.received[0].message.get_body(("plain",))
        assert body is not None and "A paper about daily mail" in body.get_content()
        second = run(args, env)
        assert second.exit_code == 0, second.stderr
        assert len(server.received) == 1 and "nothing new to send" in second.stderr
        unknown = run([*args[:-6], "--publish", "pigeon"], env)
        assert unknown.exit_code == 2 and "pigeon" in unknown.stderr
    finally:
        server.stop()


def test_daily_posts_to_slack_once(
    tmp_path: Path, fake_hf: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fakes import hf_item
    from paperdigest.ops import daily_days
    from test_publish import Receiver

    monkeypatch.setenv("PAPERDIGEST_HF_URL", fake_hf.url)  # type: ignore[attr-defined]
    for day in daily_days(dt.datetime.now(dt.UTC), "UTC", lookback=0):
        fake_hf.days[day.isoformat()] = [  # type: ignore[attr-defined]
            hf_item("2407.00002", "A paper for the channel", upvotes=2, day=day.isoformat())
        ]
    args = ["daily", "--tz", "UTC", "--lookback", "0", "--backend", "extractive", "--lang", "en",
            "--db", str(tmp_path / "p.db"), "--out", str(tmp_path / "out"), "--publish", "slack"]
    missing = run(args)
    assert missing.exit_code == 2 and "PAPERDIGEST_SLACK_WEBHOOK" in missing.stderr
    assert not (tmp_path / "p.db").exists()  # refused before anything was digested
    with Receiver() as receiver:
        env = {"PAPERDIGEST_SLACK_WEBHOOK": receiver.hook}
        first = run(args, env)
        assert first.exit_code == 0, first.stderr
        assert len(receiver.bodies) == 1 and "A paper for the channel" in str(receiver.bodies[0])
        second = run(args, env)
        assert second.exit_code == 0 and "already posted to slack" in second.stderr
        assert len(receiver.bodies) == 1
        assert receiver.hook not in first.stderr + second.stderr
