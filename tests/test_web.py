"""The read-only web server, over a real uvicorn process on a loopback port."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from paperdigest.models import Paper
from paperdigest.store import Store
from sitedata import XSS_TITLE, make_db, running_server


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_db(tmp_path_factory.mktemp("web") / "db.sqlite")


@pytest.fixture(scope="module")
def server(db: Path) -> Iterator[str]:
    with running_server(db) as base:
        yield base


@pytest.fixture(scope="module")
def client(server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server, timeout=10) as c:
        yield c


def test_days(client: httpx.Client) -> None:
    r = client.get("/api/days")
    assert r.status_code == 200
    days = r.json()["days"]
    assert [d["date"] for d in days][:3] == ["2024-07-25", "2024-07-22"]  # not the empty day
    assert {d["date"]: d["count"] for d in days}["2024-07-22"] == 16


def test_one_day(client: httpx.Client) -> None:
    body = client.get("/api/days/2024-07-22").json()
    assert body["count"] == 16 and body["lang"] == "ko"
    assert body["papers"][2]["id"] == "2407.14057"
    assert body["papers"][2]["summary"]["sections"]["whats_new"].startswith("LazyLLM은")
    english = client.get("/api/days/2024-07-22", params={"lang": "en"}).json()
    assert english["papers"][2]["summary"]["lang"] == "en"
    empty = client.get("/api/days/2024-07-20").json()
    assert empty["count"] == 0 and empty["papers"] == []


@pytest.mark.parametrize(
    ("path", "status", "message"),
    [
        ("/api/days/2023-01-01", 404, "no list for 2023-01-01"),
        ("/api/days/2024-13-01", 400, "not a date"),
        ("/api/days/yesterday", 400, "not a date"),
        ("/api/papers/9999.99999", 404, "no paper"),
        ("/api/papers/" + "x" * 500, 404, "no paper"),
        ("/api/search", 400, "missing query"),
        ("/api/search?q=", 400, "no words"),
        ("/api/search?q=%22%2A%22", 400, "no words"),
        ("/api/search?q=" + "a" * 300, 400, "too long"),
        ("/api/search?q=x&limit=0", 400, "limit"),
        ("/api/search?q=x&limit=many", 400, "limit"),
        ("/api/search?q=x&offset=-1", 400, "offset"),
    ],
)
def test_errors(client: httpx.Client, path: str, status: int, message: str) -> None:
    r = client.get(path)
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    assert message in r.json()["detail"]


def test_paper(client: httpx.Client) -> None:
    body = client.get("/api/papers/2407.14057").json()
    assert body["title"].startswith("LazyLLM")
    assert body["hf_url"] == "https://huggingface.co/papers/2407.14057"
    assert body["days"] == [{"date": "2024-07-22", "upvotes": 18, "position": 2}]
    assert set(body["summaries"]) == {"ko", "en"}
    assert body["summaries"]["ko"]["sections"]["whats_new"].startswith("LazyLLM은")
    hostile = client.get("/api/papers/2407.99002").json()
    assert hostile["media_url"] is None  # a javascript: URL is not handed out


def test_search(client: httpx.Client) -> None:
    body = client.get("/api/search", params={"q": "LazyLLM"}).json()
    assert body["total"] == 1
    hit = body["hits"][0]
    assert hit["id"] == "2407.14057" and hit["days"] == ["2024-07-22"]
    assert "<mark>LazyLLM</mark>" in hit["title_html"]
    assert "<mark>" in hit["snippet_html"] and "<mark>" not in hit["snippet"]
    # Korean, ranked by BM25 (title matches weigh most)
    body = client.get("/api/search", params={"q": "토큰"}).json()
    assert body["total"] >= 2 and "2407.14057" in [h["id"] for h in body["hits"]]
    scores = [h["score"] for h in body["hits"]]
    assert scores == sorted(scores)
    # FTS5 syntax is searched as text, never an error
    for q in ['"', "*", "NEAR", "NEAR(a b)", 'a" OR "b', "title:x", "-x", "(", "^a", "a AND"]:
        r = client.get("/api/search", params={"q": q})
        assert r.status_code in (200, 400), (q, r.text)
        if r.status_code == 400:
            assert "no words" in r.json()["detail"], q
    xss = client.get("/api/search", params={"q": "script alert"}).json()
    assert xss["hits"][0]["title"] == XSS_TITLE
    assert "<script>" not in xss["hits"][0]["title_html"]


def test_pages(client: httpx.Client) -> None:
    day = client.get("/ko/days/2024-07-22.html")
    assert day.status_code == 200 and day.headers["content-type"].startswith("text/html")
    assert day.text.count('<article class="card"') == 16
    assert "script-src 'self'" in day.headers["content-security-policy"]
    assert day.headers["x-content-type-options"] == "nosniff"
    assert client.get("/").text.count('<article class="card"') == 3  # latest day: 2024-07-25
    assert client.get("/en/").status_code == 200
    assert client.get("/ko/archive.html").text.count('href="days/') == 2  # not the empty day
    search = client.get("/ko/search.html").text
    assert 'data-search-api="/api/search"' in search and "search-index.js" not in search
    assert client.get("/ko/days/2024-07-22.json").json()["count"] == 16
    assert client.get("/assets/style.css").headers["content-type"].startswith("text/css")
    feed = client.get("/ko/atom/papers.xml")
    assert feed.headers["content-type"].startswith("application/atom+xml")
    assert "urn:paperdigest:paper:ko:2407.14057" in feed.text
    for missing in ("/ko/days/2099-01-01.html", "/xx/", "/ko/days/nope.html", "/assets/x.js"):
        r = client.get(missing)
        assert r.status_code == 404, missing
    not_found = client.get("/ko/days/2099-01-01.html")
    assert "text/html" in not_found.headers["content-type"]
    assert 'href="/assets/style.css"' in not_found.text


def test_openapi_docs_offline(client: httpx.Client) -> None:
    spec = client.get("/openapi.json").json()
    for path in ("/api/days", "/api/days/{date}", "/api/papers/{paper_id}", "/api/search"):
        assert path in spec["paths"], path
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "cdn." not in docs.text and "https://" not in docs.text.split("<body>")[0]
    js = [part.split('"')[0] for part in docs.text.split('src="')[1:]]
    assert js and all(client.get(src).status_code == 200 for src in js)


def test_read_only_and_sees_new_commits(db: Path, client: httpx.Client) -> None:
    for _ in range(3):
        client.get("/api/search", params={"q": "model"})
        client.get("/ko/days/2024-07-22.html")
    with Store(db) as writer:  # a digest run while the server is up (WAL: no blocking)
        writer.save_listing(dt.date(2024, 7, 26), [Paper(id="2407.77777", title="Fresh")], "t")
        dates = [d["date"] for d in client.get("/api/days").json()["days"]]
        assert dates[0] == "2024-07-26"
        assert client.get("/api/search", params={"q": "fresh"}).json()["total"] == 1
    with Store(db, readonly=True) as ro:
        assert ro.day_info(dt.date(2024, 7, 26)) is not None


def test_server_never_writes(tmp_path: Path) -> None:
    db = make_db(tmp_path / "db.sqlite", english=False, hostile=False)
    with Store(db) as s:
        s.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    digest = hashlib.sha256(db.read_bytes()).hexdigest()
    with running_server(db) as base, httpx.Client(base_url=base) as c:
        assert c.get("/api/search", params={"q": "LazyLLM"}).json()["total"] == 1
        assert c.get("/ko/days/2024-07-22.html").status_code == 200
        wal = db.with_name(db.name + "-wal")
        assert not wal.exists() or wal.stat().st_size == 0
    assert hashlib.sha256(db.read_bytes()).hexdigest() == digest


def test_empty_database(tmp_path: Path) -> None:
    db = tmp_path / "empty.db"
    Store(db).close()
    with running_server(db) as base, httpx.Client(base_url=base) as c:
        home = c.get("/")
        assert home.status_code == 200 and "아직 요약이 없습니다" in home.text
        assert c.get("/api/days").json() == {"count": 0, "days": []}
        assert c.get("/api/search", params={"q": "x"}).json()["total"] == 0
