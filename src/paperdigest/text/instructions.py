"""Sentences that speak to the writer, not about the paper: orders, and the instructions' own
words (the lexicons the leakage check and the local backend's echo filter share)."""

from __future__ import annotations

import re

from .scripts import words

# Korean summaries are declarative (~합니다); these endings give an order, as a prompt does
_KO_IMPERATIVE = re.compile(r"(?:세요|십시오|하시오|하라|할 것)\s*[.!]?\s*$")
_EN_IMPERATIVE = re.compile(
    r"^(?:Please\s+)?(?:Write|Include|Fix|Summarize|Answer|Mention|Keep|Do not|Don't)\b(?!\s+of\b)"
)
# Hangul pairs that any formal Korean sentence has (endings, connectives): no evidence of echo
_KO_COMMON_PAIRS = frozenset(
    {
        "합니", "니다", "입니", "습니", "됩니", "있습", "였습", "었습", "했습",
        "하는", "하고", "하여", "으로", "에서", "이러", "러한", "그리", "리고",
    }
)  # fmt: skip
_EN_COMMON_WORDS = frozenset(
    {
        "the", "and", "for", "that", "this", "with", "are", "was", "were", "its", "from",
        "their", "them", "they", "these", "those", "which", "has", "have", "had", "not",
        "but", "also", "into", "than", "then", "when", "what", "why", "how", "all", "any",
        "each", "our", "can",
    }
)  # fmt: skip


def echo_pieces(text: str, lang: str) -> list[str]:
    """What instruction echo is measured on: Hangul letter pairs for Korean (words there carry
    particles and endings), lower-cased words of three letters or more otherwise; the pieces
    every sentence has are left out."""
    if lang == "ko":
        pairs = [w[i : i + 2] for w in re.findall(r"[가-힣]+", text) for i in range(len(w) - 1)]
        return [p for p in pairs if p not in _KO_COMMON_PAIRS]
    return [w for w in words(text) if len(w) >= 3 and w.isalpha() and w not in _EN_COMMON_WORDS]


def has_anchor(sentence: str, lang: str) -> bool:
    """A number, or a name or term from the paper: for Korean any Latin word, for English a
    capitalised word after the first or a word with a digit or capitals inside."""
    if any(ch.isdigit() for ch in sentence):
        return True
    if lang == "ko":
        return re.search(r"[A-Za-z]{2,}", sentence) is not None
    tokens = re.findall(r"[A-Za-z][\w-]*", sentence)
    return any(t[0].isupper() for t in tokens[1:]) or any(
        any(ch.isupper() for ch in t[1:]) for t in tokens
    )


def is_instruction(sentence: str, lang: str) -> bool:
    """An order addressed to the writer ("2.34x를 포함하세요.", "Include the numbers.")."""
    if lang == "ko":
        return _KO_IMPERATIVE.search(sentence) is not None
    return _EN_IMPERATIVE.search(sentence) is not None


def instruction_echo(sentence: str, lang: str, vocabulary: frozenset[str]) -> float:
    """Share (0..1) of the sentence's pieces that come from the instructions; 0.0 for a
    sentence too short to judge (fewer than five pieces)."""
    pieces = echo_pieces(sentence, lang)
    if len(pieces) < 5:
        return 0.0
    return sum(1 for p in pieces if p in vocabulary) / len(pieces)
