"""Issue 16 figures: how long a day is to read in each view, and what an e-mail weighs.

Builds the static site of the shared day (16 papers, the reference digest's Korean summaries,
one flagged and one repaired summary, as in the tests) and measures, in headless Chromium, the
day page's height at 1280 and 390 px wide as cards and as the compact list; composes the day's
e-mail and reports its size and the time to make it; and saves a screenshot of the day page in
light and dark mode side by side (``--screenshot docs/day-light-dark.png``, the README's).

    .venv/bin/python bench/reading_views.py [--screenshot PATH] [--json OUT]
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from paperdigest.publish.email import compose  # noqa: E402
from paperdigest.render.html import build_site  # noqa: E402
from paperdigest.render.json_day import load_day  # noqa: E402
from paperdigest.store import Store  # noqa: E402
from search_data import machine  # noqa: E402
from sitedata import DAY, add_check_records, make_db  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]


def heights(day_uri: str) -> dict[str, int]:
    from playwright.sync_api import sync_playwright

    found: dict[str, int] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for name, width in (("desktop", 1280), ("phone", 390)):
            for view in ("cards", "list"):
                context = browser.new_context(viewport={"width": width, "height": 900})
                page = context.new_page()
                page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(
                    ("file:", "data:")) else r.abort())
                page.goto(day_uri)
                page.evaluate(f"localStorage.setItem('pd-view', '{view}')")
                page.reload()
                found[f"{name}_{view}_px"] = int(
                    page.evaluate("document.documentElement.scrollHeight")
                )
                context.close()
        browser.close()
    return found


def screenshot(day_uri: str, path: Path) -> None:
    """The day page in light and dark mode, side by side, in one PNG."""
    from playwright.sync_api import sync_playwright

    shots: list[bytes] = []
    size = {"width": 960, "height": 1500}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for scheme in ("light", "dark"):
            context = browser.new_context(viewport=size, color_scheme=scheme)
            page = context.new_page()
            page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(
                ("file:", "data:")) else r.abort())
            page.goto(day_uri)
            page.evaluate("localStorage.setItem('pd-view', 'cards')")
            page.reload()
            # the third card (flagged) in view, below the sticky header
            page.evaluate("window.scrollTo(0, document.getElementById('p-2407.14177')"
                          ".getBoundingClientRect().top + window.scrollY - 70)")
            page.wait_for_timeout(200)
            shots.append(page.screenshot())
            context.close()
        both = "".join(
            f'<img src="data:image/png;base64,{base64.b64encode(s).decode()}" '
            f'style="width:{size["width"]}px;height:{size["height"]}px;display:block">'
            for s in shots
        )
        context = browser.new_context(viewport={"width": 2 * size["width"] + 8,
                                                "height": size["height"]})
        page = context.new_page()
        page.set_content(
            f'<body style="margin:0;display:flex;gap:8px;background:#888">{both}</body>'
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path))
        context.close()
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--screenshot", type=Path, help="Save the light/dark screenshot here.")
    parser.add_argument("--json", type=Path, help="Write the figures as JSON here.")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="pd-reading-"))
    db = make_db(work / "db.sqlite", hostile=False)
    results: dict[str, object] = {"machine": machine()}
    with Store(db) as store:
        add_check_records(store)
        t = time.perf_counter()
        report = build_site(store, work / "site")
        results["site_build_s"] = round(time.perf_counter() - t, 3)
        results["site_files"] = len(report.files)
        day = load_day(store, DAY, "ko")
    t = time.perf_counter()
    for _ in range(20):
        msg = compose(day, sender="d@example.org", to="r@example.org", top=16,
                      site_url="https://digest.example.org")
    results["email_compose_ms"] = round((time.perf_counter() - t) / 20 * 1000, 1)
    results["email_bytes"] = len(msg.as_bytes())
    day_uri = (work / "site/ko/days/2024-07-22.html").as_uri()
    results.update(heights(day_uri))
    if args.screenshot:
        screenshot(day_uri, args.screenshot)
        results["screenshot"] = str(args.screenshot)
    text = json.dumps(results, indent=1)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
