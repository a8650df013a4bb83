"""The language layer: pure functions over text, below everything that reads summaries.

    scripts.py       which script letters are in, letter shares, words and word overlap
    sentences.py     the one sentence splitter
    numbers.py       the one number extractor (checks and the local decoding guard)
    figures.py       an abstract's headline result figures
    names.py         model, dataset and method names and acronyms
    instructions.py  sentences that speak to the writer (orders, the instructions' words)

No module here imports anything of paperdigest outside this package.
"""

from __future__ import annotations

from .figures import result_numbers
from .names import find_names, name_supported, unsupported_names
from .numbers import NumberMention, find_numbers, number_values, rounds_to, unsupported_numbers
from .scripts import (
    LANGUAGE_NAMES,
    language_name,
    letter_share,
    strip_parentheses,
    word_overlap,
    words,
)
from .sentences import sentences

__all__ = [
    "LANGUAGE_NAMES",
    "NumberMention",
    "find_names",
    "find_numbers",
    "language_name",
    "letter_share",
    "name_supported",
    "number_values",
    "result_numbers",
    "rounds_to",
    "sentences",
    "strip_parentheses",
    "unsupported_names",
    "unsupported_numbers",
    "word_overlap",
    "words",
]
