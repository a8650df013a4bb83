"""The overview: week and month pages of the top papers by votes, the list/cards switch and the
day pager's keys in the markup, categories, and search over both languages."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from paperdigest.models import Paper
from paperdigest.render.html import build_site, search_records
from paperdigest.render.json_day import Period, load_day
from paperdigest.store import Store
from paperdigest.web.app import create_app
from sitedata import DAY, make_db

LATER = dt.date(2024, 7, 23)  # the same ISO week (2024-W30) and month as DAY
NEXT_MONTH = dt.date(2024, 8, 5)


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = make_db(tmp_path_factory.mktemp("overview") / "db.sqlite", hostile=False)
    with Store(path) as store:
        store.save_listing(LATER, [Paper(id="2407.20001", title="Most voted", upvotes=99,
                                         categories=("cs.CV",)),
                                   Paper(id="2407.14057", title="LazyLLM again", upvotes=40)],
                           "test")
        store.save_listing(NEXT_MONTH, [Paper(id="2408.00001", title="August", upvotes=5)],
                           "test")
    return path


@pytest.fixture(scope="module")
def site(db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    with Store(db) as store:
        build_site(store, out)
    return out


def test_periods() -> None:
    week = Period.of("week", DAY)
    assert (week.key, week.start, week.end) == ("2024-W30", dt.date(2024, 7, 22),
                                                dt.date(2024, 7, 28))
    month = Period.of("month", DAY)
    assert (month.key, month.start, month.end) == ("2024-07", dt.date(2024, 7, 1),
                                                   dt.date(2024, 7, 31))
    assert Period.parse("week", "2024-W30") == week and Period.parse("month", "2024-07") == month
    for bad in ("2024-W99", "2024-13", "x", "2024-W3"):
        assert Period.parse("week", bad) is None or Period.parse("month", bad) is None


def test_week_and_month_pages(site: Path) -> None:
    week = (site / "ko/weeks/2024-W30.html").read_text(encoding="utf-8")
    ids = re.findall(r'<li class="row[^"]*" data-paper="([^"]+)"', week)
    assert ids[:3] == ["2407.20001", "2407.14057", "2407.14507"]  # most votes first, once each
    assert len(ids) == 17 and ids.count("2407.14057") == 1
    assert "▲ 40" in week.split('data-paper="2407.14057"')[1][:200]  # its best day's votes
    assert 'href="../papers/2407.20001.html"' in week
    assert '<a rel="prev" href="../weeks/' not in week  # the oldest week
    assert '<a rel="next" href="../weeks/2024-W32.html"' in week
    month = (site / "ko/months/2024-08.html").read_text(encoding="utf-8")
    assert "August" in month and '<a rel="prev" href="../months/2024-07.html"' in month
    day = (site / "ko/days/2024-07-22.html").read_text(encoding="utf-8")
    assert 'href="../weeks/2024-W30.html"' in day and 'href="../months/2024-07.html"' in day
    assert 'data-view="list"' in day and 'aria-keyshortcuts="ArrowRight j"' not in day
    later = (site / "ko/days/2024-07-23.html").read_text(encoding="utf-8")
    assert '<a rel="prev" href="../days/2024-07-22.html" aria-keyshortcuts="ArrowRight j">' in later
    assert "cs.CV" in later  # the category, when the source has one
    archive = (site / "ko/archive.html").read_text(encoding="utf-8")
    assert 'href="months/2024-07.html"' in archive


def test_categories_from_the_source(db: Path) -> None:
    with Store(db, readonly=True) as store:
        day = load_day(store, DAY, "ko")
    categories = {e.paper.id: e.paper.primary_category for e in day.entries}
    assert categories["2407.14057"] == "cs.CL"  # arxivPrimaryCategory of the shared file
    assert sum(1 for c in categories.values() if c) == 14  # two items have none
    assert categories["2407.14482"] is None


def test_server_period_pages(db: Path) -> None:
    client = TestClient(create_app(db))
    page = client.get("/ko/weeks/2024-W30.html")
    assert page.status_code == 200 and "Most voted" in page.text
    assert client.get("/en/months/2024-08.html").status_code == 200
    assert client.get("/ko/weeks/2024-W01.html").status_code == 404  # no days in it
    assert client.get("/ko/weeks/nonsense.html").status_code == 404
    assert client.get("/ko/months/2024-07.json").status_code == 404


def test_search_matches_both_languages(db: Path) -> None:
    with Store(db, readonly=True) as store:
        rows = search_records([load_day(store, DAY, "ko")])
    lazy = next(r for r in rows if r[0] == "2407.14057")
    searched = " ".join(str(x) for x in lazy).lower()
    assert "prefilling" in searched and "트랜스포머" not in lazy[1]  # Korean summary text
    assert "lazyllm" in lazy[1].lower()  # the English title
    assert "the inference of transformer-based" in searched  # the English abstract
    client = TestClient(create_app(db))
    korean = client.get("/api/search", params={"q": "속도"}).json()
    english = client.get("/api/search", params={"q": "transformer inference"}).json()
    assert "2407.14057" in {h["id"] for h in korean["hits"]}
    assert "2407.14057" in {h["id"] for h in english["hits"]}
    assert json.dumps(korean)
