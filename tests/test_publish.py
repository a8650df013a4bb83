"""Chat publishing: payloads within Slack's and Discord's limits, posted to a loopback receiver."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
from collections import deque
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from fakes import Reply, _Server
from paperdigest.errors import ConfigError, PublishError
from paperdigest.http import HttpPolicy
from paperdigest.models import Paper, Sections, Summary
from paperdigest.publish.chat import (
    DISCORD_TOTAL,
    discord_messages,
    embed_size,
    slack_messages,
)
from paperdigest.publish.webhook import check_webhook, send_messages
from paperdigest.render.json_day import Day, Entry
from sitedata import make_db

SECRET = "T0SECRET/B0SECRET/xoxb-very-secret-token"


class Receiver(_Server):
    """A webhook endpoint: records each POSTed JSON body, answers from a script, else 200."""

    def __init__(self, ok: Reply | None = None) -> None:
        super().__init__()
        self.script: deque[Reply] = deque()
        self.ok = ok or Reply(200, b"ok", {"Content-Type": "text/plain"})
        self.bodies: list[Any] = []
        self.times: list[float] = []

    def _dispatch(self, handler: BaseHTTPRequestHandler, method: str, raw: bytes | None) -> None:
        with self.lock:
            self.requests.append((method, handler.path, None))
            self.bodies.append(json.loads(raw or b"null"))
            self.times.append(time.monotonic())
            reply = self.script.popleft() if self.script else self.ok
        self._send(handler, reply)

    @property
    def hook(self) -> str:
        return f"{self.url}/services/{SECRET}"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as r:
        yield r


def big_day(n: int = 30, text_len: int = 2500) -> Day:
    """Papers with sections and titles far over every limit, and markup in them."""
    entries = []
    for i in range(n):
        body = ("가나다라마바사 <b>*굵게*</b> @everyone & " * 200)[:text_len]
        paper = Paper(
            id=f"2407.{i:05d}",
            title=f"Paper {i} " + "Very Long Title " * 40,
            authors=tuple(f"Author {j}" for j in range(30)),
            upvotes=100 - i,
            media_url=f"https://cdn.example/{i}.png",
        )
        summary = Summary(
            paper_id=paper.id,
            lang="ko",
            backend="b",
            model="m",
            prompt_version="v",
            input_hash="h",
            sections=Sections(whats_new=body, technical_details=body, performance_highlights=body),
            created_at="2024-07-22T00:00:00Z",
        )
        entries.append(Entry(paper, summary if i % 5 else None))
    return Day(dt.date(2024, 7, 22), "ko", None, tuple(entries))


def _slack_texts(block: dict[str, Any]) -> list[str]:
    texts = [block["text"]["text"]] if "text" in block else []
    return texts + [e["text"] for e in block.get("elements", ())]


@pytest.mark.parametrize("text_len", [200, 1200, 2500])
def test_slack_messages_stay_within_limits(text_len: int) -> None:
    day = big_day(30, text_len)
    messages = slack_messages(day, lang="ko", top=30)
    seen: list[str] = []
    for message in messages:
        assert len(message["blocks"]) <= 50
        assert len(message["text"]) <= 40_000
        for block in message["blocks"]:
            if block["type"] == "header":
                assert len(block["text"]["text"]) <= 150
            for text in _slack_texts(block):
                assert len(text) <= 3000
                assert "<b>" not in text
            if block["type"] == "section" and "arxiv.org/abs/" in block["text"]["text"]:
                seen.append(block["text"]["text"].split("abs/")[1].split("|")[0])
    assert seen == [f"2407.{i:05d}" for i in range(30)]  # every paper once, in vote order
    if text_len == 2500:
        assert len(messages) > 1


def test_slack_escaping_and_top_n() -> None:
    day = big_day(12, 100)
    messages = slack_messages(day, lang="ko", top=10, site_url="https://example.org/d&b/")
    assert len(messages) == 1
    blocks = messages[0]["blocks"]
    assert blocks[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Daily Papers 2024-07-22"},
    }
    assert "상위 10편 (전체 12편)" in blocks[1]["elements"][0]["text"]
    day_link = "<https://example.org/d&b/ko/days/2024-07-22.html|전체 요약>"
    assert day_link in blocks[1]["elements"][0]["text"]
    body = json.dumps(messages, ensure_ascii=False)
    assert "&lt;b&gt;*굵게*&lt;/b&gt;" in body and "<b>" not in body
    assert body.count("arxiv.org/abs/2407.") == 10  # the arXiv link of 10 papers
    # --site-url: each title links to the paper's own page there
    assert body.count("https://example.org/d&b/ko/papers/2407.") == 10
    assert "이 언어로 된 요약이 아직 없습니다." in body  # papers 0, 5 have no summary


@pytest.mark.parametrize("text_len", [200, 1500, 2500])
def test_discord_messages_stay_within_limits(text_len: int) -> None:
    messages = discord_messages(big_day(30, text_len), lang="ko", top=30)
    titles: list[str] = []
    for i, message in enumerate(messages):
        assert 1 <= len(message["embeds"]) <= 10
        assert sum(embed_size(e) for e in message["embeds"]) <= DISCORD_TOTAL
        assert message["allowed_mentions"] == {"parse": []}
        assert ("content" in message) == (i == 0)
        for embed in message["embeds"]:
            assert len(embed["title"]) <= 256
            assert len(embed["description"]) <= 4096
            assert embed["url"].startswith("https://arxiv.org/abs/")
            titles.append(embed["url"])
    assert len(messages[0]["content"]) <= 2000
    assert titles == [f"https://arxiv.org/abs/2407.{i:05d}" for i in range(30)]
    assert len(messages) >= 3


def test_discord_escaping() -> None:
    message = discord_messages(big_day(2, 100), lang="ko")[0]
    description = message["embeds"][1]["description"]
    assert "\\*굵게\\*" in description and "**What's New**" in description
    assert message["embeds"][1]["thumbnail"] == {"url": "https://cdn.example/1.png"}


def test_empty_day_is_one_short_message() -> None:
    day = Day(dt.date(2024, 7, 20), "en", None, ())
    slack = slack_messages(day, lang="en")
    assert len(slack) == 1 and "No papers were listed" in json.dumps(slack)
    discord = discord_messages(day, lang="en")
    assert discord == [
        {
            "embeds": [],
            "allowed_mentions": {"parse": []},
            "content": "**Daily Papers 2024-07-20** · No papers were listed on 2024-07-20.",
        }
    ]


def test_webhook_urls_are_checked() -> None:
    assert check_webhook("https://hooks.slack.com/services/x", "slack")
    assert check_webhook("http://127.0.0.1:9/x", "discord")
    for bad in ("http://hooks.slack.com/services/x", "ftp://x", "hooks.slack.com", ""):
        with pytest.raises(ConfigError) as info:
            check_webhook(bad, "slack")
        assert not bad or bad not in info.value.message


def test_send_retries_429_honouring_retry_after(receiver: Receiver) -> None:
    payloads = slack_messages(big_day(30, 2500), lang="ko", top=30)
    receiver.script.append(Reply(429, b"rate_limited", {"Retry-After": "1"}))
    started = time.monotonic()
    report = send_messages("slack", receiver.hook, payloads, spacing=0)
    assert report.messages == len(payloads) and report.retries == 1
    assert receiver.bodies[0] == receiver.bodies[1] == payloads[0]  # the same message again
    assert receiver.bodies[1:] == payloads
    assert receiver.times[1] - receiver.times[0] >= 0.95
    assert time.monotonic() - started >= 0.95
    assert all(path == f"/services/{SECRET}" for _, path, _ in receiver.requests)


def test_discord_204_and_spacing() -> None:
    with Receiver(ok=Reply(204, b"")) as r:
        payloads = discord_messages(big_day(30, 1500), lang="ko", top=30)
        report = send_messages("discord", r.hook, payloads, spacing=0.2)
        assert report.messages == len(payloads) == len(r.bodies)
        gaps = [b - a for a, b in zip(r.times, r.times[1:], strict=False)]
        # Spaced 0.2 s apart: asserted over the run, since one late arrival on a loaded machine
        # makes the next gap short (0.15 s was seen); unspaced posts come within milliseconds.
        assert sum(gaps) >= 0.9 * 0.2 * len(gaps), gaps


def test_refused_message_names_no_url(receiver: Receiver) -> None:
    receiver.script.append(Reply(400, b"invalid_blocks", {"Content-Type": "text/plain"}))
    with pytest.raises(PublishError) as info:
        send_messages("slack", receiver.hook, [{"text": "x"}], spacing=0)
    assert "HTTP 400: invalid_blocks" in info.value.message
    assert SECRET not in info.value.message and receiver.url not in info.value.message


def test_unreachable_webhook_names_no_url() -> None:
    with Receiver() as r:
        hook = r.hook
    policy = HttpPolicy(timeout=2, attempts=2, backoff_base=0.01)
    with pytest.raises(Exception) as info:
        send_messages("discord", hook, [{"content": "x"}], policy=policy, spacing=0)
    message = str(info.value)
    assert "Discord webhook" in message and SECRET not in message and "127.0.0.1" not in message


def _cli(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "paperdigest", "publish", *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=120,
    )


def test_cli_publish_keeps_the_webhook_secret(tmp_path: Path, receiver: Receiver) -> None:
    db = make_db(tmp_path / "db.sqlite", english=False, hostile=False)
    result = _cli(
        [
            "slack",
            "--webhook-env",
            "MY_HOOK",
            "--date",
            "2024-07-22",
            "--db",
            str(db),
            "--top",
            "5",
        ],
        {"MY_HOOK": receiver.hook},
    )
    assert result.returncode == 0, result.stderr
    assert "sent 1 message(s) with 5 paper(s) to the Slack webhook" in result.stderr
    assert SECRET not in result.stdout + result.stderr
    blocks = receiver.bodies[0]["blocks"]
    assert "LazyLLM" in json.dumps(blocks)
    assert sum(1 for b in blocks if b["type"] == "divider") == 4

    receiver.script.append(Reply(404, b"no_service", {"Content-Type": "text/plain"}))
    failed = _cli(["discord", "--webhook", receiver.hook, "--db", str(db)])
    assert failed.returncode == 1 and "HTTP 404: no_service" in failed.stderr
    assert SECRET not in failed.stdout + failed.stderr
    assert not list(tmp_path.glob("*.log"))

    both = _cli(["slack", "--webhook", "https://x", "--webhook-env", "A", "--db", str(db)])
    assert both.returncode == 2 and "not both" in both.stderr
    unset = _cli(["slack", "--webhook-env", "PD_UNSET_VAR", "--db", str(db)], {})
    assert unset.returncode == 2 and "PD_UNSET_VAR" in unset.stderr
    unknown = _cli(["slack", "--webhook", receiver.hook, "--date", "2023-01-02", "--db", str(db)])
    assert unknown.returncode == 2 and "no list for 2023-01-02" in unknown.stderr
    assert SECRET not in unknown.stderr

    dry = _cli(["discord", "--dry-run", "--db", str(db), "--top", "3"])
    assert dry.returncode == 0
    assert len(json.loads(dry.stdout)[0]["embeds"]) == 3
