"""How well the checks agree with the judge: per system and paper, which checks flagged it and
how many of its sentences the judge found misleading.

    .venv/bin/python bench/judge/checks_vs_judge.py bench/judge/2024-07-22 \\
        --source ../shared/data/hf-daily-2024-07-22.json SYSTEM=DIGEST.md [SYSTEM=DIGEST.md ...]

Precision (of the papers a check flagged, the share with at least one misleading sentence) and
recall (of the papers with a misleading sentence, the share any meaning check flagged) are
printed per system.
"""

from __future__ import annotations

import argparse
import csv
from collections import defaultdict
from pathlib import Path

from paperdigest.render.markdown_parse import read_digest
from paperdigest.review import check_digest, load_source

MISLEADING = {"inverted", "unsupported", "garbled", "leaked", "vacuous"}
MEANING = {"script", "fragments", "direction", "vacuous", "topic", "leakage"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--source", type=Path, required=True)
    parser.add_argument("digests", nargs="+", metavar="SYSTEM=PATH")
    args = parser.parse_args()
    read = lambda name: list(  # noqa: E731
        csv.DictReader((args.folder / name).open(encoding="utf-8"), delimiter="\t",
                       quoting=csv.QUOTE_NONE)
    )  # fmt: skip
    labels = {r["id"]: r["label"] for r in read("labels.tsv")}
    bad: dict[tuple[str, str], int] = defaultdict(int)
    for row in read("key.tsv"):
        if labels.get(row["id"]) in MISLEADING:
            bad[(row["system"], row["paper"])] += 1
    papers = load_source(args.source)
    for spec in args.digests:
        system, _, path = spec.partition("=")
        results = check_digest(read_digest(Path(path)), papers, lang="ko")
        flagged_any = flagged_right = misleading = caught = 0
        print(f"### {system}")
        for result in results:
            checks = sorted({p.check for p in result.problems} & MEANING)
            n_bad = bad[(system, result.id)]
            print(f"- {result.id}: misleading sentences {n_bad}; flagged by {checks or '-'}")
            if checks:
                flagged_any += 1
                flagged_right += n_bad > 0
            if n_bad:
                misleading += 1
                caught += bool(checks)
        print(f"precision {flagged_right}/{flagged_any}, recall {caught}/{misleading}\n")


if __name__ == "__main__":
    main()
