"""Sentences: the one splitter every part of paperdigest uses (checks, the extractive backend,
the local backend's echo filter, the result-figure finder).

A sentence ends at ``.``, ``!``, ``?`` or ``。`` followed by white space, except after a common
abbreviation (``e.g.``, ``et al.``, ``Fig.`` ...) or before a lower-case letter (``vs. the``).
"""

from __future__ import annotations

import re

ABBREVIATIONS = ("e.g.", "i.e.", "et al.", "etc.", "vs.", "Fig.", "Eq.", "approx.", "cf.", "al.")
_BREAK = re.compile(r"(?<=[.!?。])\s+")


def sentences(text: str) -> list[str]:
    """The sentences of ``text``, white space collapsed, empty ones left out."""
    out: list[str] = []
    for piece in _BREAK.split(" ".join(text.split())):
        if not piece:
            continue
        if out and (out[-1].endswith(ABBREVIATIONS) or piece[0].islower()):
            out[-1] = f"{out[-1]} {piece}"
        else:
            out.append(piece)
    return out
