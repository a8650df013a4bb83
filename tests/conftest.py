from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fakes import FakeHF, FakeOpenAI

SHARED = Path(__file__).resolve().parents[2] / "shared"
SHARED_DAY = SHARED / "data" / "hf-daily-2024-07-22.json"
REFERENCE = SHARED / "reference" / "daily-papers-2024-07-22.ko.md"


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own PAPERDIGEST_HOME and no LLM settings from the environment."""
    home = tmp_path / "home"
    monkeypatch.setenv("PAPERDIGEST_HOME", str(home))
    # No test reaches arxiv.org: digest's full text is off unless a test turns it on and points
    # PAPERDIGEST_ARXIV_URL at a loopback server (tests/fulltext_fixtures.py: FakeArxiv).
    monkeypatch.setenv("PAPERDIGEST_FULLTEXT", "0")
    monkeypatch.setenv("PAPERDIGEST_ARXIV_URL", "http://127.0.0.1:9")
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "PAPERDIGEST_BASE_URL", "PAPERDIGEST_MODEL",
                "PAPERDIGEST_BACKEND", "PAPERDIGEST_DB", "PAPERDIGEST_HF_URL",
                "PAPERDIGEST_RAISE_ERRORS", "PAPERDIGEST_LANG", "PAPERDIGEST_SOURCE"):
        monkeypatch.delenv(var, raising=False)
    return home


@pytest.fixture
def shared_day() -> list[dict[str, Any]]:
    if not SHARED_DAY.exists():
        pytest.skip("../shared/data is not present")
    return json.loads(SHARED_DAY.read_text(encoding="utf-8"))


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def fake_hf() -> Iterator[FakeHF]:
    with FakeHF() as server:
        yield server


PG_URL = os.environ.get("PAPERDIGEST_TEST_PG_URL", "")


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_URL, autocommit=True) as admin:
        admin.execute(sql)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A new, empty PostgreSQL database on the server scripts/test starts (dropped after).

    Skipped when PAPERDIGEST_TEST_PG_URL is not set, i.e. outside scripts/test; scripts/test
    sets PAPERDIGEST_TEST_REQUIRE_PG, and then a missing server fails instead."""
    if not PG_URL:
        if os.environ.get("PAPERDIGEST_TEST_REQUIRE_PG"):
            pytest.fail("PAPERDIGEST_TEST_PG_URL is not set but scripts/test requires PostgreSQL")
        pytest.skip("no PostgreSQL: PAPERDIGEST_TEST_PG_URL is not set (scripts/test sets it)")
    name = f"t_{uuid.uuid4().hex[:16]}"
    _pg_admin(f"CREATE DATABASE {name}")
    base, _, _ = PG_URL.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        _pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(params=["sqlite", "postgresql"])
def db_target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a Store is opened: a SQLite file, then a PostgreSQL database (store tests run
    against both engines)."""
    if request.param == "sqlite":
        return str(tmp_path / "p.db")
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium per test module (the browser tests skip when there is none)."""
    from playwright.sync_api import sync_playwright

    from test_site_browser import ARGS, CHROMIUM

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()
