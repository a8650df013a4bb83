"""The pages in a real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright).

Every request that would leave the machine is aborted, so thumbnails fail as on a broken CDN and
nothing is fetched from outside. Screenshots of each checked page are saved under
``$PAPERDIGEST_SCREENSHOTS`` (default: the test's temporary folder).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from paperdigest.render.html import build_site
from paperdigest.store import Store
from sitedata import XSS_DAY, XSS_TITLE, make_db, running_server

CHROMIUM = os.environ.get("PAPERDIGEST_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def _unavailable() -> str | None:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        return f"no Chromium at {CHROMIUM} (scripts/test installs Debian's chromium package)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[dev]')"
    return None


pytestmark = pytest.mark.skipif(_unavailable() is not None, reason=str(_unavailable()))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("browser")
    db = make_db(base / "db.sqlite")
    with Store(db) as store:
        build_site(store, base / "site")
    return db, base / "site"


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = os.environ.get("PAPERDIGEST_SCREENSHOTS")
    path = Path(folder) if folder else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


class Page:
    """A page plus what went wrong on it: script errors, dialogs (alert), outside requests."""

    def __init__(self, browser: Any, viewport: dict[str, int]) -> None:
        self.context = browser.new_context(viewport=viewport)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.blocked: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on("dialog", self._dialog)
        self.page.route("**/*", self._route)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _route(self, route: Any) -> None:
        url = route.request.url
        if url.startswith(("file:", "http://127.0.0.1", "data:")):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def desktop(browser: Any) -> Iterator[Page]:
    page = Page(browser, DESKTOP)
    yield page
    page.close()


@pytest.fixture
def phone(browser: Any) -> Iterator[Page]:
    page = Page(browser, PHONE)
    yield page
    page.close()


def _no_horizontal_scroll(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    client = page.evaluate("document.documentElement.clientWidth")
    assert width <= client, f"page is {width}px wide in a {client}px viewport"


def test_day_page_has_16_cards(built: tuple[Path, Path], desktop: Page, shots: Path) -> None:
    page = desktop.page
    page.goto((built[1] / "ko/days/2024-07-22.html").as_uri())
    cards = page.locator("article.card")
    assert cards.count() == 16
    third = cards.nth(2)
    assert third.locator("h2.title a").inner_text().startswith("LazyLLM")
    assert third.locator("h2.title a").get_attribute("href") == "../papers/2407.14057.html"
    hf = third.locator("a.link-hf").get_attribute("href")
    assert hf == "https://huggingface.co/papers/2407.14057"
    assert third.locator(".votes").inner_text() == "▲ 18"
    assert third.locator(".section dt").all_inner_texts() == [
        "What's New",
        "Technical Details",
        "Performance Highlights",
    ]
    assert third.locator(".s-whats_new dd").inner_text().startswith("LazyLLM은")
    # the stylesheet loaded (cards are laid out in two columns on a desktop)
    columns = third.evaluate("el => getComputedStyle(el).gridTemplateColumns")
    assert len(columns.split()) == 2, columns
    page.wait_for_function("document.querySelectorAll('.media.broken').length >= 1")
    page.screenshot(path=str(shots / "day-desktop.png"))
    assert not desktop.errors


def test_phone_layout_and_long_titles(built: tuple[Path, Path], phone: Page, shots: Path) -> None:
    page = phone.page
    for rel in ("ko/archive.html", "ko/days/2024-07-22.html", f"ko/days/{XSS_DAY}.html"):
        page.goto((built[1] / rel).as_uri())
        _no_horizontal_scroll(page)
    columns = page.locator("article.card").first.evaluate(
        "el => getComputedStyle(el).gridTemplateColumns"
    )
    assert len(columns.split()) == 1, columns
    page.screenshot(path=str(shots / "hostile-phone.png"))
    page.goto((built[1] / "ko/days/2024-07-22.html").as_uri())
    page.screenshot(path=str(shots / "day-phone.png"))
    assert not phone.errors


def test_script_title_renders_as_text(built: tuple[Path, Path], desktop: Page) -> None:
    page = desktop.page
    page.goto((built[1] / f"ko/days/{XSS_DAY}.html").as_uri())
    page.wait_for_timeout(300)
    first = page.locator("article.card").first
    assert first.locator("h2.title").inner_text() == XSS_TITLE
    assert "<img src=x onerror=alert(2)>" in first.locator(".authors").inner_text()
    assert first.locator(".s-whats_new dd").inner_text().startswith("</dd><script>alert(4)")
    assert desktop.dialogs == []
    scripts = page.eval_on_selector_all("script", "els => els.map(e => e.src)")
    assert all(src.endswith("/assets/site.js") for src in scripts), scripts
    assert page.locator("img[src^='x']").count() == 0


def test_broken_media_falls_back(built: tuple[Path, Path], desktop: Page) -> None:
    page = desktop.page
    page.goto((built[1] / f"ko/days/{XSS_DAY}.html").as_uri())
    page.wait_for_function("document.querySelectorAll('.media.broken').length === 2")
    broken = page.locator(".media.broken")
    assert broken.count() == 2  # the image and the video; the javascript: URL had no element
    fallback = broken.first.evaluate("el => getComputedStyle(el, '::after').content")
    assert "미리보기 없음" in fallback
    assert broken.first.locator("img").is_hidden()
    assert page.locator(".media .placeholder").inner_text() == "2407.99002"
    assert any("invalid.invalid" in url for url in desktop.blocked)


def test_offline_search_finds_lazyllm(built: tuple[Path, Path], desktop: Page, shots: Path) -> None:
    page = desktop.page
    page.goto((built[1] / "ko/search.html").as_uri())
    page.fill("#q", "LazyLLM")
    page.press("#q", "Enter")
    results = page.locator("#results li")
    results.first.wait_for()
    assert results.count() == 1
    link = results.first.locator("a.r-title")
    assert link.inner_text().startswith("LazyLLM")
    assert link.locator("mark").inner_text() == "LazyLLM"
    assert link.get_attribute("href") == "days/2024-07-22.html#p-2407.14057"
    page.screenshot(path=str(shots / "search-desktop.png"))
    # Korean words inside the summaries, and a query with FTS-like syntax
    page.fill("#q", "토큰")
    page.press("#q", "Enter")
    page.wait_for_function("document.querySelectorAll('#results li').length >= 2")
    page.fill("#q", '"NEAR*')
    page.press("#q", "Enter")
    page.wait_for_timeout(200)
    page.fill("#q", "<script>")
    page.press("#q", "Enter")
    # abstracts are searched too ("description" holds "script"): the title match ranks first
    page.wait_for_function("document.querySelectorAll('#results li').length >= 1")
    page.wait_for_timeout(200)
    assert results.first.locator("a.r-title").inner_text() == XSS_TITLE
    # following a result lands on the card
    page.fill("#q", "LazyLLM")
    page.press("#q", "Enter")
    page.locator("#results li a.r-title").first.click()
    page.wait_for_url("**/2024-07-22.html#p-2407.14057")
    assert page.locator("#p-2407\\.14057").is_visible()
    assert desktop.dialogs == [] and not desktop.errors


def test_search_from_the_url(built: tuple[Path, Path], phone: Page, shots: Path) -> None:
    page = phone.page
    page.goto((built[1] / "ko/search.html").as_uri() + "?q=lazyllm")
    page.locator("#results li").first.wait_for()
    assert page.locator("#results li").count() == 1
    _no_horizontal_scroll(page)
    page.screenshot(path=str(shots / "search-phone.png"))


def test_served_pages_and_api_search(built: tuple[Path, Path], desktop: Page, shots: Path) -> None:
    db, _ = built
    with running_server(db) as base:
        page = desktop.page
        page.goto(f"{base}/ko/days/2024-07-22.html")
        assert page.locator("article.card").count() == 16
        page.goto(f"{base}/ko/search.html?q=LazyLLM")
        results = page.locator("#results li")
        results.first.wait_for()
        assert results.count() == 1
        assert results.first.locator("a.r-title mark").inner_text() == "LazyLLM"
        page.screenshot(path=str(shots / "served-search-desktop.png"))
        page.fill("#q", "a" * 300)  # the input caps it; the API would say 400
        page.press("#q", "Enter")
        page.wait_for_timeout(300)
        page.goto(f"{base}/ko/days/{XSS_DAY}.html")
        assert page.locator("article.card h2.title").first.inner_text() == XSS_TITLE
        page.goto(f"{base}/docs")
        page.locator(".opblock").first.wait_for(timeout=15000)
        assert page.locator(".opblock").count() >= 4
        page.screenshot(path=str(shots / "docs-desktop.png"))
    assert desktop.dialogs == []
    media_hosts = ("https://cdn-thumbnails.huggingface.co/", "https://invalid.invalid/")
    assert not [u for u in desktop.blocked if not u.startswith(media_hosts)]  # no CDN assets


def _static_count(page: Any, query: str) -> int:
    page.fill("#q", query)
    page.press("#q", "Enter")
    page.wait_for_timeout(150)
    return int(page.locator("#results li").count())


def test_static_search_finds_what_the_server_finds(built: tuple[Path, Path],
                                                    desktop: Page) -> None:
    """Issue 13: abstracts and ids are in the static index too."""
    import httpx

    db, site = built
    page = desktop.page
    page.goto((site / "ko/search.html").as_uri())
    queries = ("KV cache", "hallucination", "long-context", "2407.14057", "2407.14057v2",
               "arXiv:2407.14057")
    with running_server(db) as base:
        served = {q: httpx.get(f"{base}/api/search", params={"q": q}, timeout=10).json()["total"]
                  for q in queries}
    found = {q: _static_count(page, q) for q in queries}
    assert served["2407.14057"] == 1 and served["2407.14057v2"] == 1
    for query in queries:
        assert found[query] >= 1 and (found[query] > 0) == (served[query] > 0), (found, served)
    assert not desktop.errors


def test_a_search_link_lands_below_the_sticky_header(built: tuple[Path, Path],
                                                     desktop: Page) -> None:
    page = desktop.page
    page.goto((built[1] / "ko/days/2024-07-22.html").as_uri() + "#p-2407.14057")
    page.wait_for_timeout(200)
    header = page.evaluate("document.querySelector('.top').getBoundingClientRect().bottom")
    title = page.evaluate(
        "document.getElementById('p-2407.14057').getBoundingClientRect().top")
    assert title >= header, (title, header)


_CONTRAST = """
() => {
  function rgb(c) { const m = c.match(/[\\d.]+/g).map(Number); return m; }
  function lum(c) {
    const [r, g, b] = rgb(c).slice(0, 3).map(v => { v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  }
  function background(el) {
    for (let e = el; e; e = e.parentElement) {
      const c = getComputedStyle(e).backgroundColor;
      if (rgb(c).length < 4 || rgb(c)[3] > 0) return c;
    }
    return getComputedStyle(document.body).backgroundColor;
  }
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    if (!el.offsetParent && el.tagName !== 'BODY') continue;
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own && el.tagName !== 'BUTTON') continue;
    const fg = getComputedStyle(el).color, bg = background(el);
    const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    out.push([el.tagName + '.' + el.className, (a + 0.05) / (b + 0.05)]);
  }
  return out;
}
"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_text_and_buttons_have_enough_contrast(built: tuple[Path, Path], browser: Any,
                                               scheme: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    try:
        page = context.new_page()
        low: list[tuple[str, str, float]] = []
        for name in ("ko/search.html", "ko/days/2024-07-22.html", "ko/archive.html"):
            page.goto((built[1] / name).as_uri())
            low += [(name, what, ratio) for what, ratio in page.evaluate(_CONTRAST)
                    if ratio < 4.5]
        assert not low, low
    finally:
        context.close()
