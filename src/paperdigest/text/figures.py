"""Result figures: the headline numbers of an abstract (what Performance Highlights must give)."""

from __future__ import annotations

import re
from dataclasses import replace

from .numbers import _NUM, NumberMention, find_numbers
from .sentences import sentences

_RESULT_CUES = re.compile(
    r"achiev|outperform|surpass|accelerat|faster|speed|improv|accura|error|score|reduc|gain|"
    r"increase|solve|state-of-the-art|sota|exceed|better|higher|lower|beat|boost|result|"
    r"requir|only|just",
    re.IGNORECASE,
)
_RESULT_UNITS = {
    "x",
    "×",
    "%",
    "times",
    "fold",
    "pp",
    "pt",
    "pts",
    "points",
    "minutes",
    "minute",
    "hours",
    "hour",
    "seconds",
    "second",
    "ms",
    "s",
    "min",
    "h",
    "days",
}


def result_numbers(abstract: str) -> list[NumberMention]:
    """The abstract's headline figures: quantities with a result unit in a result sentence.

    ``LazyLLM accelerates ... by 2.34x`` -> 2.34x; ``achieving a WER of just 0.80%`` -> 0.80%;
    ``requiring less than 10 minutes for training`` -> 10. Sizes of the setup (``8K to 128K
    tokens``, ``group size of 128``) are not results.
    """
    out: list[NumberMention] = []
    flat = " ".join(abstract.split())
    for sentence in sentences(flat):
        if not _RESULT_CUES.search(sentence):
            continue
        for mention in find_numbers(sentence):
            if mention.word:
                continue
            unit = mention.unit.lower()
            if not unit:
                unit = _word_after(sentence, mention)
                if unit in _RESULT_UNITS or unit.rstrip("s") in _RESULT_UNITS:
                    mention = replace(mention, text=f"{mention.text} {unit}", unit=unit)
            if unit in _RESULT_UNITS or unit.rstrip("s") in _RESULT_UNITS:
                out.append(mention)
    return out


def _word_after(sentence: str, mention: NumberMention) -> str:
    """The unit after a bare number, also across a range: "1.5 to 2 times" -> "times"."""
    rest = sentence[mention.start + len(mention.text) :]
    match = re.match(rf"\s*(?:(?:to|-|–|~)\s*{_NUM}\s*)?([A-Za-z%×]+)", rest)
    return match.group(1).lower() if match else ""
