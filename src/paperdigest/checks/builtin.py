"""The built-in checks. Each is a pure function of a :class:`CheckInput`, registered by name."""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache
from itertools import combinations

from ..models import SECTION_KEYS, SECTION_LABELS
from . import CheckInput, Problem, register_check
from .text import (
    echo_pieces,
    find_numbers,
    has_anchor,
    instruction_echo,
    is_instruction,
    letter_share,
    result_numbers,
    rounds_to,
    sentences,
    unsupported_names,
    unsupported_numbers,
    word_overlap,
)

# -- thresholds --------------------------------------------------------------------------------

MIN_LANGUAGE_SHARE = 0.6  # of the whole summary's letters outside parentheses
MIN_SECTION_SHARE = 0.3  # any one section below this is "not written in <language>"
MAX_OVERLAP = 0.6  # two sections sharing more of their words are copies
# a sentence with no number, name or term from the paper, and at least this share of its
# pieces taken from the prompt's instructions, restates the instructions (reference max: 0.32;
# the local model's "새로 제안된 내용과 발견한 것에 대해 설명합니다.": 0.45)
MAX_ECHO = 0.45
# (min, max) characters per section: dense scripts need fewer characters for the same content
LENGTH_BOUNDS = {"dense": (20, 900), "latin": (30, 2000)}
DENSE_LANGS = {"ko", "ja", "zh"}

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


def _label(key: str) -> str:
    return SECTION_LABELS[key]


def _language(lang: str) -> str:
    return LANGUAGE_NAMES.get(lang, lang)


def _join(items: list[str], limit: int = 8) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" (+{len(items) - limit} more)" if len(items) > limit else "")


# -- numbers and names -------------------------------------------------------------------------


@register_check("numbers", "every number in the summary is in the source text")
def check_numbers(item: CheckInput) -> list[Problem]:
    problems = []
    for key, text in item.present():
        missing = unsupported_numbers(text, item.source_text)
        if missing:
            problems.append(
                Problem(
                    "numbers",
                    f"{_label(key)} has numbers the paper text does not give: {_join(missing)}. "
                    "Use only numbers that are in the text.",
                    key,
                )
            )
    return problems


@register_check("names", "model, dataset and method names and acronyms are in the source text")
def check_names(item: CheckInput) -> list[Problem]:
    problems = []
    for key, text in item.present():
        missing = unsupported_names(text, item.source_text)
        if missing:
            problems.append(
                Problem(
                    "names",
                    f"{_label(key)} names things the paper text does not mention: "
                    f"{_join(missing)}. Use only names and acronyms that are in the text.",
                    key,
                )
            )
    return problems


# -- language ----------------------------------------------------------------------------------


@register_check("language", "the summary is written in its language")
def check_language(item: CheckInput) -> list[Problem]:
    present = item.present()
    if not present:
        return []
    language = _language(item.lang)
    problems = []
    for key, text in present:
        share = letter_share(text, item.lang)
        if share < MIN_SECTION_SHARE:
            problems.append(
                Problem(
                    "language",
                    f"{_label(key)} is not written in {language} ({share:.0%} of its letters "
                    f"outside parentheses are {language}). Write it in {language}; keep English "
                    "only for names and for terms in parentheses.",
                    key,
                )
            )
    whole = " ".join(text for _, text in present)
    share = letter_share(whole, item.lang)
    if share < MIN_LANGUAGE_SHARE and not problems:
        problems.append(
            Problem(
                "language",
                f"only {share:.0%} of the summary's letters outside parentheses are {language} "
                f"(at least {MIN_LANGUAGE_SHARE:.0%} needed). Translate the English phrases into "
                f"{language}; put an English term in parentheses after its {language} "
                "translation.",
            )
        )
    return problems


# -- structure ---------------------------------------------------------------------------------


def length_bounds(lang: str) -> tuple[int, int]:
    return LENGTH_BOUNDS["dense" if lang.split("-")[0] in DENSE_LANGS else "latin"]


@register_check("structure", "three non-empty sections, within length bounds, not copies")
def check_structure(item: CheckInput) -> list[Problem]:
    problems = []
    low, high = length_bounds(item.lang)
    for key in SECTION_KEYS:
        text = item.sections.get(key, "").strip()
        if key not in item.sections:
            problems.append(Problem("structure", f"the {_label(key)} section is missing.", key))
        elif not text:
            problems.append(Problem("structure", f"the {_label(key)} section is empty.", key))
        elif len(text) < low:
            problems.append(
                Problem(
                    "structure",
                    f"{_label(key)} is too short ({len(text)} characters; at least {low}). "
                    "Write two or three full sentences.",
                    key,
                )
            )
        elif len(text) > high:
            problems.append(
                Problem(
                    "structure",
                    f"{_label(key)} is too long ({len(text)} characters; at most {high}). "
                    "Keep it to two or three sentences.",
                    key,
                )
            )
    for (ka, a), (kb, b) in combinations(item.present(), 2):
        overlap = word_overlap(a, b)
        if overlap > MAX_OVERLAP:
            problems.append(
                Problem(
                    "structure",
                    f"{_label(ka)} and {_label(kb)} repeat each other ({overlap:.0%} of words "
                    f"shared; at most {MAX_OVERLAP:.0%}). Each section must say something "
                    "different.",
                    kb,
                )
            )
    return problems


# -- leakage -----------------------------------------------------------------------------------

_LEAK_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(r"\{(?:title|input|feedback|problems|section_label|section_task)\}"),
        "a prompt placeholder",
    ),
    (re.compile(r"\b(?:whats_new|technical_details|performance_highlights)\b"), "a JSON key"),
    (re.compile(r"\"\s*:\s*[\"{\[]|[{\[]\s*\"\w+\"|```|\\n|\\\""), "a JSON fragment"),
    (
        re.compile(
            r"\bas an? (?:AI|artificial intelligence|(?:large )?language model)\b|"
            r"\bI(?:'m| am) (?:sorry|an AI)\b|\bI (?:cannot|can't|can not)\b|"
            r"\b(?:Sure|Certainly)[,!]|\bHere(?:'s| is) (?:the|a|your) summary\b",
            re.IGNORECASE,
        ),
        'an "as an AI" phrase',
    ),
    (
        re.compile(
            r"(?:AI|인공지능|언어 ?모델)(?:로서|로써)|저는 (?:AI|인공지능|언어 ?모델)|"
            r"죄송(?:합니다|하지만)|도와드리겠|요약해 ?드리겠|다음은 [^.]{0,20}요약(?:입니다|한)"
        ),
        'an "as an AI" phrase',
    ),
    (
        re.compile(
            r"\[(?:insert|placeholder|todo|title|논문 ?제목|요약|내용)[^\]]*\]|"
            r"<(?:insert|placeholder|section|summary)[^>]*>|\bTODO\b|\bXXX+\b|lorem ipsum|"
            r"^\s*(?:\.\.\.|…|-|N/?A)\s*$",
            re.IGNORECASE,
        ),
        "a placeholder",
    ),
    (
        re.compile(r"^(?:Title|Abstract|제목|논문 텍스트|요약)\s*:|\b(?:Title|Abstract):\s"),
        "a prompt label",
    ),
]


@lru_cache(maxsize=16)
def _prompt_texts(lang: str) -> tuple[str, ...]:
    from ..errors import ConfigError
    from ..prompts import load_prompts

    try:
        prompts = load_prompts(lang)
    except ConfigError:
        return ()
    texts = [prompts.system, prompts.user, prompts.section_user, prompts.feedback]
    texts.extend(prompts.sections.values())
    return tuple(texts)


@lru_cache(maxsize=16)
def prompt_fragments(lang: str) -> tuple[str, ...]:
    """Sentences of the language's prompt file long enough that a copy is no accident."""
    fragments: list[str] = []
    for text in _prompt_texts(lang):
        for line in text.splitlines():
            line = re.sub(r"^\s*(?:[-*]|\d+\.)\s*", "", line)
            for piece in re.split(r"(?<=[.:!?。])\s+|\{[a-z_]+\}", line):
                piece = " ".join(piece.split()).strip(" :")
                if len(piece) >= 16 and "{" not in piece:
                    fragments.append(piece)
    return tuple(dict.fromkeys(fragments))


@lru_cache(maxsize=16)
def instruction_vocabulary(lang: str) -> frozenset[str]:
    """The pieces (see ``echo_pieces``) of the language's prompt instructions."""
    text = " ".join(re.sub(r"\{[a-z_]+\}", " ", t) for t in _prompt_texts(lang))
    return frozenset(echo_pieces(text, lang))


# a repaired answer that talks about its own repair ("…를 포함하도록 수정했습니다")
_REVISION_TALK = re.compile(
    r"이전(?:의)? ?(?:요약|답변|답|버전)(?:에서|에는|은|을|의)|"
    r"(?:포함하도록|반영하도록|반영하여|피드백에 따라|지적에 따라|요청에 따라|지적된 대로) ?"
    r"(?:수정|고쳐|고쳤|다시 ?썼|다시 ?작성)|요약을 (?:수정|고쳤|다시 ?작성)|"
    r"\b(?:the )?(?:previous|earlier) (?:summary|answer|version|draft)\b|"
    r"\bI(?:'ve| have)? (?:revised|fixed|corrected|updated|rewritten)\b|"
    r"\b(?:revised|corrected|updated) (?:summary|version|answer)\b",
    re.IGNORECASE,
)


# a sentence that starts like the prompt's own input ("제목: SciCode: … 본문은 …")
_LABEL_START = re.compile(
    r"^(?:Title|Abstract|Paper text|Problems?|Feedback|제목|논문 텍스트|본문|문제|피드백)\s*:"
)
# the summary's own section names inside a section: "Technical Details 부분이 너무 짧습니다."
_SECTION_NAME = re.compile(
    "|".join(re.escape(label) for label in SECTION_LABELS.values()), re.IGNORECASE
)


def addresses_the_writer(text: str, lang: str) -> str | None:
    """What is wrong with the first sentence of ``text`` that starts with a prompt label, gives
    an order, talks about its own revision or only restates the instructions of the language's
    prompts (``None``: no such sentence)."""
    vocabulary = instruction_vocabulary(lang)
    for sentence in sentences(text):
        if _LABEL_START.match(sentence):
            return f"a prompt label ({sentence[:40]!r})"
        if _SECTION_NAME.search(sentence):
            return f"talk about the summary's sections, not the paper ({sentence[:40]!r})"
        if is_instruction(sentence, lang):
            return f"an instruction instead of a summary ({sentence[:40]!r})"
        if _REVISION_TALK.search(sentence):
            return f"talk about the revision, not the paper ({sentence[:40]!r})"
        if (
            vocabulary
            and not has_anchor(sentence, lang)
            and instruction_echo(sentence, lang, vocabulary) >= MAX_ECHO
        ):
            return f"a sentence that restates the instructions, not the paper ({sentence[:40]!r})"
    return None


@register_check(
    "leakage",
    "no prompt text, placeholders, JSON fragments, 'as an AI' phrases or sentences addressed to "
    "the writer",
)
def check_leakage(item: CheckInput) -> list[Problem]:
    problems = []
    fragments = prompt_fragments(item.lang)
    for key, text in item.present():
        found: list[str] = []
        for pattern, what in _LEAK_PATTERNS:
            match = pattern.search(text)
            if match and what not in found:
                found.append(f"{what} ({match.group().strip()[:40]!r})")
        flat = " ".join(text.split())
        for fragment in fragments:
            if fragment in flat:
                found.append(f"prompt text ({fragment[:40]!r})")
                break
        if not found:
            echo = addresses_the_writer(text, item.lang)
            if echo:
                found.append(echo)
        if found:
            problems.append(
                Problem(
                    "leakage",
                    f"{_label(key)} contains {', '.join(found)}. Write only the summary itself, "
                    "about this paper.",
                    key,
                )
            )
    return problems


# -- key figures -------------------------------------------------------------------------------


def covers_key_figure(text: str, abstract: str) -> tuple[bool, list[str]]:
    """(whether ``text`` gives one of the abstract's result figures, those figures)."""
    results = result_numbers(abstract)
    if not results:
        return True, []
    wanted: set[Decimal] = set()
    for mention in results:
        wanted.add(mention.value.normalize())
        wanted.add(mention.scaled.normalize())
    for mention in find_numbers(text):
        if mention.word:
            continue
        if mention.value.normalize() in wanted or mention.scaled.normalize() in wanted:
            return True, [m.text for m in results]
        if mention.decimals >= 1 and rounds_to(mention.value, mention.decimals, wanted):
            return True, [m.text for m in results]
    return False, list(dict.fromkeys(m.text for m in results))


@register_check("key_figures", "Performance Highlights gives one of the abstract's result figures")
def check_key_figures(item: CheckInput) -> list[Problem]:
    text = item.sections.get("performance_highlights", "")
    if not text.strip():
        return []
    ok, figures = covers_key_figure(text, item.abstract)
    if ok:
        return []
    return [
        Problem(
            "key_figures",
            f"Performance Highlights gives none of the results the abstract reports "
            f"({_join(figures)}). Include at least one of them exactly as the text gives it.",
            "performance_highlights",
        )
    ]
