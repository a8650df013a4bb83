from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from fakes import FakeHF, Reply, hf_item
from paperdigest.errors import ConfigError, FetchError, InputError
from paperdigest.http import HttpPolicy
from paperdigest.sources import open_source
from paperdigest.sources.file_snapshot import FileSource
from paperdigest.sources.hf_daily import HFDailySource

FAST = HttpPolicy(timeout=5, attempts=3, backoff_base=0.01, backoff_max=0.05)
DAY = dt.date(2024, 7, 22)


def write_json(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_shared_day_parses_in_vote_order(shared_day: list[dict]) -> None:
    from conftest import SHARED_DAY

    listing = FileSource(SHARED_DAY).fetch(None)
    assert listing.day == DAY
    assert len(listing.papers) == 16
    votes = [p.upvotes for p in listing.papers]
    assert votes == sorted(votes, reverse=True)
    first = listing.papers[0]
    assert first.id == "2407.14507"
    assert first.authors[:2] == ("Xun Liang", "Shichao Song")
    assert first.media_url and first.media_url.endswith("2407.14507.png")
    assert "\n" not in first.title
    # equal votes keep the file's order: 2407.13168, 2407.10960, 2407.14138 all have 6
    six = [p.id for p in listing.papers if p.upvotes == 6]
    assert six == ["2407.13168", "2407.10960", "2407.14138"]
    # a paper without authors or publishedAt still parses
    no_authors = next(p for p in listing.papers if p.id == "2407.13833")
    assert no_authors.authors == ()
    assert next(p for p in listing.papers if p.id == "2407.14257").published_at is None


def test_only_id_and_title_are_required(tmp_path: Path) -> None:
    path = write_json(tmp_path / "d.json", [{"paper": {"id": "2401.00001"}, "title": "T",
                                             "publishedAt": "2024-01-02"}])
    paper = FileSource(path).fetch(None).papers[0]
    assert (paper.id, paper.title, paper.abstract, paper.upvotes, paper.authors) == (
        "2401.00001", "T", "", 0, ())
    assert paper.media_url == (
        "https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/2401.00001.png")


def test_video_media_is_preferred(tmp_path: Path) -> None:
    item = hf_item("2401.00002", "Video paper", day="2024-01-02",
                   mediaUrl="https://cdn.example.org/v/clip.mp4")
    paper = FileSource(write_json(tmp_path / "d.json", [item])).fetch(None).papers[0]
    assert paper.media_is_video and paper.media_url.endswith("clip.mp4")


@pytest.mark.parametrize(
    ("content", "error", "words"),
    [
        (b"\xff\xfe\x00garbage", InputError, "not UTF-8"),
        (b"[{\"paper\": ", InputError, "not valid JSON: "),
        (b'{"error": "Invalid date"}', InputError, "API error"),
        (b'[{"paper": {"title": "no id"}, "title": "x"}]', InputError, "item 0 has no 'paper.id'"),
        (b'[{"paper": {"id": "2401.1"}}]', InputError, "has no title"),
        (b'{"papers": []}', InputError, "expected a JSON array"),
    ],
)
def test_bad_saved_files(tmp_path: Path, content: bytes, error: type, words: str) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(error) as info:
        FileSource(path).fetch(DAY)
    assert words in str(info.value)
    assert str(path) in str(info.value)


def test_missing_file_and_date_mismatch(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        FileSource(tmp_path / "nope.json").fetch(None)
    path = write_json(tmp_path / "d.json", [hf_item("2401.00001", "T", day="2024-07-22")])
    with pytest.raises(ConfigError, match="lists papers of 2024-07-22, not 2024-07-23"):
        FileSource(path).fetch(dt.date(2024, 7, 23))


def test_open_source_specs() -> None:
    with pytest.raises(ConfigError, match="unknown source"):
        open_source("arxive")
    with pytest.raises(ConfigError, match="needs a path"):
        open_source("file:")


def test_hf_reads_every_page(fake_hf: FakeHF) -> None:
    items = [hf_item(f"2407.{i:05d}", f"Paper {i}", upvotes=i % 7) for i in range(73)]
    fake_hf.days["2024-07-22"] = items
    listing = HFDailySource(fake_hf.url, policy=FAST).fetch(DAY)
    assert len(listing.papers) == 73
    pages = [q for _, _, q in fake_hf.requests]
    assert [(q["p"], q["limit"], q["date"]) for q in pages] == [
        ("0", "50", "2024-07-22"), ("1", "50", "2024-07-22")]
    assert [p.upvotes for p in listing.papers] == sorted((i % 7 for i in range(73)), reverse=True)


def test_hf_exactly_full_page_asks_once_more(fake_hf: FakeHF) -> None:
    fake_hf.days["2024-07-22"] = [hf_item(f"2407.{i:05d}", f"P{i}") for i in range(50)]
    listing = HFDailySource(fake_hf.url, policy=FAST).fetch(DAY)
    assert len(listing.papers) == 50
    assert len(fake_hf.requests) == 2  # the second page is empty


def test_hf_empty_weekend_is_not_an_error(fake_hf: FakeHF) -> None:
    listing = HFDailySource(fake_hf.url, policy=FAST).fetch(dt.date(2024, 7, 20))
    assert listing.papers == ()


def test_hf_error_body_with_status_200(fake_hf: FakeHF) -> None:
    fake_hf.replies["2024-07-22"] = __import__("collections").deque(
        [Reply(200, {"error": "Invalid date format"})])
    with pytest.raises(FetchError, match="Invalid date format"):
        HFDailySource(fake_hf.url, policy=FAST).fetch(DAY)


def test_hf_retries_server_errors_and_honours_retry_after(fake_hf: FakeHF) -> None:
    from collections import deque

    ok = Reply(200, [hf_item("2407.00001", "Only one")])
    fake_hf.replies["2024-07-22"] = deque([
        Reply(500, {"error": "boom"}), Reply(429, {"error": "slow"}, {"Retry-After": "0.2"}), ok])
    import time

    start = time.monotonic()
    listing = HFDailySource(fake_hf.url, policy=FAST).fetch(DAY)
    assert [p.id for p in listing.papers] == ["2407.00001"]
    assert time.monotonic() - start >= 0.2  # waited as Retry-After asked
    assert len(fake_hf.requests) == 3


def test_hf_gives_up_with_a_clear_message(fake_hf: FakeHF) -> None:
    from collections import deque

    fake_hf.replies["2024-07-22"] = deque([Reply(503, b"down")] * 3)
    with pytest.raises(FetchError, match=r"failed after 3 tries: .*HTTP 503"):
        HFDailySource(fake_hf.url, policy=FAST).fetch(DAY)


def test_hf_not_json_and_client_error(fake_hf: FakeHF) -> None:
    from collections import deque

    fake_hf.replies["2024-07-22"] = deque([Reply(200, b"<html>oops</html>")])
    with pytest.raises(FetchError, match="not JSON"):
        HFDailySource(fake_hf.url, policy=FAST).fetch(DAY)
    fake_hf.replies["2024-07-23"] = deque([Reply(400, {"error": "bad date"})])
    with pytest.raises(FetchError, match="HTTP 400: bad date"):
        HFDailySource(fake_hf.url, policy=FAST).fetch(dt.date(2024, 7, 23))


def test_hf_skips_malformed_items_but_keeps_the_rest(fake_hf: FakeHF) -> None:
    fake_hf.days["2024-07-22"] = [{"paper": {}}, hf_item("2407.00001", "Good")]
    listing = HFDailySource(fake_hf.url, policy=FAST).fetch(DAY)
    assert [p.id for p in listing.papers] == ["2407.00001"]
    assert listing.skipped and "paper.id" in listing.skipped[0]


def test_unreachable_server() -> None:
    policy = HttpPolicy(timeout=1, attempts=2, backoff_base=0.01)
    with pytest.raises(FetchError, match="could not connect"):
        HFDailySource("http://127.0.0.1:9", policy=policy).fetch(DAY)
