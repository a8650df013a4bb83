"""The composition root: one App from settings, for the CLI, the web app and the benchmarks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conftest import SHARED_DAY
from fake_summarizer import FakeSummarizer
from paperdigest.app import RunOptions, open_app
from paperdigest.errors import LanguageRefused, StoreError
from paperdigest.settings import Settings

GOOD = {
    "whats_new": "이 논문은 새로운 방법을 제안합니다.",
    "technical_details": "방법은 간단한 구성 요소로 이루어져 있습니다.",
    "performance_highlights": "여러 벤치마크에서 좋은 결과를 보였습니다.",
}


def settings(tmp_path: Path, **given: Any) -> Settings:
    return Settings.load(db=tmp_path / "p.db", source=f"file:{SHARED_DAY}", **given)


def test_a_digest_session_with_an_injected_summarizer(tmp_path: Path,
                                                      shared_day: list[Any]) -> None:
    fake = FakeSummarizer(default=GOOD)
    app = open_app(settings(tmp_path), _summarizer=fake)
    with app.digest_session(RunOptions(out_dir=tmp_path / "out", limit=2, repairs=0)) as session:
        result = session.run_day(None)
    assert result.summarized == 2 and len(fake.requests) == 2
    assert result.path == tmp_path / "out" / "2024" / "07" / "22.md" and result.lang == "ko"
    with app.open_store(readonly=True) as store:
        assert store.count_summaries() == 2


class VersionedWriter(FakeSummarizer):
    """A backend whose own code decides what is written (as the local faithful writer does)."""

    def __init__(self, version: str) -> None:
        super().__init__(default=GOOD)
        self.version = version

    @property
    def writer_version(self) -> str:
        return self.version


def test_a_new_writer_version_summarizes_again(tmp_path: Path, shared_day: list[Any]) -> None:
    # Same model id, prompt files and input: only the backend's way of writing changed (an
    # upgrade). The old summaries must not be reused; an unchanged version reuses them.
    def day(version: str) -> tuple[int, int, VersionedWriter]:
        fake = VersionedWriter(version)
        app = open_app(settings(tmp_path), _summarizer=fake)
        options = RunOptions(out_dir=tmp_path / "out", limit=2, repairs=0)
        with app.digest_session(options) as session:
            result = session.run_day(None)
        return result.summarized, result.reused, fake

    assert day("1")[:2] == (2, 0)
    assert day("1")[:2] == (0, 2)
    summarized, reused, fake = day("2")
    assert (summarized, reused, len(fake.requests)) == (2, 0, 2)
    with open_app(settings(tmp_path)).open_store(readonly=True) as store:
        versions = {r[0] for r in store.db.execute("SELECT prompt_version FROM summaries")}
    assert len(versions) == 2 and all(v.endswith(("+1", "+2")) for v in versions)


def test_the_language_is_checked_before_the_database_is_made(tmp_path: Path,
                                                             shared_day: list[Any]) -> None:
    app = open_app(settings(tmp_path), _summarizer=FakeSummarizer(languages=("en",)))
    with pytest.raises(LanguageRefused), app.digest_session(RunOptions()):
        pass
    assert not (tmp_path / "p.db").exists()


def test_the_web_app_and_commands_that_read_need_an_existing_database(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    app = open_app(settings(tmp_path))
    with pytest.raises(StoreError, match="database not found"):
        app.open_store(must_exist=True)
    app.open_store().close()  # creates it
    with TestClient(app.web_app()) as client:
        assert client.get("/api/days").status_code == 200
