"""Issue 6 benchmark: build time of the static site for a year of digests.

Generates 365 days x 30 papers (each with a Korean summary), then times ``build_site`` three ways:
a cold build into an empty folder, a rebuild with nothing changed (every file compared, none
written), and a rebuild after one new day (what a daily cron does).

    .venv/bin/python bench/site_build.py [--days 365] [--per-day 30] [--keep DIR] [--json OUT]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from paperdigest.app import open_app
from paperdigest.models import Paper
from paperdigest.render.html import build_site
from paperdigest.settings import Settings
from search_data import build, machine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--per-day", type=int, default=30)
    parser.add_argument("--keep", type=Path, help="Keep the database and site in this folder.")
    parser.add_argument("--json", type=Path, help="Write the figures as JSON here.")
    args = parser.parse_args()

    work = args.keep or Path(tempfile.mkdtemp(prefix="pd-site-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    db = work / "bench.db"
    out = work / "site"
    shutil.rmtree(out, ignore_errors=True)
    made = build(db, days=args.days, per_day=args.per_day)
    print(f"generated {made['papers']:,} papers in {made['seconds']:.1f}s", file=sys.stderr)

    results: dict[str, object] = {"machine": machine(), "days": args.days, "per_day": args.per_day}
    with open_app(Settings.load(db=db)).open_store() as store:
        t = time.perf_counter()
        cold = build_site(store, out)
        results["cold_s"] = round(time.perf_counter() - t, 2)
        results["files"] = len(cold.files)
        results["bytes"] = sum(p.stat().st_size for p in cold.files)
        index = out / "ko" / "search-index.js"
        results["search_index_bytes"] = index.stat().st_size

        t = time.perf_counter()
        again = build_site(store, out)
        results["unchanged_s"] = round(time.perf_counter() - t, 2)
        results["unchanged_written"] = again.written

        last = store.days()[0].day + dt.timedelta(days=1)
        store.save_listing(last, [Paper(id="2599.00001", title="One more day")], "bench")
        t = time.perf_counter()
        daily = build_site(store, out)
        results["new_day_s"] = round(time.perf_counter() - t, 2)
        results["new_day_written"] = daily.written
    print(json.dumps(results, indent=1))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
