"""Several sources as one day: ``--source hf+arxiv:cs.CL,cs.IR``.

**The syntax.** Sources are separated by ``+`` or by ``,``; a piece starts a new source only
when it is a registered scheme (``hf``) or begins with one and a colon (``arxiv:…``,
``file:…``). Anything else continues the source before it, so arXiv's own comma-separated
categories stay together: ``hf,arxiv:cs.CL,cs.IR`` and ``hf+arxiv:cs.CL,cs.IR`` both mean the
Hugging Face list and arXiv's cs.CL and cs.IR listing. No category is named like a scheme, so
the reading is unambiguous.

**The merge** is by arXiv id without version. The first source that lists a paper gives its
title, abstract and authors; votes are the highest seen; media, code and project links are
kept from whichever source has them (the Hugging Face list); categories are added in order (the
primary one first), the version is the latest seen and comments are kept. The merged list keeps
the first source's order, then each later source's new papers in its order (the store orders a
day by votes, then this position).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Sequence
from dataclasses import replace

from ..errors import ConfigError
from ..models import Paper
from .base import Listing, Source


def split_spec(spec: str, schemes: Collection[str]) -> list[str]:
    """The sources of a ``--source`` value, each as ``scheme`` or ``scheme:argument``."""

    def starts_source(piece: str) -> bool:
        text = piece.strip()
        head, colon, _ = text.partition(":")
        return text in schemes or (bool(colon) and head in schemes)

    parts: list[str] = []
    pieces: list[tuple[str, str]] = []  # (separator before it, piece)
    for n, chunk in enumerate(spec.split("+")):
        for m, piece in enumerate(chunk.split(",")):
            pieces.append(("+" if n and not m else ",", piece))
    for sep, piece in pieces:
        if not piece.strip():
            raise ConfigError(f"--source {spec!r}: an empty source (a stray '+' or ',')")
        if parts and not starts_source(piece):
            parts[-1] += sep + piece
        else:
            parts.append(piece)
    return [p.strip() for p in parts]


def merge_paper(first: Paper, other: Paper) -> Paper:
    """``first`` with what ``other`` adds (see the module doc)."""
    categories = first.categories + tuple(c for c in other.categories if c not in first.categories)
    versions = [v for v in (first.version, other.version) if v is not None]
    return replace(
        first,
        authors=first.authors or other.authors,
        abstract=first.abstract or other.abstract,
        upvotes=max(first.upvotes, other.upvotes),
        media_url=first.media_url or other.media_url,
        published_at=first.published_at or other.published_at,
        github_url=first.github_url or other.github_url,
        project_url=first.project_url or other.project_url,
        categories=categories,
        version=max(versions) if versions else None,
        comments=first.comments or other.comments,
        updated_at=max(
            (u for u in (first.updated_at, other.updated_at) if u), default=None
        ),
    )


def merge_papers(lists: Iterable[Sequence[Paper]]) -> list[Paper]:
    merged: dict[str, Paper] = {}
    for papers in lists:
        for paper in papers:
            known = merged.get(paper.id)
            merged[paper.id] = paper if known is None else merge_paper(known, paper)
    return list(merged.values())


class MergedSource:
    """Each source's list of the same day, merged by arXiv id."""

    name = "merged"

    def __init__(self, parts: Sequence[tuple[str, Source]]) -> None:
        if len(parts) < 2:
            raise ValueError("a merged source needs two sources or more")
        self.parts = list(parts)
        self.spec = "+".join(spec for spec, _ in parts)

    def preflight(self) -> None:
        for _, source in self.parts:
            check = getattr(source, "preflight", None)
            if check is not None:
                check()

    def fetch(self, day: dt.date | None) -> Listing:
        listings: list[Listing] = []
        for _, source in self.parts:
            # the first source decides the day when none is given (a saved file has its own)
            listing = source.fetch(day if day is not None or not listings else listings[0].day)
            listings.append(listing)
        day = listings[0].day
        mismatched = [lst for lst in listings if lst.day != day]
        if mismatched:
            raise ConfigError(
                f"the sources list different days ({day.isoformat()} and "
                f"{mismatched[0].day.isoformat()}): pass --date"
            )
        papers = merge_papers(lst.papers for lst in listings)
        return Listing(
            day=day,
            papers=tuple(replace(p, list_date=day) for p in papers),
            source=self.spec,
            skipped=tuple(s for lst in listings for s in lst.skipped),
            # each part by the name its own listing gives (arxiv:… with its categories sorted,
            # so the counts of one set of categories compare across days however it is spelt)
            counts=tuple((lst.source, len(lst.papers)) for lst in listings),
            notes=tuple(n for lst in listings for n in lst.notes),
        )
