"""Labels for a digest whose sentences were all judged already, on a sheet of other digests.

A digest that differs from judged ones only by sentences left out (or by nothing) needs no new
judging: each of its sentences is looked up by paper, section and text in a judged sheet's key
and labels. Prints the counts and the misleading sentences; exits 1 when a sentence has no label
(then the digest needs judging).

    .venv/bin/python bench/judge/derive.py bench/judge/2024-07-22-r10a /tmp/out/2024/07/22.md
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter
from pathlib import Path

from blind import SECTION_NAMES, split

from paperdigest.render.markdown_parse import read_digest

GOOD = {"correct", "minor", "placeholder"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("judged", type=Path, help="a judged folder (key.tsv, labels.tsv)")
    parser.add_argument("digest", type=Path)
    args = parser.parse_args()
    with open(args.judged / "key.tsv", encoding="utf-8") as f:
        key = {r["id"]: r for r in csv.DictReader(f, delimiter="\t")}
    with open(args.judged / "labels.tsv", encoding="utf-8") as f:
        labels = {r["id"]: r["label"] for r in csv.DictReader(f, delimiter="\t")}
    found: dict[tuple[str, str, str], str] = {}
    for sid, row in key.items():
        found[(row["paper"], row["section"], row["sentence"])] = labels[sid]
    count: Counter[str] = Counter()
    section_all: Counter[str] = Counter()
    section_bad: Counter[str] = Counter()
    missing, bad = [], []
    entries = read_digest(args.digest).entries
    for entry in entries:
        for key_name, name in SECTION_NAMES.items():
            for sentence in split(entry.sections.get(key_name) or ""):
                label = found.get((entry.id, name, sentence))
                if label is None:
                    missing.append((entry.id, name, sentence))
                    continue
                count[label] += 1
                if label != "placeholder":
                    section_all[name] += 1
                    section_bad[name] += label not in GOOD
                if label not in GOOD:
                    bad.append((entry.id, name, label, sentence))
    judged = sum(v for k, v in count.items() if k != "placeholder")
    wrong = sum(v for k, v in count.items() if k not in GOOD)
    good = count["correct"] + count["minor"]
    print(f"{args.digest}: labels of {args.judged}")
    print(
        f"{judged} sentences, misleading {wrong} ({100 * wrong / max(1, judged):.1f}%), "
        f"correct or minor per paper {good / max(1, len(entries)):.2f}, "
        f"placeholders {count['placeholder']}; {dict(count)}"
    )
    print(
        "per section: "
        + ", ".join(f"{n} {section_bad[n]}/{section_all[n]}" for n in SECTION_NAMES.values())
    )
    for row in bad:
        print("  -", *row)
    for row in missing:
        print("  no label:", *row)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
