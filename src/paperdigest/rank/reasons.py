"""One line per paper saying why it ranks where it does, built from the parts of its score, in
the reader's language (Korean by default, English; other languages get English)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

SHOWN = 0.3  # a part smaller than this does not make the reason
MAX_GROUPS = 4
MAX_LABELS = 3
TITLE_CHARS = 40


@dataclass(frozen=True)
class Part:
    """One contribution to a paper's score: its kind, what it is about, and how much."""

    kind: str  # keyword, seed, liked, disliked, author, category, exclude, votes, topic
    label: str
    value: float


TEXTS: dict[str, dict[str, str]] = {
    "ko": {
        "keyword": "키워드 {labels}",
        "keyword_down": "감점 키워드 {labels}",
        "seed": "seed 논문 {titles}와 유사",
        "liked": "좋아요한 논문 {titles}와 유사",
        "disliked": "싫어요한 논문 {titles}와 비슷해 낮춤",
        "author": "팔로우 저자 {labels}",
        "category": "카테고리 {labels}",
        "exclude": "제외어 {labels}",
        "topic": "프로필 주제와 가까움",
        "votes": "추천 {labels}",
        "none": "프로필과 맞는 점 없음",
    },
    "en": {
        "keyword": "keyword {labels}",
        "keyword_down": "down-weighted keyword {labels}",
        "seed": "similar to seed paper {titles}",
        "liked": "similar to liked paper {titles}",
        "disliked": "like disliked paper {titles}, so lower",
        "author": "followed author {labels}",
        "category": "category {labels}",
        "exclude": "excluded term {labels}",
        "topic": "close to the profile's topics",
        "votes": "{labels} votes",
        "none": "nothing in the profile matches",
    },
}
ALWAYS = frozenset({"exclude", "disliked", "liked", "author"})


def short_title(title: str) -> str:
    title = " ".join(title.split())
    return title if len(title) <= TITLE_CHARS else title[: TITLE_CHARS - 1].rstrip() + "…"


def explain(parts: Sequence[Part], lang: str) -> str:
    """The reason line: the biggest contributions first, grouped by kind."""
    texts = TEXTS.get(lang, TEXTS["en"])
    groups: dict[str, list[Part]] = {}
    for part in parts:
        if part.kind == "votes":
            continue
        kind = "keyword_down" if part.kind == "keyword" and part.value < 0 else part.kind
        if abs(part.value) >= SHOWN or (kind in ALWAYS and part.value != 0):
            groups.setdefault(kind, []).append(part)
    ordered = sorted(groups.items(), key=lambda kv: -sum(abs(p.value) for p in kv[1]))
    phrases = []
    for kind, items in ordered[:MAX_GROUPS]:
        items = sorted(items, key=lambda p: -abs(p.value))[:MAX_LABELS]
        labels = "·".join(p.label for p in items)
        titles = "·".join(f"'{short_title(p.label)}'" for p in items[:1])
        phrases.append(texts[kind].format(labels=labels, titles=titles))
    votes = next((p for p in parts if p.kind == "votes"), None)
    if not phrases:
        phrases.append(texts["none"])
        if votes is not None and votes.label not in ("", "0"):
            phrases.append(texts["votes"].format(labels=votes.label))
    return ", ".join(phrases)


__all__ = ["TEXTS", "Part", "explain", "short_title"]
