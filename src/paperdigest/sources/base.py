"""What a source is: something that turns one day's list into ordered :class:`Paper` records."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Protocol

from ..models import Paper


@dataclass(frozen=True)
class Listing:
    """One day's list as a source gave it, in vote order (ties keep the source's order)."""

    day: dt.date
    papers: tuple[Paper, ...]
    source: str
    skipped: tuple[str, ...] = ()  # malformed items left out, with the reason
    # papers listed by each part of a merged source, e.g. (("hf", 16), ("arxiv:cs.CL", 140));
    # empty: one part, ``source`` listing ``len(papers)``
    counts: tuple[tuple[str, int], ...] = ()
    notes: tuple[str, ...] = ()  # what the run should say (no listing on weekends, …)

    def part_counts(self) -> tuple[tuple[str, int], ...]:
        return self.counts or ((self.source, len(self.papers)),)


class Source(Protocol):
    name: str

    def fetch(self, day: dt.date | None) -> Listing:
        """Return the list for ``day`` (``None``: the source's own day, where it has one)."""
        ...


_CATEGORY = re.compile(r"^[a-z][a-z-]{0,20}(?:\.[A-Za-z-]{1,20})?$")


def is_category(text: str) -> bool:
    """Whether ``text`` looks like an arXiv category (``cs.CL``, ``hep-th``, ``astro-ph.GA``).
    Here, not with the Atom parser, so that reading a Hugging Face list loads no XML parser."""
    return bool(_CATEGORY.match(text))
