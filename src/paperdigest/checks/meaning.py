"""The built-in meaning checks (issue 14): script, fragments, direction, vacuous, topic.

Each compares the summary with the text its model was given, sentence by sentence, using the
pure measurements of :mod:`paperdigest.text.meaning`; registered with the other built-ins
(:func:`paperdigest.checks.builtin.register_checks`). Their false alarms on the reference
digest and the planted faults they catch are measured in ``bench/checks_faults.py``.
"""

from __future__ import annotations

from collections.abc import Callable

from ..models import SECTION_LABELS
from ..text.meaning import (
    NOTHING_FAITHFUL,
    aligned_source,
    direction_conflict,
    foreign_script,
    is_fragment,
    is_vacuous,
    repeats_itself,
)
from ..text.meaning import off_topic as _off_topic
from ..text.sentences import sentences
from . import CheckInput, Problem

_PLACEHOLDERS = frozenset(NOTHING_FAITHFUL.values())  # honest, not judged as sentences


def _label(key: str) -> str:
    return SECTION_LABELS[key]


def _quote(sentence: str) -> str:
    return repr(sentence if len(sentence) <= 50 else sentence[:47] + "…")


def _title(source_text: str) -> str:
    first = source_text.lstrip().split("\n", 1)[0]
    return first[len("Title:") :].strip() if first.startswith("Title:") else ""


def _body(source_text: str) -> str:
    """The source text without its "Title:" and "Abstract:" label lines."""
    lines = source_text.splitlines()
    return "\n".join(
        ln for ln in lines if not ln.startswith("Title:") and ln.strip() != "Abstract:"
    )


def _own_sentences(text: str) -> list[str]:
    return [s for s in sentences(text) if s not in _PLACEHOLDERS]


def check_script(item: CheckInput) -> list[Problem]:
    problems = []
    for key, text in item.present():
        found = foreign_script(text, item.lang)
        if found:
            problems.append(
                Problem(
                    "script",
                    f"{_label(key)} has words in another script: {', '.join(found[:4])}.",
                    key,
                    "Write them in the summary's language, or keep the English term.",
                )
            )
    return problems


def check_fragments(item: CheckInput) -> list[Problem]:
    problems = []
    for key, text in item.present():
        for sentence in _own_sentences(text):
            why = is_fragment(sentence, item.lang)
            stutter = repeats_itself(sentence, strict=True)
            if stutter and not why:
                why = f"it repeats itself ({stutter!r})"
            if why:
                problems.append(
                    Problem(
                        "fragments",
                        f"{_label(key)} has a broken sentence {_quote(sentence)}: {why}.",
                        key,
                    )
                )
                break
    return problems


def check_direction(item: CheckInput) -> list[Problem]:
    if item.lang.split("-")[0] != "ko":
        return []
    source = sentences(_body(item.source_text))
    problems = []
    for key, text in item.present():
        for sentence in _own_sentences(text):
            about = aligned_source(sentence, source)
            why = direction_conflict(sentence, about) if about else None
            if why:
                problems.append(
                    Problem(
                        "direction",
                        f"{_label(key)}: {_quote(sentence)} — {why} "
                        f"(the text: {_quote(about or '')}).",
                        key,
                    )
                )
                break
    return problems


def check_vacuous(item: CheckInput) -> list[Problem]:
    problems = []
    for key, text in item.present():
        empty = [s for s in _own_sentences(text) if is_vacuous(s, item.source_text, item.lang)]
        if empty:
            problems.append(
                Problem(
                    "vacuous",
                    f"{_label(key)} has a sentence that could be about any paper: "
                    f"{_quote(empty[0])}.",
                    key,
                    "Say what this paper does, with its own terms.",
                )
            )
    return problems


def check_topic(item: CheckInput) -> list[Problem]:
    whole = " ".join(text for _, text in item.present())
    if not whole or not _off_topic(whole, _title(item.source_text), item.abstract):
        return []
    return [
        Problem(
            "topic",
            "The summary names none of the paper's own methods, models or datasets: it may "
            "describe another paper.",
        )
    ]


def register_meaning_checks(register: Callable[..., None]) -> None:
    register(
        "script", check_script, "no letters of a script other than the summary's own and Latin"
    )
    register("fragments", check_fragments, "every sentence is finished and says something")
    register(
        "direction",
        check_direction,
        "no claim whose direction contradicts the sentence of the text it is about",
    )
    register("vacuous", check_vacuous, "every sentence has a term, name or number of this paper")
    register("topic", check_topic, "the summary names the paper's own method, model or dataset")
