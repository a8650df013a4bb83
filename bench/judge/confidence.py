"""How well the model's own token confidence tells misleading translations from the rest.

Two steps, so the judged figures can be redone:

    # 1. translate every chosen sentence of a day as the local backend does (greedy first,
    #    warmer retries), recording the probability of each token the model wrote
    .venv/bin/python bench/judge/confidence.py harvest ../shared/data/hf-daily-2024-07-22.json \\
        /tmp/conf-0722.jsonl
    # 2. join the translations with blind labels (bench/judge/<day>/key.tsv + labels.tsv) and
    #    report, per feature, the area under the ROC curve and what a threshold keeps
    .venv/bin/python bench/judge/confidence.py analyze /tmp/conf-0722.jsonl \\
        bench/judge/2024-07-22-v3 [/tmp/conf-0805.jsonl bench/judge/2024-08-05 ...]

The harvest file holds the abstracts' sentences (third-party text): keep it outside the
repository. A judged sentence is matched to the translation that contains it (the first
attempt that passed the lexical checks); its tokens are those inside the sentence's span.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

MISLEADING = {"inverted", "unsupported", "garbled", "leaked", "vacuous"}


def harvest(source: Path, out: Path) -> None:
    from llama_cpp import LogitsProcessorList

    from paperdigest.prompts import load_prompts
    from paperdigest.summarize.decoding import NumberGuard, TokenConfidence
    from paperdigest.summarize.faithful import (
        ATTEMPTS,
        clean_translation,
        rank_sentences,
        translation_problems,
    )
    from paperdigest.summarize.local import RETRY_WARMER, LocalSummarizer

    papers = json.loads(source.read_text(encoding="utf-8"))
    model = LocalSummarizer(options={})
    prompts = load_prompts("ko")
    vocab = model._vocab()
    started = time.perf_counter()
    with out.open("w", encoding="utf-8") as fh:
        for item in papers:
            paper = item.get("paper", item)
            for key, sources in rank_sentences(paper["summary"]).items():
                for rank, sentence in enumerate(sources):
                    for attempt in range(ATTEMPTS):
                        listener = TokenConfidence()
                        guard = NumberGuard(
                            sentence, vocab.char_ids, vocab.multi_digit, model._piece
                        )
                        raw = model._complete(
                            prompts.translation(sentence),
                            {
                                "temperature": RETRY_WARMER * attempt,
                                "top_p": model.options.top_p,
                                "repeat_penalty": 1.0,
                                "max_tokens": 3 * model.count_tokens(sentence) + 48,
                                "seed": model.options.seed + attempt,
                                "stop": ["\n"],
                                "logits_processor": LogitsProcessorList([guard, listener]),
                            },
                        )
                        text = clean_translation(raw)
                        problems = translation_problems(text, sentence, "ko")
                        # The tokens' pieces, to find a sentence's span inside the answer.
                        record = {
                            "paper": paper["id"], "section": key, "rank": rank,
                            "source": sentence, "attempt": attempt, "raw": raw, "text": text,
                            "problems": problems, "probs": listener.probs,
                        }
                        fh.write(json.dumps(record, ensure_ascii=False) + "\n")
                        fh.flush()
                        print(f"{time.perf_counter() - started:6.0f}s {paper['id']} {key} "
                              f"#{rank} try {attempt}: {problems or 'ok'}", file=sys.stderr)
                        if not problems:
                            break


def _rows(harvest_file: Path, judged: Path) -> list[tuple[bool, list[float]]]:
    records = [json.loads(line) for line in harvest_file.open(encoding="utf-8")]
    passed = [r for r in records if not r["problems"]]
    with (judged / "key.tsv").open(encoding="utf-8") as fh:
        key = list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    with (judged / "labels.tsv").open(encoding="utf-8") as fh:
        labels = {r["id"]: r["label"] for r in csv.DictReader(fh, delimiter="\t",
                                                             quoting=csv.QUOTE_NONE)}
    norm = lambda t: " ".join(t.split())  # noqa: E731
    rows = []
    for entry in key:
        label = labels.get(entry["id"])
        if not entry["system"].startswith("local-translate") or label in (None, "placeholder"):
            continue
        sentence = norm(entry["sentence"])
        hit = next((r for r in passed if r["paper"] == entry["paper"]
                    and sentence in norm(r["text"])), None)
        if hit is None:
            continue
        probs = hit["probs"]
        # The answer's share before the sentence, in characters, picks its tokens roughly:
        # a two-sentence answer gives each sentence its own part of the tokens.
        text = norm(hit["text"])
        start = text.find(sentence) / max(1, len(text))
        end = (text.find(sentence) + len(sentence)) / max(1, len(text))
        part = probs[int(start * len(probs)) : max(int(start * len(probs)) + 1,
                                                   math.ceil(end * len(probs)))]
        rows.append((label in MISLEADING, part or [1.0]))
    return rows


def _auc(scored: list[tuple[float, bool]]) -> float:
    """Chance that a misleading sentence scores higher (= less sure) than a fine one."""
    bad = [s for s, b in scored if b]
    fine = [s for s, b in scored if not b]
    wins = sum((x > y) + 0.5 * (x == y) for x in bad for y in fine)
    return wins / max(1, len(bad) * len(fine))


FEATURES: dict[str, Any] = {
    "tokens under 0.5": lambda p: sum(x < 0.5 for x in p),
    "tokens under 0.2": lambda p: sum(x < 0.2 for x in p),
    "mean -log p": lambda p: -sum(math.log(max(x, 1e-9)) for x in p) / len(p),
    "sum -log p": lambda p: -sum(math.log(max(x, 1e-9)) for x in p),
    "1 - least p": lambda p: 1 - min(p),
    "length (tokens)": len,
}


def analyze(pairs: list[tuple[Path, Path]]) -> None:
    rows = [row for h, j in pairs for row in _rows(h, j)]
    bad = sum(b for b, _ in rows)
    print(f"{len(rows)} judged sentences matched, {bad} misleading ({bad / len(rows):.0%})\n")
    print("| feature | AUC |\n|---|---:|")
    for name, feature in FEATURES.items():
        print(f"| {name} | {_auc([(feature(p), b) for b, p in rows]):.2f} |")
    print("\n| at most N tokens under 0.5 | kept | misleading kept | fine left out |")
    print("|---:|---:|---:|---:|")
    for limit in (4, 6, 8, 10, 12):
        kept = [b for b, p in rows if sum(x < 0.5 for x in p) <= limit]
        lost = sum(1 for b, p in rows if sum(x < 0.5 for x in p) > limit and not b)
        print(f"| {limit} | {len(kept)} | {sum(kept)} ({sum(kept) / max(1, len(kept)):.0%}) "
              f"| {lost} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    h = sub.add_parser("harvest")
    h.add_argument("source", type=Path)
    h.add_argument("out", type=Path)
    a = sub.add_parser("analyze")
    a.add_argument("pairs", nargs="+", help="HARVEST.jsonl JUDGED_DIR, repeated")
    args = parser.parse_args()
    if args.command == "harvest":
        harvest(args.source, args.out)
    else:
        paths = [Path(p) for p in args.pairs]
        if len(paths) % 2:
            parser.error("give HARVEST.jsonl JUDGED_DIR pairs")
        analyze(list(zip(paths[::2], paths[1::2], strict=True)))


if __name__ == "__main__":
    main()
