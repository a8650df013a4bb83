"""`serve` and `site` reading PostgreSQL: the same pages, API and search as over SQLite."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import httpx
from click.testing import CliRunner

from paperdigest.cli import cli
from paperdigest.models import Paper
from paperdigest.store import Store
from sitedata import make_db, running_server


def _copied(tmp_path: Path, pg_url: str) -> str:
    source = make_db(tmp_path / "a.db")
    result = CliRunner().invoke(cli, ["db", "copy", "--from", str(source), "--to", pg_url])
    assert result.exit_code == 0, result.output
    return pg_url


def test_serve_reads_postgres(tmp_path: Path, pg_url: str) -> None:
    url = _copied(tmp_path, pg_url)
    with running_server(url) as base, httpx.Client(base_url=base, timeout=10) as client:
        assert client.get("/healthz").text == "ok\n"
        body = client.get("/api/search", params={"q": "LazyLLM"}).json()
        assert body["total"] == 1
        hit = body["hits"][0]
        assert hit["id"] == "2407.14057" and hit["days"] == ["2024-07-22"]
        assert "<mark>LazyLLM</mark>" in hit["title_html"]
        korean = client.get("/api/search", params={"q": "토큰"}).json()
        assert korean["total"] >= 2 and "2407.14057" in [h["id"] for h in korean["hits"]]
        scores = [h["score"] for h in korean["hits"]]
        assert scores == sorted(scores)
        for q in ['"', "*", "NEAR(a b)", 'a" OR "b', "title:x", "-x", "(", "a & b | !c", "x:*"]:
            r = client.get("/api/search", params={"q": q})
            assert r.status_code in (200, 400), (q, r.text)
        day = client.get("/ko/days/2024-07-22.html")
        assert day.status_code == 200 and day.text.count('<article class="card"') == 16
        assert client.get("/api/papers/2407.14057").json()["id"] == "2407.14057"
        # a worker commits while the server is up: the server sees it (no stale cache)
        with Store(url) as writer:
            writer.save_listing(dt.date(2024, 7, 26), [Paper(id="2407.77777", title="Fresh")],
                                "t")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            dates = [d["date"] for d in client.get("/api/days").json()["days"]]
            if dates[0] == "2024-07-26":
                break
            time.sleep(0.2)
        assert dates[0] == "2024-07-26"
        assert client.get("/api/search", params={"q": "fresh"}).json()["total"] == 1


def test_site_builds_from_postgres(tmp_path: Path, pg_url: str) -> None:
    url = _copied(tmp_path, pg_url)
    out = tmp_path / "site"
    result = CliRunner().invoke(cli, ["site", "--db", url, "--out", str(out)])
    assert result.exit_code == 0, result.output
    page = (out / "ko" / "days" / "2024-07-22.html").read_text(encoding="utf-8")
    assert page.count('<article class="card"') == 16
