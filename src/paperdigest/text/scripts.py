"""Scripts, letters and words: how much of a text is written in a language's script, and
how much two texts share their words."""

from __future__ import annotations

import re
import unicodedata

# -- scripts and letter shares -----------------------------------------------------------------


def is_hangul(ch: str) -> bool:
    code = ord(ch)
    return 0xAC00 <= code <= 0xD7A3 or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F


def _is_latin(ch: str) -> bool:
    return ch.isascii() or "LATIN" in unicodedata.name(ch, "")


def _is_kana(ch: str) -> bool:
    return 0x3040 <= ord(ch) <= 0x30FF


def _is_cjk(ch: str) -> bool:
    code = ord(ch)
    return 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF


def _is_cyrillic(ch: str) -> bool:
    return 0x0400 <= ord(ch) <= 0x04FF


_SCRIPT = {
    "ko": is_hangul,
    "ja": lambda ch: _is_kana(ch) or _is_cjk(ch),
    "zh": _is_cjk,
    "ru": _is_cyrillic,
    "uk": _is_cyrillic,
    "bg": _is_cyrillic,
}


def strip_parentheses(text: str) -> str:
    """The text without anything inside (round) parentheses, nested ones included."""
    out: list[str] = []
    depth = 0
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")" and depth:
            depth -= 1
        elif depth == 0:
            out.append(ch)
    return "".join(out)


# A Latin-script word: letters and digits, joined by hyphens, apostrophes or dots ("GPT-4",
# "encoder's", "Llama3.1").
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-'’.][A-Za-z0-9]+)*")


def base_lang(lang: str) -> str:
    """The language of a tag without its region or script, lower-cased: "ko-KR" -> "ko"."""
    return lang.split("-")[0].lower()


def letter_share(text: str, lang: str, neutral: frozenset[str] = frozenset()) -> float:
    """Share (0..1) of the letters outside parentheses written in ``lang``'s script.

    Korean counts Hangul; Japanese kana and kanji; Chinese Han characters; Russian, Ukrainian
    and Bulgarian Cyrillic; every other language the Latin script. Latin-script words in
    ``neutral`` (lower-cased: the paper's own terms) count for neither side. A text without
    letters outside parentheses has share 0.
    """
    is_target = _SCRIPT.get(base_lang(lang), _is_latin)
    outside = strip_parentheses(text)
    if neutral and is_target is not _is_latin:
        outside = LATIN_WORD.sub(
            lambda m: " " if m.group().lower() in neutral else m.group(), outside
        )
    letters = [ch for ch in outside if ch.isalpha()]
    if not letters:
        return 0.0
    return sum(1 for ch in letters if is_target(ch)) / len(letters)


# -- words and overlap -------------------------------------------------------------------------

_WORD = re.compile(r"[^\W_]+(?:[.'’-][^\W_]+)*", re.UNICODE)


def words(text: str) -> list[str]:
    """Lower-cased words (letters and digits; ``GPT-4``, ``2.34`` and ``don't`` stay whole)."""
    return [w.lower() for w in _WORD.findall(text)]


def word_overlap(a: str, b: str) -> float:
    """Share (0..1) of the smaller text's distinct words that the other text also has.

    1.0 when one text's words are all in the other (a copy, or a copy with additions); 0.0 when
    either text has no words.
    """
    wa, wb = set(words(a)), set(words(b))
    if not wa or not wb:
        return 0.0
    return len(wa & wb) / min(len(wa), len(wb))


LANGUAGE_NAMES = {
    "ko": "Korean",
    "en": "English",
    "ja": "Japanese",
    "zh": "Chinese",
    "de": "German",
    "fr": "French",
    "es": "Spanish",
    "ru": "Russian",
}


def language_name(lang: str) -> str:
    """The English name of a language code ("ko" -> "Korean"; unknown codes as they are)."""
    return LANGUAGE_NAMES.get(lang, lang)
