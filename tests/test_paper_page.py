"""A page per paper (static site and server), Open Graph tags on every page, the English original
beside a Korean summary."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from paperdigest.models import Paper
from paperdigest.render.html import build_site
from paperdigest.store import Store
from paperdigest.web.app import create_app
from sitedata import DAY, make_db, shared_papers

LAZY = "2407.14057"
LATER = dt.date(2024, 7, 23)


class Meta(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.meta: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        key = a.get("property") or a.get("name")
        if tag == "meta" and key and a.get("content") is not None:
            self.meta[key] = str(a["content"])


def meta_of(html: str) -> dict[str, str]:
    parser = Meta()
    parser.feed(html)
    return parser.meta


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("paper")
    path = make_db(base / "db.sqlite")
    lazy = next(p for p in shared_papers() if p.id == LAZY)
    with Store(path) as store:  # listed again the next day, with more votes and a code link
        again = Paper(id=lazy.id, title=lazy.title, authors=lazy.authors, abstract=lazy.abstract,
                      upvotes=40, github_url="https://github.com/example/lazyllm")
        other = Paper(id="2407.20001", title="Another paper", upvotes=50)
        store.save_listing(LATER, [other, again], "test")
    return path


@pytest.fixture(scope="module")
def site(db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    with Store(db) as store:
        build_site(store, out, base_url="https://digest.example.org/")
    return out


def test_static_paper_page(site: Path) -> None:
    page = (site / f"ko/papers/{LAZY}.html").read_text(encoding="utf-8")
    assert "<h1 class=\"paper-title\">LazyLLM" in page
    assert 'id="summary-ko"' in page and 'id="summary-en"' in page  # every language
    assert page.index('id="summary-ko"') < page.index('id="summary-en"')  # the page's first
    assert "LazyLLM은 LLM의 prefilling 속도를 향상시키기" in page
    assert 'class="abstract-full" lang="en"' in page and "The inference of transformer" in page
    for link in (f"https://arxiv.org/abs/{LAZY}", f"https://arxiv.org/pdf/{LAZY}",
                 f"https://huggingface.co/papers/{LAZY}", "https://github.com/example/lazyllm"):
        assert f'href="{link}"' in page, link
    # votes by day, newest first, with the rank that day and a link back to the day's card
    rows = re.findall(r"<tr><td><a href=\"([^\"]+)\">.*?</a></td><td>(\d+)</td><td>(\d+)</td>",
                      page)
    assert rows == [
        (f"../days/2024-07-23.html#p-{LAZY}", "40", "2"),
        (f"../days/2024-07-22.html#p-{LAZY}", "18", "3"),
    ]
    assert "state-checked" in page  # the check record
    meta = meta_of(page)
    assert meta["og:title"].startswith("LazyLLM")
    assert meta["og:type"] == "article"
    assert meta["og:url"] == f"https://digest.example.org/ko/papers/{LAZY}.html"
    assert meta["og:description"].startswith("LazyLLM은") and meta["description"]
    assert len(meta["og:description"]) <= 200
    english = (site / f"en/papers/{LAZY}.html").read_text(encoding="utf-8")
    assert english.index('id="summary-en"') < english.index('id="summary-ko"')


def test_cards_link_to_paper_pages_and_every_page_has_og_tags(site: Path) -> None:
    day = (site / "ko/days/2024-07-22.html").read_text(encoding="utf-8")
    assert f'<h2 class="title"><a href="../papers/{LAZY}.html">' in day
    pages = list(site.rglob("*.html"))
    assert len(list(site.glob("ko/papers/*.html"))) == 20  # every paper of every day
    for path in pages:
        meta = meta_of(path.read_text(encoding="utf-8"))
        for key in ("description", "og:title", "og:description", "og:type", "og:url"):
            assert meta.get(key), (path, key)
    day_meta = meta_of(day)
    assert day_meta["og:title"] == "Daily Papers 2024-07-22 · 논문 16편"
    assert day_meta["og:image"].startswith("https://")


def test_english_original_beside_korean(site: Path) -> None:
    day = (site / "ko/days/2024-07-22.html").read_text(encoding="utf-8")
    card = day.split(f'id="p-{LAZY}"')[1].split("</article>")[0]
    original = card.split('<details class="original">')[1].split("</details>")[0]
    assert "원문 제목과 초록 (영어)" in original and '<div lang="en">' in original
    assert "LazyLLM: Dynamic Token Pruning" in original
    assert "The inference of transformer" in original
    assert day.count('<details class="original">') == 16
    english = (site / "en/days/2024-07-22.html").read_text(encoding="utf-8")
    assert '<details class="original">' not in english  # the summary is already English


def test_server_paper_pages(db: Path) -> None:
    client = TestClient(create_app(db))
    moved = client.get(f"/papers/{LAZY}", follow_redirects=False)
    assert moved.status_code == 308 and moved.headers["location"] == f"/ko/papers/{LAZY}.html"
    page = client.get(f"/ko/papers/{LAZY}.html")
    assert page.status_code == 200
    assert "LazyLLM" in page.text and 'id="summary-en"' in page.text
    assert meta_of(page.text)["og:type"] == "article"
    assert client.get("/papers/2407.00000").status_code == 404
    assert client.get("/ko/papers/2407.00000.html").status_code == 404
    assert client.get(f"/ko/papers/{LAZY}.json").status_code == 404
    day = client.get("/ko/days/2024-07-22.html").text
    assert f'href="../papers/{LAZY}.html"' in day
    assert meta_of(day)["og:title"].startswith("Daily Papers 2024-07-22")
    assert DAY.isoformat() in day


def test_paper_pages_are_rendered_again_only_when_they_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from paperdigest.models import Sections
    from paperdigest.render import pages as pages_module
    from paperdigest.store import SummaryKey

    db = make_db(tmp_path / "db.sqlite", hostile=False)
    out = tmp_path / "site"
    with Store(db) as store:
        build_site(store, out)
    rendered: list[str] = []
    real = pages_module.Pages.paper

    def counting(self: pages_module.Pages, view: object, **kwargs: object) -> str:
        rendered.append(view.paper.id)  # type: ignore[attr-defined]
        return real(self, view, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pages_module.Pages, "paper", counting)
    with Store(db) as store:
        build_site(store, out)
        assert rendered == []  # nothing changed: no paper page rendered
        key = SummaryKey(LAZY, "en", "test", "test-model", "v9", "new")
        store.save_summary(key, Sections(whats_new="A new English summary of LazyLLM.",
                                         technical_details="It prunes tokens.",
                                         performance_highlights="It is 2.34x faster."), "x")
        build_site(store, out)
        assert sorted(rendered) == [LAZY, LAZY]  # its ko and en pages, nothing else
        assert "A new English summary" in (out / f"ko/papers/{LAZY}.html").read_text("utf-8")
        rendered.clear()
        (out / "ko/papers/2407.14507.html").unlink()  # a page gone from the folder: made again
        build_site(store, out)
        assert rendered == ["2407.14507"]
        rendered.clear()
        build_site(store, out, base_url="https://elsewhere.example/")  # another site: all again
        assert len(rendered) == 32
