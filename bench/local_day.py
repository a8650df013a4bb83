"""Issue 3 benchmark: the whole shared day (16 papers) with the embedded local model.

Runs `paperdigest digest --backend local` on ../shared/data/hf-daily-2024-07-22.json as a child
process (the default model from the user cache, assembled there first if needed; its own
database and output folder; abstracts only, so the source text is what the checks compare
against; the default repairs). Reports the wall time, the child's peak RSS, and per paper the
quality figures of issue 3, computed with paperdigest.text:

- sections: how many of the three sections the digest has;
- Hangul: the share of Korean letters among the letters outside parentheses (whole summary, and
  the lowest section);
- overlap: the largest word overlap between two sections of the paper;
- numbers: the numbers in the summary that the paper text lacks.

    .venv/bin/python bench/local_day.py [--limit N] [--table FILE] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from itertools import combinations
from pathlib import Path

from paperdigest.models import SECTION_KEYS
from paperdigest.prompts import abstract_input
from paperdigest.render.markdown_parse import read_digest
from paperdigest.review import load_source
from paperdigest.text import letter_share, unsupported_numbers, word_overlap

ROOT = Path(__file__).resolve().parents[1]
DAY = ROOT.parent / "shared" / "data" / "hf-daily-2024-07-22.json"
HANGUL_MIN, OVERLAP_MAX = 0.6, 0.6


def cpu_name() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return platform.processor() or "unknown"
    for line in out.splitlines():
        if line.startswith("Model name:"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def run_digest(workdir: Path, limit: int | None) -> tuple[float, int, str]:
    cmd = [
        sys.executable, "-m", "paperdigest", "digest", "--source", f"file:{DAY}",
        "--backend", "local", "--db", str(workdir / "day.db"), "--out", str(workdir / "out"),
        "--no-progress", "--no-fulltext", "--force",
    ]  # fmt: skip
    if limit:
        cmd += ["--limit", str(limit)]
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ))
    wall = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if proc.returncode not in (0, 1):
        raise SystemExit(f"digest failed ({proc.returncode}):\n{proc.stderr}")
    sys.stderr.write(proc.stderr)
    return wall, peak_kb * 1024, proc.stdout.strip().splitlines()[-1]


def quality_rows(digest_path: Path) -> list[dict[str, object]]:
    papers = load_source(DAY)
    rows = []
    for entry in read_digest(digest_path).entries:
        paper = papers[entry.id]
        texts = [entry.sections.get(k, "") for k in SECTION_KEYS]
        present = [t for t in texts if t.strip()]
        whole = " ".join(present)
        source = abstract_input(paper)
        rows.append(
            {
                "id": entry.id,
                "title": paper.title,
                "sections": len(present),
                "hangul": letter_share(whole, "ko"),
                "hangul_min": min((letter_share(t, "ko") for t in present), default=0.0),
                "overlap": max(
                    (word_overlap(a, b) for a, b in combinations(present, 2)), default=0
                ),
                "numbers": [n for t in present for n in unsupported_numbers(t, source)],
            }
        )
    return rows


def table(rows: list[dict[str, object]]) -> str:
    lines = [
        "| paper | sections | Hangul (summary) | Hangul (lowest section) | max overlap | "
        "numbers not in the text |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        title = str(r["title"])
        short = title if len(title) <= 48 else title[:47] + "…"
        numbers = ", ".join(r["numbers"]) or "none"  # type: ignore[arg-type]
        lines.append(
            f"| {r['id']} {short} | {r['sections']}/3 | {r['hangul']:.0%} | "
            f"{r['hangul_min']:.0%} | {r['overlap']:.0%} | {numbers} |"
        )
    return "\n".join(lines)


def summary(rows: list[dict[str, object]]) -> str:
    n = len(rows)
    full = sum(1 for r in rows if r["sections"] == 3)
    hangul_ok = sum(1 for r in rows if float(r["hangul"]) >= HANGUL_MIN)  # type: ignore[arg-type]
    overlap_ok = sum(1 for r in rows if float(r["overlap"]) <= OVERLAP_MAX)  # type: ignore[arg-type]
    numbers_ok = sum(1 for r in rows if not r["numbers"])
    low = min((float(r["hangul"]) for r in rows), default=0.0)  # type: ignore[arg-type]
    low_section = min((float(r["hangul_min"]) for r in rows), default=0.0)  # type: ignore[arg-type]
    high = max((float(r["overlap"]) for r in rows), default=0.0)  # type: ignore[arg-type]
    extra = sum(len(r["numbers"]) for r in rows)  # type: ignore[arg-type]
    return (
        f"- three sections: {full}/{n} papers\n"
        f"- Hangul ≥ {HANGUL_MIN:.0%} of letters outside parentheses: {hangul_ok}/{n} papers "
        f"(lowest paper {low:.0%}, lowest single section {low_section:.0%})\n"
        f"- no two sections share > {OVERLAP_MAX:.0%} of words: {overlap_ok}/{n} papers "
        f"(highest pair {high:.0%})\n"
        f"- no number the paper text lacks: {numbers_ok}/{n} papers ({extra} such numbers in all)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, help="only the top N papers")
    parser.add_argument("--table", type=Path, help="also write the report (Markdown) here")
    parser.add_argument("--keep", type=Path, help="keep the digest and database in this folder")
    args = parser.parse_args()
    if not DAY.exists():
        raise SystemExit(f"{DAY} is not there")
    load_before = os.getloadavg()[0]
    workdir = Path(tempfile.mkdtemp(prefix="local-day-"))
    try:
        wall, peak, digest = run_digest(workdir, args.limit)
        rows = quality_rows(Path(digest) if Path(digest).is_absolute() else Path.cwd() / digest)
        if args.keep:
            shutil.copytree(workdir, args.keep, dirs_exist_ok=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    report = (
        f'Machine: {os.cpu_count()} cores, `lscpu` model name "{cpu_name()}", '
        f"Python {platform.python_version()}; load average before the run: "
        f"{load_before:.1f}\n\n"
        f"Wall time for {len(rows)} papers: {wall / 60:.1f} min ({wall / max(1, len(rows)):.0f} s "
        f"per paper); peak RSS of the digest process: {peak / (1 << 20):.0f} MB\n\n"
        f"{summary(rows)}\n\n{table(rows)}\n"
    )
    print(report)
    if args.table:
        args.table.write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()
