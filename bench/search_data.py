"""Generated databases for the site and search benchmarks (deterministic, seeded).

Papers get English titles and abstracts and Korean summaries made of a fixed vocabulary, so word
frequencies spread from very common ("model") to rare (one invented name per paper). Rows go in
through SQL in large transactions, and the m005 triggers build the search index exactly as they
do for real digests.
"""

from __future__ import annotations

import datetime as dt
import json
import platform
import random
import subprocess
import time
from pathlib import Path

from paperdigest.app import open_app
from paperdigest.settings import Settings
from paperdigest.store import utcnow

EN = [
    "model",
    "models",
    "language",
    "large",
    "vision",
    "diffusion",
    "transformer",
    "attention",
    "token",
    "tokens",
    "training",
    "inference",
    "efficient",
    "sparse",
    "dense",
    "long",
    "context",
    "retrieval",
    "augmented",
    "generation",
    "benchmark",
    "dataset",
    "evaluation",
    "reasoning",
    "agent",
    "agents",
    "video",
    "image",
    "audio",
    "speech",
    "multimodal",
    "alignment",
    "reward",
    "policy",
    "reinforcement",
    "learning",
    "fine-tuning",
    "instruction",
    "tuning",
    "scaling",
    "law",
    "memory",
    "cache",
    "quantization",
    "pruning",
    "distillation",
    "latency",
    "throughput",
    "robust",
    "safety",
    "hallucination",
    "survey",
    "graph",
    "neural",
    "network",
    "encoder",
    "decoder",
    "embedding",
    "contrastive",
    "self-supervised",
    "zero-shot",
    "few-shot",
    "prompt",
    "prompting",
    "chain",
    "thought",
    "mathematical",
    "code",
    "synthesis",
    "3D",
    "reconstruction",
    "rendering",
    "gaussian",
    "splatting",
    "segmentation",
    "detection",
    "tracking",
    "planning",
    "robot",
    "control",
]
KO = [
    "모델",
    "모델의",
    "언어",
    "대형",
    "시각",
    "확산",
    "변환기",
    "주의",
    "토큰",
    "학습",
    "추론",
    "효율적인",
    "희소",
    "긴",
    "문맥",
    "검색",
    "생성",
    "벤치마크",
    "데이터셋",
    "평가",
    "에이전트",
    "비디오",
    "이미지",
    "음성",
    "정렬",
    "보상",
    "정책",
    "강화",
    "미세조정",
    "지시",
    "확장",
    "메모리",
    "캐시",
    "양자화",
    "가지치기",
    "증류",
    "지연",
    "처리량",
    "안전",
    "환각",
    "성능",
    "향상",
    "제안합니다",
    "방법을",
    "결과",
    "실험에서",
    "기존",
    "대비",
    "높은",
    "정확도를",
    "달성했습니다",
    "구조를",
    "사용합니다",
]
FIRST = [
    "Ada",
    "Alan",
    "Grace",
    "Kaiming",
    "Fei-Fei",
    "Yann",
    "Yoshua",
    "Geoffrey",
    "Ilya",
    "Andrej",
    "Jun",
    "Min",
    "Seo",
    "Ji",
    "Hyun",
]
LAST = [
    "Lovelace",
    "Turing",
    "Hopper",
    "He",
    "Li",
    "LeCun",
    "Bengio",
    "Hinton",
    "Sutskever",
    "Karpathy",
    "Kim",
    "Lee",
    "Park",
    "Choi",
]
SYLLABLES = [
    "la",
    "zy",
    "gen",
    "flu",
    "te",
    "mo",
    "ra",
    "ki",
    "no",
    "va",
    "qu",
    "ex",
    "sol",
    "tri",
    "neo",
    "xen",
    "dra",
    "pix",
]


def invented_name(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(3)).capitalize() + rng.choice(
        ["LLM", "Net", "Diff", "GPT", "Bench", ""]
    )


def sentence(rng: random.Random, words: list[str], n: int) -> str:
    return " ".join(rng.choice(words) for _ in range(n))


def build(
    path: Path, *, days: int, per_day: int, seed: int = 6, start: dt.date | None = None
) -> dict[str, float]:
    """A database of ``days`` x ``per_day`` papers, each with a Korean summary."""
    rng = random.Random(seed)
    start = start or dt.date(2024, 1, 1)
    if path.exists():
        path.unlink()
    started = time.perf_counter()
    store = open_app(Settings.load(db=path)).open_store()
    now = utcnow()
    n = 0
    chunk_days = max(1, 2000 // per_day)
    for first in range(0, days, chunk_days):
        with store.transaction() as db:
            for d in range(first, min(days, first + chunk_days)):
                day = (start + dt.timedelta(days=d)).isoformat()
                db.execute(
                    "INSERT INTO days (day, source, fetched_at, n_papers) VALUES (?, ?, ?, ?)",
                    (day, "bench", now, per_day),
                )
                for pos in range(per_day):
                    n += 1
                    pid = f"{2400 + d // 28:04d}.{n:05d}"
                    name = invented_name(rng)
                    title = f"{name}: {sentence(rng, EN, rng.randint(5, 11)).capitalize()}"
                    authors = [
                        f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(rng.randint(2, 12))
                    ]
                    abstract = (
                        ". ".join(
                            sentence(rng, EN, rng.randint(12, 24)).capitalize() for _ in range(8)
                        )
                        + f". We call it {name}."
                    )
                    db.execute(
                        "INSERT INTO papers (id, title, authors, abstract, published_at, media_url,"
                        " first_seen, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        (
                            pid,
                            title,
                            json.dumps(authors),
                            abstract,
                            day,
                            f"https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/{pid}.png",
                            now,
                            now,
                        ),
                    )
                    db.execute(
                        "INSERT INTO day_papers (day, paper_id, upvotes, position, first_seen,"
                        " last_seen) VALUES (?, ?, ?, ?, ?, ?)",
                        (day, pid, rng.randint(0, 120), pos, now, now),
                    )
                    parts = [
                        f"{name}은 " + sentence(rng, KO, rng.randint(14, 24)) + ".",
                        sentence(rng, KO, rng.randint(20, 34)) + ".",
                        sentence(rng, KO, rng.randint(16, 28)) + ".",
                    ]
                    db.execute(
                        "INSERT INTO summaries (paper_id, lang, backend, model, prompt_version,"
                        " input_hash, input_text, whats_new, technical_details,"
                        " performance_highlights, created_at) VALUES (?, 'ko', 'bench', 'gen',"
                        " 'v1', ?, '', ?, ?, ?, ?)",
                        (pid, f"h{n}", *parts, now),
                    )
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.db.execute("ANALYZE")
    store.close()
    return {"papers": n, "seconds": time.perf_counter() - started, "bytes": path.stat().st_size}


def machine() -> str:
    model = "unknown CPU"
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    import os

    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}, SQLite " + (
        __import__("sqlite3").sqlite_version
    )
