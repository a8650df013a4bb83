"""The built-in checks, a plugin like any other (hook ``register_checks``, see
:mod:`paperdigest.plugins`). Each is a pure function of a :class:`CheckInput`."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from itertools import combinations

from ..models import SECTION_KEYS, SECTION_LABELS
from ..prompts.echo import addresses_the_writer, prompt_fragments
from ..text import (
    find_numbers,
    language_name,
    letter_share,
    result_numbers,
    rounds_to,
    unsupported_names,
    unsupported_numbers,
    word_overlap,
)
from ..text.meaning import NOTHING_FAITHFUL, paper_terms
from . import CheckInput, Problem
from .meaning import register_meaning_checks

# -- thresholds --------------------------------------------------------------------------------

MIN_LANGUAGE_SHARE = 0.6  # of the whole summary's letters outside parentheses
MIN_SECTION_SHARE = 0.3  # any one section below this is "not written in <language>"
MAX_OVERLAP = 0.6  # two sections sharing more of their words are copies
# (min, max) characters per section: dense scripts need fewer characters for the same content
LENGTH_BOUNDS = {"dense": (20, 900), "latin": (30, 2000)}
DENSE_LANGS = {"ko", "ja", "zh"}


def _label(key: str) -> str:
    return SECTION_LABELS[key]


def _join(items: list[str], limit: int = 8) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" (+{len(items) - limit} more)" if len(items) > limit else "")


# -- numbers and names -------------------------------------------------------------------------


def check_numbers(item: CheckInput) -> list[Problem]:
    problems = []
    for key, text in item.present():
        missing = unsupported_numbers(text, item.source_text)
        if missing:
            problems.append(
                Problem(
                    "numbers",
                    f"{_label(key)} has numbers the paper text does not give: {_join(missing)}.",
                    key,
                    "Use only numbers that are in the text.",
                )
            )
    return problems


def check_names(item: CheckInput) -> list[Problem]:
    problems = []
    for key, text in item.present():
        missing = unsupported_names(text, item.source_text)
        if missing:
            problems.append(
                Problem(
                    "names",
                    f"{_label(key)} names things the paper text does not mention: "
                    f"{_join(missing)}.",
                    key,
                    "Use only names and acronyms that are in the text.",
                )
            )
    return problems


# -- language ----------------------------------------------------------------------------------


def check_language(item: CheckInput) -> list[Problem]:
    present = item.present()
    if not present:
        return []
    language = language_name(item.lang)
    problems = []
    # The paper's own terms written in English are not untranslated text ("prefilling 단계");
    # plain English words still count against the share.
    terms = paper_terms(item.source_text)
    for key, text in present:
        share = letter_share(text, item.lang, terms)
        if share < MIN_SECTION_SHARE:
            problems.append(
                Problem(
                    "language",
                    f"{_label(key)} is not written in {language} ({share:.0%} of its letters "
                    f"outside parentheses are {language}).",
                    key,
                    f"Write it in {language}; keep English only for names and for terms in "
                    "parentheses.",
                )
            )
    whole = " ".join(text for _, text in present)
    share = letter_share(whole, item.lang, terms)
    if share < MIN_LANGUAGE_SHARE and not problems:
        problems.append(
            Problem(
                "language",
                f"only {share:.0%} of the summary's letters outside parentheses are {language} "
                f"(at least {MIN_LANGUAGE_SHARE:.0%} needed).",
                advice=f"Translate the English phrases into {language}; put an English term in "
                f"parentheses after its {language} translation.",
            )
        )
    return problems


# -- structure ---------------------------------------------------------------------------------


def length_bounds(lang: str) -> tuple[int, int]:
    return LENGTH_BOUNDS["dense" if lang.split("-")[0] in DENSE_LANGS else "latin"]


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
                    f"{_label(key)} is too short ({len(text)} characters; at least {low}).",
                    key,
                    "Write two or three full sentences.",
                )
            )
        elif len(text) > high:
            problems.append(
                Problem(
                    "structure",
                    f"{_label(key)} is too long ({len(text)} characters; at most {high}).",
                    key,
                    "Keep it to two or three sentences.",
                )
            )
    # The faithful writer's "nothing faithful for this part" may stand in two sections: the
    # same honest sentence twice is no repetition.
    written = [(k, t) for k, t in item.present() if t.strip() not in NOTHING_FAITHFUL.values()]
    for (ka, a), (kb, b) in combinations(written, 2):
        overlap = word_overlap(a, b)
        if overlap > MAX_OVERLAP:
            problems.append(
                Problem(
                    "structure",
                    f"{_label(ka)} and {_label(kb)} repeat each other ({overlap:.0%} of words "
                    f"shared; at most {MAX_OVERLAP:.0%}).",
                    kb,
                    "Each section must say something different.",
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
    (
        # the writing task's own words: how terms, numbers, style or length were handled
        re.compile(
            r"영어 ?(?:전문 ?)?용어(?:인|를|로|는|가)|원어를|괄호 안에|격식체|\d ?~ ?\d ?문장|"
            r"문장(?:을|으로) (?:작성|썼|씁|옮)|한국어로 (?:옮기|옮겼|옮깁|번역|작성|썼|씁)|"
            r"논문 텍스트|텍스트에 (?:있는|나온) (?:숫자|수치)|(?:숫자|수치)만 (?:그대로|사용|옮)|"
            r"번역(?:했|하였|합니다|하면)|요약(?:했습|하였습|을 작성)|"
            r"\b(?:in|into) (?:Korean|English)\b|\bformal (?:style|tone)\b"
        ),
        "the writing task's own words",
    ),
]


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
                    f"{_label(key)} contains {', '.join(found)}.",
                    key,
                    "Write only the summary itself, about this paper.",
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
            f"({_join(figures)}).",
            "performance_highlights",
            "Include at least one of them exactly as the text gives it.",
        )
    ]


def register_checks(register: Callable[..., None]) -> None:
    register("numbers", check_numbers, "every number in the summary is in the source text")
    register(
        "names",
        check_names,
        "model, dataset and method names and acronyms are in the source text",
    )
    register("language", check_language, "the summary is written in its language")
    register(
        "structure",
        check_structure,
        "three non-empty sections, within length bounds, not copies",
    )
    register(
        "leakage",
        check_leakage,
        "no prompt text, placeholders, JSON fragments, 'as an AI' phrases or sentences "
        "addressed to the writer",
    )
    register(
        "key_figures",
        check_key_figures,
        "Performance Highlights gives one of the abstract's result figures",
    )
    register_meaning_checks(register)
