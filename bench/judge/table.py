"""Tables of a judged day: per system, the share of each label overall and per section.

    .venv/bin/python bench/judge/table.py bench/judge/2024-07-22 [--markdown]

Reads ``key.tsv`` and ``labels.tsv`` (``id<TAB>label<TAB>note``) from the folder written by
``blind.py``; every sentence must have a label from shared/judging.md. Prints, per system, the
count of each label, the misleading share (inverted + unsupported + garbled + leaked + vacuous)
overall and per section, correct sentences per paper, and lists every misleading sentence.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter, defaultdict
from pathlib import Path

LABELS = ("correct", "minor", "inverted", "unsupported", "garbled", "leaked", "vacuous")
# A section the writer left empty on purpose says so in one sentence: counted, not judged.
PLACEHOLDER = "placeholder"
MISLEADING = frozenset({"inverted", "unsupported", "garbled", "leaked", "vacuous"})
SECTIONS = ("What's New", "Technical Details", "Performance Highlights")


def read_tsv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--list", action="store_true", help="list every misleading sentence")
    args = parser.parse_args()
    key = {row["id"]: row for row in read_tsv(args.folder / "key.tsv")}
    labels = {row["id"]: row for row in read_tsv(args.folder / "labels.tsv")}
    missing = sorted(set(key) - set(labels))
    bad = sorted(i for i, r in labels.items() if r["label"] not in (*LABELS, PLACEHOLDER))
    if missing or bad:
        print(
            f"unlabelled: {missing[:10]}… ({len(missing)}); bad labels: {bad[:10]}", file=sys.stderr
        )
        return 1
    by_system: dict[str, list[tuple[dict[str, str], dict[str, str]]]] = defaultdict(list)
    placeholders: dict[str, int] = defaultdict(int)
    system_papers: dict[str, set[str]] = defaultdict(set)
    for sid, row in key.items():
        system_papers[row["system"]].add(row["paper"])
        if labels[sid]["label"] == PLACEHOLDER:
            placeholders[row["system"]] += 1
            continue
        by_system[row["system"]].append((row, labels[sid]))
    out = []
    for system, items in sorted(by_system.items()):
        papers = system_papers[system]
        counts = Counter(label["label"] for _, label in items)
        total = len(items)
        misleading = sum(counts[x] for x in MISLEADING)
        correct = counts["correct"] + counts["minor"]
        out.append(f"### {system}: {total} sentences, {len(papers)} papers")
        out.append("")
        out.append("| label | " + " | ".join(SECTIONS) + " | all |")
        out.append("|---|" + "---:|" * (len(SECTIONS) + 1))
        per_section = {
            s: Counter(lb["label"] for r, lb in items if r["section"] == s) for s in SECTIONS
        }
        for label in LABELS:
            cells = [str(per_section[s][label]) for s in SECTIONS]
            out.append(f"| {label} | " + " | ".join(cells) + f" | {counts[label]} |")
        shares = []
        for s in SECTIONS:
            n = sum(per_section[s].values())
            m = sum(per_section[s][x] for x in MISLEADING)
            shares.append(f"{m}/{n} ({100 * m / n:.0f}%)" if n else "–")
        out.append(
            "| **misleading** | "
            + " | ".join(shares)
            + f" | **{misleading}/{total} ({100 * misleading / total:.1f}%)** |"
        )
        out.append("")
        out.append(
            f"correct or minor sentences per paper: {correct / len(papers):.2f}; sections left "
            f"empty on purpose (placeholder, not counted above): {placeholders[system]}"
        )
        out.append("")
        if args.list:
            for row, label in sorted(items, key=lambda x: (x[0]["paper"], x[0]["section"])):
                where = f"(sentence {row['position']} of the section in its own file)"
                if label["label"] in MISLEADING:
                    out.append(
                        f"- {row['paper']} [{row['section']}] **{label['label']}**: "
                        f"{row['sentence'] or where} — {label['note']}"
                    )
            out.append("")
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
