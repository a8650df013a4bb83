"""Prepare a blind judging sheet: every sentence of several digests of one day, shuffled per paper.

The judge sees, per paper, the text the models were given (title + abstract from the saved API
response) and then every sentence of every digest of that paper in a random order, each with
its section but not the system that wrote it. Which system wrote which sentence goes to a key
file the judge does not open until the labels are written (``table.py`` joins them).

    .venv/bin/python bench/judge/blind.py --source ../shared/data/hf-daily-2024-07-22.json \\
        --digest reference=../shared/reference/daily-papers-2024-07-22.ko.md \\
        --digest local-v1=/tmp/before/2024/07/22.md --out bench/judge/2024-07-22 \\
        --sheet /tmp/sheet.md
        --third-party reference [--seed 7]

Writes ``OUT/sheet.md`` (for the judge), ``OUT/key.tsv`` (sentence id -> system, paper,
section, position, sentence) and an empty ``OUT/labels.tsv`` to fill: ``id<TAB>label<TAB>note``.
Third-party abstracts are not copied into the project: keep ``sheet.md`` outside the repository
(``--sheet PATH``) or delete it after judging; ``key.tsv`` holds only our own output and ids.
"""

from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path

from paperdigest.render.markdown_parse import read_digest

SECTION_NAMES = {
    "whats_new": "What's New",
    "technical_details": "Technical Details",
    "performance_highlights": "Performance Highlights",
}
# One sentence ends at ., !, ? (or 。) followed by white space; the Korean digests end every
# sentence with a period, so this keeps "2.34x" and "v1.5" whole.
_BREAK = re.compile(r"(?<=[.!?。])\s+")


def split(text: str) -> list[str]:
    return [s.strip() for s in _BREAK.split(text) if s.strip()]


def load_abstracts(path: Path) -> dict[str, tuple[str, str]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    found = {}
    for item in data:
        paper = item.get("paper", item)
        found[paper["id"]] = (paper.get("title", ""), " ".join(paper.get("summary", "").split()))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, required=True)
    parser.add_argument("--digest", action="append", required=True, metavar="SYSTEM=PATH")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--sheet", type=Path, help="where the judge's sheet goes (default OUT)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--papers", help="comma-separated ids: judge only these papers")
    parser.add_argument(
        "--third-party",
        action="append",
        default=[],
        metavar="SYSTEM",
        help="a system whose text stays out of key.tsv (located by paper, "
        "section and position in its own file)",
    )
    args = parser.parse_args()
    abstracts = load_abstracts(args.source)
    if args.papers:
        wanted = args.papers.split(",")
        abstracts = {pid: abstracts[pid] for pid in wanted}
    rows: dict[str, list[tuple[str, str, int, str]]] = {pid: [] for pid in abstracts}
    for spec in args.digest:
        system, _, path = spec.partition("=")
        digest = read_digest(Path(path))
        for entry in digest.entries:
            for key, name in SECTION_NAMES.items():
                if entry.id not in abstracts:
                    continue
                for n, sentence in enumerate(split(entry.sections.get(key) or ""), 1):
                    rows[entry.id].append((system, name, n, sentence))
    rng = random.Random(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    sheet = [f"# Judging sheet ({args.source.name}); labels: see shared/judging.md", ""]
    key = ["id\tsystem\tpaper\tsection\tposition\tsentence"]
    counter = 0
    for pid, (title, abstract) in abstracts.items():
        items = rows.get(pid, [])
        rng.shuffle(items)
        sheet += [f"## {pid} — {title}", "", f"> {abstract}", ""]
        for system, section, n, sentence in items:
            counter += 1
            sid = f"s{counter:04d}"
            sheet.append(f"- `{sid}` [{section}] {sentence}")
            text = "" if system in args.third_party else sentence
            key.append(f"{sid}\t{system}\t{pid}\t{section}\t{n}\t{text}")
        sheet.append("")
    sheet_path = args.sheet or args.out / "sheet.md"
    sheet_path.write_text("\n".join(sheet), encoding="utf-8")
    (args.out / "key.tsv").write_text("\n".join(key) + "\n", encoding="utf-8")
    labels = args.out / "labels.tsv"
    if not labels.exists():
        labels.write_text("id\tlabel\tnote\n", encoding="utf-8")
    print(f"{counter} sentences; sheet {sheet_path}; key {args.out / 'key.tsv'}")


if __name__ == "__main__":
    main()
