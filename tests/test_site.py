"""The static site, Atom feeds and per-day JSON, read as files (the browser tests look at them)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from paperdigest.cli import cli
from paperdigest.render.html import build_site
from paperdigest.store import Store
from sitedata import DAY, EMPTY_DAY, XSS_DAY, XSS_TITLE, make_db

ATOM = "{http://www.w3.org/2005/Atom}"
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("site")
    db = make_db(base / "db.sqlite")
    out = base / "out"
    with Store(db) as store:
        report = build_site(store, out, base_url="https://example.org/papers/")
    assert report.langs == ["ko", "en"]
    assert report.days == 2  # the day with no papers gets no page
    return out


def test_layout(site: Path) -> None:
    for rel in [
        "index.html",
        "assets/style.css",
        "assets/site.js",
        "assets/search.js",
        "ko/index.html",
        "ko/archive.html",
        "ko/search.html",
        "ko/search-index.js",
        "ko/days/2024-07-22.html",
        "ko/days/2024-07-22.json",
        "ko/atom/papers.xml",
        "ko/atom/digest.xml",
        "en/days/2024-07-22.html",
        "en/atom/papers.xml",
    ]:
        assert (site / rel).is_file(), rel
    assert not list(site.rglob("*.tmp"))


def test_day_page_cards(site: Path) -> None:
    page = (site / "ko/days/2024-07-22.html").read_text(encoding="utf-8")
    assert page.count('<article class="card"') == 16
    assert 'href="https://arxiv.org/abs/2407.14057"' in page
    assert 'href="https://huggingface.co/papers/2407.14057"' in page
    assert "LazyLLM은 LLM의 prefilling 속도를 향상시키기" in page  # the Korean summary
    for label in ("What&#39;s New", "Technical Details", "Performance Highlights"):
        assert page.count(label) == 16
    # vote order, as in the reference digest
    first_ids = re.findall(r'data-paper="([^"]+)"', page)[:3]
    assert first_ids == ["2407.14507", "2407.14177", "2407.14057"]
    english = (site / "en/days/2024-07-22.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in english and "Daily Papers digest" in english


def test_no_external_assets(site: Path) -> None:
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        for ref in re.findall(r'<(?:link|script)[^>]*(?:href|src)="([^"]+)"', text):
            assert not re.match(r"^(https?:)?//", ref), (page, ref)


def test_everything_from_the_data_is_escaped(site: Path) -> None:
    page = (site / "ko/days/2024-07-25.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(2)&gt;" in page
    assert "&lt;/dd&gt;&lt;script&gt;alert(4)&lt;/script&gt;" in page
    for path in site.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".js", ".xml"):
            text = path.read_text(encoding="utf-8")
            assert "<script>alert(" not in text, path
            assert "javascript:alert" not in text, path
            assert "<img src=x" not in text, path


def test_long_titles_author_lists_video_and_broken_media(site: Path) -> None:
    page = (site / "ko/days/2024-07-25.html").read_text(encoding="utf-8")
    assert "Supercalifragilisticexpialidocious" * 12 in page
    assert '<details class="more"><summary>+28</summary>' in page  # 40 authors, 12 shown
    assert '<video src="https://invalid.invalid/clip.mp4"' in page
    assert '<img src="https://invalid.invalid/broken-thumbnail.png"' in page
    assert 'data-fallback="미리보기 없음"' in page
    assert '<div class="placeholder" aria-hidden="true">2407.99002</div>' in page  # javascript: URL
    assert "이 언어로 된 요약이 아직 없습니다." in page  # papers without a Korean summary
    assert "<head>" in page and "assets/site.js" in page.split("</head>")[0]


def test_zero_paper_day_has_no_page_and_navigation_skips_it(site: Path) -> None:
    assert not (site / f"ko/days/{EMPTY_DAY}.html").exists()
    day = (site / f"ko/days/{DAY}.html").read_text(encoding="utf-8")
    assert f'href="../days/{XSS_DAY}.html"' in day and f"{EMPTY_DAY}" not in day
    index = (site / "index.html").read_text(encoding="utf-8")
    assert 'href="assets/style.css"' in index and 'href="ko/archive.html"' in index
    archive = (site / "ko/archive.html").read_text(encoding="utf-8")
    assert archive.count('href="days/') == 2 and "2024-07" in archive
    assert "논문 0편" not in archive


def test_day_json(site: Path) -> None:
    data = json.loads((site / "ko/days/2024-07-22.json").read_text(encoding="utf-8"))
    assert data["date"] == "2024-07-22" and data["lang"] == "ko"
    assert data["count"] == 16 == len(data["papers"]) and data["summarized"] == 16
    lazy = next(p for p in data["papers"] if p["id"] == "2407.14057")
    assert lazy["hf_url"] == "https://huggingface.co/papers/2407.14057"
    assert lazy["summary"]["sections"]["whats_new"].startswith("LazyLLM은")
    assert [p["upvotes"] for p in data["papers"]] == sorted(
        (p["upvotes"] for p in data["papers"]), reverse=True
    )
    hostile = json.loads((site / f"ko/days/{XSS_DAY}.json").read_text(encoding="utf-8"))
    assert hostile["papers"][0]["title"] == XSS_TITLE
    assert hostile["papers"][1]["media_url"] is None  # javascript: dropped


def test_offline_search_index(site: Path) -> None:
    text = (site / "ko/search-index.js").read_text(encoding="utf-8")
    assert text.startswith("window.PD_SEARCH_INDEX=") and text.endswith(";\n")
    index = json.loads(text[len("window.PD_SEARCH_INDEX=") : -2])
    rows = {row[0]: row for row in index["papers"]}
    assert len(rows) == 19
    assert rows["2407.14057"][1].startswith("LazyLLM")
    assert rows["2407.14057"][3] == "2024-07-22"
    assert "토큰" in rows["2407.14057"][5]
    assert rows["2407.99001"][1] == XSS_TITLE
    assert "\\u003cscript>alert(1)\\u003c/script>" in text


def _feed(path: Path) -> etree._Element:
    return etree.fromstring(path.read_bytes())


def _check_atom(root: etree._Element) -> list[etree._Element]:
    """The RFC 4287 rules a reader relies on."""
    assert root.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert len(root.findall(f"{ATOM}{name}")) == 1, name
    assert RFC3339.match(root.findtext(f"{ATOM}updated") or "")
    has_feed_author = root.find(f"{ATOM}author/{ATOM}name") is not None
    entries = root.findall(f"{ATOM}entry")
    entry_ids = [e.findtext(f"{ATOM}id") for e in entries]
    assert len(set(entry_ids)) == len(entry_ids)
    for entry in entries:
        for name in ("id", "title", "updated"):
            assert len(entry.findall(f"{ATOM}{name}")) == 1, name
        assert re.match(r"^[a-z][a-z0-9+.-]*:", entry.findtext(f"{ATOM}id") or "")
        assert RFC3339.match(entry.findtext(f"{ATOM}updated") or "")
        assert has_feed_author or entry.find(f"{ATOM}author/{ATOM}name") is not None
        content = entry.find(f"{ATOM}content")
        alternates = [
            link
            for link in entry.findall(f"{ATOM}link")
            if link.get("rel", "alternate") == "alternate"
        ]
        assert content is not None or alternates
        assert len(alternates) <= 1
    return entries


def test_atom_feeds(site: Path) -> None:
    papers = _check_atom(_feed(site / "ko/atom/papers.xml"))
    # one entry per paper with a Korean summary (the 2 without one are left out, issue 13)
    assert len(papers) == 17
    ids = [e.findtext(f"{ATOM}id") for e in papers]
    assert "urn:paperdigest:paper:ko:2407.14057" in ids
    lazy = papers[ids.index("urn:paperdigest:paper:ko:2407.14057")]
    # with --base-url, an entry links to the paper's own page on the site
    page = "https://example.org/papers/ko/papers/2407.14057.html"
    assert lazy.find(f"{ATOM}link").get("href") == page
    assert "LazyLLM은" in (lazy.findtext(f"{ATOM}content") or "")
    xss = papers[ids.index("urn:paperdigest:paper:ko:2407.99001")]
    assert xss.findtext(f"{ATOM}title") == XSS_TITLE  # text, escaped by the XML writer
    assert "<script>" not in (xss.findtext(f"{ATOM}content") or "")  # escaped inside the HTML

    days = _check_atom(_feed(site / "ko/atom/digest.xml"))
    assert [e.findtext(f"{ATOM}id") for e in days] == [
        "urn:paperdigest:day:ko:2024-07-25",
        "urn:paperdigest:day:ko:2024-07-22",
    ]  # the day with no papers (2024-07-20) has no entry
    day_link = days[1].find(f"{ATOM}link").get("href")
    assert day_link == "https://example.org/papers/ko/days/2024-07-22.html"
    assert (days[1].findtext(f"{ATOM}content") or "").count("<h3>") == 16
    _check_atom(_feed(site / "en/atom/digest.xml"))


def test_rebuild_is_idempotent_and_atomic(tmp_path: Path) -> None:
    db = make_db(tmp_path / "db.sqlite", english=False)
    with Store(db) as store:
        first = build_site(store, tmp_path / "out")
        second = build_site(store, tmp_path / "out")
    assert first.written == len(first.files) and first.unchanged == 0
    assert second.written == 0 and second.unchanged == len(first.files)


def test_empty_database_says_so(tmp_path: Path) -> None:
    db = tmp_path / "empty.db"
    Store(db).close()
    result = CliRunner().invoke(cli, ["site", "--db", str(db), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    index = (tmp_path / "out/index.html").read_text(encoding="utf-8")
    assert "아직 요약이 없습니다" in index
    assert "아직 요약이 없습니다" in (tmp_path / "out/ko/archive.html").read_text(encoding="utf-8")
    assert (tmp_path / "out/ko/search-index.js").read_text().startswith("window.PD_SEARCH_INDEX=")
    _check_atom(_feed(tmp_path / "out/ko/atom/papers.xml"))


def test_cli(tmp_path: Path) -> None:
    db = make_db(tmp_path / "db.sqlite", english=False, hostile=False)
    out = tmp_path / "site"
    runner = CliRunner()
    result = runner.invoke(cli, ["site", "--db", str(db), "--out", str(out), "--lang", "ko"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().endswith("index.html")
    assert "1 days, 16 papers" in result.stderr
    missing = runner.invoke(cli, ["site", "--db", str(tmp_path / "nope.db"), "--out", str(out)])
    assert missing.exit_code == 2 and "database not found" in missing.stderr
    bad = runner.invoke(cli, ["site", "--db", str(db), "--base-url", "ftp://x"])
    assert bad.exit_code == 2


def test_provenance_and_flagged_mark(tmp_path: Path) -> None:
    from paperdigest.models import Sections
    from paperdigest.store import SummaryKey

    db = make_db(tmp_path / "db.sqlite")
    with Store(db) as store:
        key = SummaryKey("2407.14057", "ko", "local", "tiny-1.5b+translate", "v2", "flagged")
        sections = Sections(
            whats_new="LazyLLM은 새로운 방법입니다.",
            technical_details="중요한 토큰만 계산합니다.",
            performance_highlights="2.34배 빨라집니다.",
        )
        store.save_summary(key, sections, "input", status="flagged")
        build_site(store, tmp_path / "out")
    page = (tmp_path / "out/ko/days/2024-07-22.html").read_text(encoding="utf-8")
    card = page.split('id="p-2407.14057"')[0].rsplit("<article", 1)[1]
    assert 'class="card flagged"' in card
    flagged_card = page.split('id="p-2407.14057"')[1].split("</article>")[0]
    assert "tiny-1.5b+translate" in flagged_card and "검사에서 문제 발견" in flagged_card
    assert page.count("✓ 검사 통과") == 15  # every other card says it passed
    data = json.loads((tmp_path / "out/ko/days/2024-07-22.json").read_text(encoding="utf-8"))
    statuses = {p["id"]: p["summary"]["status"] for p in data["papers"]}
    assert statuses["2407.14057"] == "flagged" and list(statuses.values()).count("ok") == 15
