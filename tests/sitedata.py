"""Databases for the site, web, search and publish tests: the shared 2024-07-22 list with the
reference digest's Korean sections stored as summaries (as a Korean backend would have written
them), English sections for a second language, and hostile extra days.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from conftest import REFERENCE, SHARED_DAY
from paperdigest.models import Paper, Sections
from paperdigest.sources.hf_format import parse_items
from paperdigest.store import Store, SummaryKey

DAY = dt.date(2024, 7, 22)
XSS_TITLE = "<script>alert(1)</script>"
XSS_DAY = dt.date(2024, 7, 25)
EMPTY_DAY = dt.date(2024, 7, 20)
_HEAD = re.compile(r"^### \[(?P<title>.*)\]\(https://arxiv\.org/abs/(?P<id>[^)]+)\)\s*$")
_PART = re.compile(r"^- \*\*(?P<label>[^*]+)\*\*: (?P<text>.*)$")
_LABELS = {
    "What's New": "whats_new",
    "Technical Details": "technical_details",
    "Performance Highlights": "performance_highlights",
}


def reference_sections() -> dict[str, Sections]:
    """Paper id -> the Korean sections of the reference digest."""
    out: dict[str, Sections] = {}
    current: str | None = None
    parts: dict[str, str] = {}
    for line in REFERENCE.read_text(encoding="utf-8").splitlines():
        head = _HEAD.match(line)
        if head:
            current, parts = head["id"], {}
            continue
        part = _PART.match(line)
        if part and current and part["label"] in _LABELS:
            parts[_LABELS[part["label"]]] = part["text"]
            if len(parts) == 3:
                out[current] = Sections(**parts)
    return out


def shared_papers() -> list[Paper]:
    return parse_items(json.loads(SHARED_DAY.read_text(encoding="utf-8")), DAY)


def save(store: Store, paper_id: str, lang: str, sections: Sections, backend: str = "test") -> None:
    key = SummaryKey(paper_id, lang, backend, "test-model", "v1", f"{paper_id}-{lang}")
    store.save_summary(key, sections, f"input for {paper_id}")


def english_sections(paper: Paper) -> Sections:
    sentences = [s for s in re.split(r"(?<=\.)\s+", " ".join(paper.abstract.split())) if s]
    sentences += ["(no more text)"] * 3
    return Sections(
        whats_new=sentences[0],
        technical_details=sentences[1],
        performance_highlights=sentences[2],
    )


def make_db(path: Path, *, english: bool = True, hostile: bool = True) -> Path:
    """The shared day with Korean (and English) summaries; optionally hostile extra days."""
    korean = reference_sections()
    papers = shared_papers()
    with Store(path) as store:
        store.save_listing(DAY, papers, "file:hf-daily-2024-07-22.json")
        for paper in papers:
            if paper.id in korean:
                save(store, paper.id, "ko", korean[paper.id])
            if english:
                save(store, paper.id, "en", english_sections(paper))
        if hostile:
            add_hostile_days(store)
    return path


def add_hostile_days(store: Store) -> None:
    """A day with no papers, and a day of titles and links meant to break the pages."""
    store.save_listing(EMPTY_DAY, [], "test")
    long_title = "A Very Long Title " + "Supercalifragilisticexpialidocious" * 12
    bad = [
        Paper(
            id="2407.99001",
            title=XSS_TITLE,
            authors=("<img src=x onerror=alert(2)>", "Mallory & Co"),
            abstract='Abstract with "quotes" and <b>tags</b> & ampersands.',
            upvotes=9,
            media_url="https://invalid.invalid/broken-thumbnail.png",
        ),
        Paper(
            id="2407.99002",
            title=long_title,
            authors=tuple(f"Author Number{i}" for i in range(40)),
            abstract="Long.",
            upvotes=5,
            media_url="javascript:alert(3)",
        ),
        Paper(
            id="2407.99003",
            title="A video paper",
            abstract="Video.",
            upvotes=1,
            media_url="https://invalid.invalid/clip.mp4",
        ),
    ]
    store.save_listing(XSS_DAY, bad, "test")
    save(
        store,
        "2407.99001",
        "ko",
        Sections(
            whats_new="</dd><script>alert(4)</script> 새로운 점",
            technical_details="기술 <b>세부</b> & 사항",
            performance_highlights='"성능" 하이라이트',
        ),
    )


FLAGGED_ID = "2407.14057"  # LazyLLM: a flagged Korean summary with two kinds of problem
REPAIRED_ID = "2407.14177"  # passed the checks after a repair
MODEL_INSTRUCTION = "Include at least one of them"  # the checks' words for the model


def add_check_records(store: Store) -> None:
    """A flagged summary (read from the full text), a repaired one (read from the abstract)."""
    from paperdigest.checks import Problem
    from paperdigest.store.checks import save_checks
    from paperdigest.store.fulltext import record_input

    sections = Sections(
        whats_new="LazyLLM은 긴 문맥에서 첫 토큰이 나오기까지의 시간을 줄이는 방법입니다.",
        technical_details="다음 토큰 예측에 중요한 토큰의 KV만 계산합니다.",
        performance_highlights="LLama 2 7B 모델에서 첫 토큰 생성이 빨라집니다.",
    )
    key = SummaryKey(FLAGGED_ID, "ko", "local", "tiny-1.5b", "v2", "h-flagged")
    flagged = store.save_summary(key, sections, "input", status="flagged")
    assert flagged.id is not None
    save_checks(
        store,
        flagged.id,
        [
            Problem("key_figures", f"Performance Highlights gives no figure. {MODEL_INSTRUCTION}."),
            Problem("numbers", "2.34x is not in the text."),
            Problem("numbers", "99% is not in the text."),
        ],
        checks=["key_figures", "numbers"],
        attempts=[{"attempt": 1, "failed": ["key_figures", "numbers"]}],
    )
    record_input(store, FLAGGED_ID, "h-flagged", source="html", reason="arXiv HTML",
                 budget_tokens=6000, input_tokens=5520)
    key = SummaryKey(REPAIRED_ID, "ko", "openai", "gpt-x", "v2", "h-repaired")
    repaired = store.save_summary(key, reference_sections()[REPAIRED_ID], "input")
    assert repaired.id is not None
    save_checks(store, repaired.id, [], checks=["numbers"],
                attempts=[{"attempt": 1, "failed": ["numbers"]}, {"attempt": 2, "failed": []}])
    record_input(store, REPAIRED_ID, "h-repaired", source="abstract", reason="no full text",
                 budget_tokens=24000, input_tokens=400)


# -- a real server --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_serving(proc: subprocess.Popen[Any], base: str, timeout: float = 30) -> None:
    """Until the server started as ``proc`` answers ``/healthz`` at ``base`` (RuntimeError if
    it exits first or does not answer within ``timeout`` seconds)."""
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            out = proc.stderr.read() if proc.stderr else ""
            text = out.decode() if isinstance(out, bytes) else str(out)
            raise RuntimeError(f"server exited with {proc.returncode}: {text}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"server did not start in {timeout:.0f} s")
        time.sleep(0.1)


@contextlib.contextmanager
def running_server(db: Path, *extra: str) -> Iterator[str]:
    """``paperdigest serve`` in a subprocess on a free loopback port; yields its base URL."""
    port = free_port()
    env = dict(os.environ)
    env.pop("PAPERDIGEST_RAISE_ERRORS", None)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "paperdigest",
            "serve",
            "--db",
            str(db),
            "--port",
            str(port),
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(proc, base)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
