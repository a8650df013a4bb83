"""Reading in a real headless Chromium, at desktop (1280 px) and phone (390 px) widths: the
provenance line and the flagged mark, the English original's toggle (remembered), the paper's own
page and its Open Graph tags, the list view (remembered), keys between days, and the contrast of
every text and button in light and dark mode on the new pages and views."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from paperdigest.models import Paper
from paperdigest.render.html import build_site
from paperdigest.render.provenance import READER_PROBLEMS
from paperdigest.store import Store
from sitedata import FLAGGED_ID, MODEL_INSTRUCTION, REPAIRED_ID, add_check_records, make_db
from test_site_browser import _CONTRAST, DESKTOP, PHONE, Page, _unavailable

pytestmark = pytest.mark.skipif(_unavailable() is not None, reason=str(_unavailable()))

OLDER = dt.date(2024, 7, 19)
WIDTHS = {"desktop": DESKTOP, "phone": PHONE}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("reading")
    db = make_db(base / "db.sqlite")
    with Store(db) as store:
        add_check_records(store)
        store.save_listing(OLDER, [Paper(id="2407.30001", title="An older paper", upvotes=3,
                                         abstract="Older.", categories=("cs.LG",))], "test")
        build_site(store, base / "site", base_url="https://digest.example.org/")
    return base / "site"


@pytest.fixture(params=sorted(WIDTHS))
def view(request: pytest.FixtureRequest, browser: Any) -> Iterator[Page]:
    page = Page(browser, WIDTHS[request.param])
    yield page
    page.close()


def _day(site: Path) -> str:
    return (site / "ko/days/2024-07-22.html").as_uri()


def _no_horizontal_scroll(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    client = page.evaluate("document.documentElement.clientWidth")
    assert width <= client, f"page is {width}px wide in a {client}px viewport"


def test_provenance_and_flagged_mark(site: Path, view: Page) -> None:
    page = view.page
    page.goto(_day(site))
    flagged = page.locator(f"[id='p-{FLAGGED_ID}']")
    badge = flagged.locator(".provenance .badge")
    assert badge.is_visible() and badge.inner_text().startswith("⚠")
    problems = flagged.locator(".problems li")
    assert problems.count() == 2 and problems.first.is_visible()
    assert problems.first.inner_text() == READER_PROBLEMS["key_figures"]["ko"]
    assert MODEL_INSTRUCTION not in page.content()
    line = flagged.locator(".provenance").inner_text()
    assert "tiny-1.5b" in line and "local" in line and "92%" in line
    ok = page.locator("[id='p-2407.14507']")
    assert ok.locator(".badge").inner_text().startswith("✓")
    # visibly different: the flagged card's edge and its badge's colours
    style = ("(el) => { const s = getComputedStyle(el); "
             "return [s.borderLeftWidth, s.borderLeftColor]; }")
    assert flagged.evaluate(style) != ok.evaluate(style)
    colour = "(el) => getComputedStyle(el).backgroundColor"
    assert badge.evaluate(colour) != ok.locator(".badge").evaluate(colour)
    repaired = page.locator(f"[id='p-{REPAIRED_ID}'] .badge").inner_text()
    assert repaired == "✓ 수정 후 검사 통과"
    _no_horizontal_scroll(page)
    assert not view.errors and not view.dialogs


def test_english_original_toggle_is_remembered(site: Path, view: Page) -> None:
    page = view.page
    page.goto(_day(site))
    lazy = page.locator(f"[id='p-{FLAGGED_ID}'] details.original")
    text = lazy.locator(".o-abstract")
    assert not text.is_visible()  # collapsed by default
    lazy.locator("summary").click()  # one tap
    assert text.is_visible() and "The inference of transformer" in text.inner_text()
    assert lazy.locator(".o-title").inner_text().startswith("LazyLLM")
    page.reload()
    assert page.locator("details.original[open]").count() == 16  # remembered: all open now
    page.locator(f"[id='p-{FLAGGED_ID}'] details.original summary").click()
    page.reload()
    assert page.locator("details.original[open]").count() == 0
    page.goto((site / "en/days/2024-07-22.html").as_uri())
    assert page.locator("details.original").count() == 0
    assert not view.errors


def test_paper_page_and_og_tags(site: Path, view: Page) -> None:
    page = view.page
    page.goto(_day(site))
    page.locator(f"[id='p-{FLAGGED_ID}'] h2.title a").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/ko/papers/{FLAGGED_ID}.html")
    assert page.locator("h1.paper-title").inner_text().startswith("LazyLLM")
    assert page.locator("#summary-ko .badge").inner_text().startswith("⚠")
    assert page.locator("#summary-en").is_visible()
    assert page.locator(".abstract-full").inner_text().count("transformer") >= 1
    assert page.locator("table.history tbody tr").count() == 1
    hrefs = page.eval_on_selector_all(".paper .meta a", "els => els.map(e => e.href)")
    assert f"https://arxiv.org/pdf/{FLAGGED_ID}" in hrefs
    meta = page.evaluate(
        "() => Object.fromEntries([...document.querySelectorAll('meta[property], meta[name]')]"
        ".map(m => [m.getAttribute('property') || m.getAttribute('name'), m.content]))"
    )
    assert meta["og:title"].startswith("LazyLLM") and meta["og:type"] == "article"
    assert meta["og:description"].startswith("LazyLLM은") and meta["description"]
    assert meta["og:url"] == f"https://digest.example.org/ko/papers/{FLAGGED_ID}.html"
    _no_horizontal_scroll(page)
    assert not view.errors


def test_list_view_is_compact_and_remembered(site: Path, view: Page, shots: Path) -> None:
    page = view.page
    page.goto(_day(site))
    cards_height = page.evaluate("document.documentElement.scrollHeight")
    switch = page.locator(".view-switch")
    assert switch.is_visible()
    switch.locator('[data-view="list"]').click()
    assert switch.locator('[data-view="list"]').get_attribute("aria-pressed") == "true"
    list_height = page.evaluate("document.documentElement.scrollHeight")
    assert list_height < cards_height * 0.4, (list_height, cards_height)
    first = page.locator("article.card").first
    assert first.locator("h2.title").is_visible() and first.locator(".votes").is_visible()
    assert first.locator(".s-whats_new dd").is_visible()
    assert not first.locator(".media").is_visible()
    assert not first.locator(".s-technical_details").is_visible()
    one_line = first.locator(".s-whats_new dd").evaluate(
        "el => el.getBoundingClientRect().height < 2 * parseFloat(getComputedStyle(el).lineHeight)"
    )
    assert one_line
    assert page.locator(f"[id='p-{FLAGGED_ID}'] .badge").is_visible()  # still marked in the list
    _no_horizontal_scroll(page)
    page.screenshot(path=str(shots / f"list-{page.viewport_size['width']}.png"))
    page.reload()
    assert page.evaluate("document.documentElement.classList.contains('view-list')")
    switch.locator('[data-view="cards"]').click()
    page.reload()
    assert not page.evaluate("document.documentElement.classList.contains('view-list')")
    assert not view.errors


def test_keys_between_days(site: Path, view: Page) -> None:
    page = view.page
    page.goto(_day(site))
    page.keyboard.press("ArrowRight")  # older
    page.wait_for_url("**/days/2024-07-19.html")
    page.keyboard.press("k")  # newer
    page.wait_for_url("**/days/2024-07-22.html")
    page.keyboard.press("ArrowLeft")  # newer again
    page.wait_for_url("**/days/2024-07-25.html")
    page.keyboard.press("j")  # older
    page.wait_for_url("**/days/2024-07-22.html")
    page.goto((site / "ko/days/2024-07-19.html").as_uri())
    page.keyboard.press("ArrowRight")  # the oldest day: nowhere older to go
    page.wait_for_timeout(300)
    assert page.url.endswith("/days/2024-07-19.html")
    page.goto((site / "ko/search.html").as_uri())
    page.locator("#q").press("j")  # typing is not navigating
    page.wait_for_timeout(200)
    assert "/ko/search.html" in page.url and "/days/" not in page.url
    # the week view is reachable from the day and pages between weeks with the same keys
    page.goto(_day(site))
    page.locator(".periods a").first.click()
    page.wait_for_url("**/weeks/2024-W30.html")
    assert page.locator(".top-list .row").count() >= 16
    page.keyboard.press("ArrowRight")
    page.wait_for_url("**/weeks/2024-W29.html")
    assert "An older paper" in page.content()
    assert not view.errors


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_contrast_of_the_new_views(site: Path, browser: Any, scheme: str) -> None:
    context = browser.new_context(viewport=DESKTOP, color_scheme=scheme)
    try:
        page = context.new_page()
        low: list[tuple[str, str, str, float]] = []
        checked = 0
        for name, setup in (
            ("ko/days/2024-07-22.html", "cards"),
            ("ko/days/2024-07-22.html", "open"),
            ("ko/days/2024-07-22.html", "list"),
            (f"ko/papers/{FLAGGED_ID}.html", "cards"),
            ("ko/weeks/2024-W30.html", "cards"),
            ("ko/months/2024-07.html", "cards"),
            ("ko/archive.html", "cards"),
        ):
            page.goto((site / name).as_uri())
            page.evaluate(
                "(setup) => { localStorage.setItem('pd-view', setup === 'list' ? 'list' : 'cards');"
                " localStorage.setItem('pd-original', setup === 'open' ? 'open' : 'closed'); }",
                setup,
            )
            page.reload()
            found = page.evaluate(_CONTRAST)
            checked += len(found)
            low += [(name, setup, what, ratio) for what, ratio in found if ratio < 4.5]
        assert checked > 500
        assert not low, low
    finally:
        context.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import os

    folder = os.environ.get("PAPERDIGEST_SCREENSHOTS")
    path = Path(folder) if folder else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path
