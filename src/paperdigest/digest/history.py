"""``--new-only``, in pure code: leave out the papers an earlier digest already listed.

A paper is "already listed" when the digest of an earlier day (same language and profile)
listed it, whatever source listed it then (the Hugging Face list, an arXiv category) and
whichever version: papers are the same by arXiv id without version. A paper that comes back
with a newer version than the one listed is still left out, and named in the digest's footer
as a new version (:class:`SeenBefore.new_version`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..models import Paper


@dataclass(frozen=True)
class SeenBefore:
    paper: Paper
    first_day: dt.date  # the earlier digest that listed it first
    listed_version: int | None  # the highest version an earlier digest listed (None: unknown)

    @property
    def new_version(self) -> bool:
        """Whether the paper is listed today in a newer version than before."""
        return (
            self.paper.version is not None
            and self.listed_version is not None
            and self.paper.version > self.listed_version
        )

    def note(self) -> str:
        if self.new_version:
            return (
                f"{self.paper.id} v{self.paper.version} is a new version of a paper in the "
                f"{self.first_day.isoformat()} digest (v{self.listed_version}): noted, not "
                "listed again"
            )
        return f"{self.paper.id} was in the {self.first_day.isoformat()} digest: left out"


def leave_out_seen(
    papers: Sequence[Paper], earlier: Mapping[str, tuple[dt.date, int | None]]
) -> tuple[list[Paper], list[SeenBefore]]:
    """``papers`` without those an earlier digest listed, and those left out (in order)."""
    kept: list[Paper] = []
    seen: list[SeenBefore] = []
    for paper in papers:
        found = earlier.get(paper.id)
        if found is None:
            kept.append(paper)
        else:
            seen.append(SeenBefore(paper, found[0], found[1]))
    return kept, seen
