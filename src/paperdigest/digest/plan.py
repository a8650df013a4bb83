"""Deciding what a day needs, in pure code: stored rows, inputs and options in, intents out.

Nothing here touches the network, the database or a model; :mod:`paperdigest.digest.run` feeds
it what it read and acts on the answer. One intent per paper:

- :class:`Reuse`: a stored summary whose check results are current is used as it is;
- :class:`Recheck`: a stored summary whose check results are missing or were made by another
  version of the checks is checked again first (no LLM call); :func:`after_recheck` then turns it
  into a :class:`Reuse` or, with ``repair_flagged``, a :class:`Summarize`;
- :class:`Summarize`: nothing usable is stored (or ``force``): ask the backend, with the stored
  problems as feedback when a flagged summary is being repaired.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..checks import Problem
from ..models import Paper, Summary
from ..prompts import input_hash
from ..store import SummaryKey


@dataclass(frozen=True)
class KeyParts:
    """What, besides the paper and its input, decides whether a stored summary is reusable."""

    lang: str
    backend: str
    model: str
    prompt_version: str


@dataclass(frozen=True)
class PlanOptions:
    force: bool = False  # summarize again even when a summary is stored
    repair_flagged: bool = False  # ask again for stored summaries the checks flag


@dataclass(frozen=True)
class StoredChecks:
    """A stored summary's check results as the plan needs them."""

    version: str
    problems: tuple[Problem, ...]


@dataclass(frozen=True)
class Reuse:
    paper: Paper
    summary: Summary
    input_text: str = ""  # what the stored summary was made from (its checks use it)


@dataclass(frozen=True)
class Recheck:
    """Check a stored summary again (its results are missing or stale), then decide."""

    paper: Paper
    key: SummaryKey
    summary: Summary
    input_text: str


@dataclass(frozen=True)
class Summarize:
    paper: Paper
    key: SummaryKey
    input_text: str
    problems: tuple[str, ...] = ()  # feedback for the first request (repairing a flagged one)
    previous: Summary | None = None  # the stored flagged summary being repaired


Intent = Reuse | Recheck | Summarize


def make_key(
    paper: Paper, input_text: str, *, lang: str, backend: str, model: str, prompt_version: str
) -> SummaryKey:
    return SummaryKey(paper.id, lang, backend, model, prompt_version, input_hash(input_text))


def key_for(paper: Paper, input_text: str, parts: KeyParts) -> SummaryKey:
    return make_key(
        paper,
        input_text,
        lang=parts.lang,
        backend=parts.backend,
        model=parts.model,
        prompt_version=parts.prompt_version,
    )


# how a full-text input goes on after the abstract (fulltext/budget.py writes it)
FULLTEXT_MARK = "\n\nFull text (from the "


def input_kind(text: str) -> str:
    """'fulltext' or 'abstract': what a model input was built from."""
    return "fulltext" if FULLTEXT_MARK in text else "abstract"


def reusable_by_id(stored_input: str, input_text: str) -> bool:
    """Whether a stored summary of the same paper, made from ``stored_input``, stands for one
    of ``input_text``: a paper is summarized once however many sources and days list it (a new
    version's abstract, another source's wording), but an abstract-only summary does not stand
    for a full-text one, nor the other way round."""
    return input_kind(stored_input) == input_kind(input_text)


def plan_paper(
    paper: Paper,
    input_text: str,
    stored: Summary | None,
    checks: StoredChecks | None,
    parts: KeyParts,
    options: PlanOptions,
    *,
    checks_version: str,
) -> Intent:
    """The intent for one paper, given what is stored under its key (``stored``, ``checks``)."""
    key = key_for(paper, input_text, parts)
    if stored is None or options.force:
        return Summarize(paper, key, input_text)
    if stored.id is not None and (checks is None or checks.version != checks_version):
        return Recheck(paper, key, stored, input_text)
    problems = checks.problems if checks is not None else ()
    return _reuse_or_repair(paper, key, stored, input_text, problems, options)


def after_recheck(intent: Recheck, problems: Sequence[Problem], options: PlanOptions) -> Intent:
    """What a rechecked summary becomes: reused, or repaired when flagged and asked to."""
    return _reuse_or_repair(
        intent.paper, intent.key, intent.summary, intent.input_text, tuple(problems), options
    )


def _reuse_or_repair(
    paper: Paper,
    key: SummaryKey,
    stored: Summary,
    input_text: str,
    problems: tuple[Problem, ...],
    options: PlanOptions,
) -> Intent:
    if options.repair_flagged and problems:
        feedback = tuple(p.feedback for p in problems)
        return Summarize(paper, key, input_text, problems=feedback, previous=stored)
    return Reuse(paper, stored, input_text)


def plan_day(
    papers: Sequence[Paper],
    inputs: Mapping[str, str],
    existing: Mapping[SummaryKey, Summary],
    *,
    lang: str,
    backend: str,
    model: str,
    prompt_version: str,
    force: bool = False,
    repair_flagged: bool = False,
    stored_problems: Mapping[SummaryKey, Sequence[str]] | None = None,
) -> list[Intent]:
    """One intent per paper, in the given order, judging stored summaries by their status.

    A stored summary flagged by the checks is reused as it is (a finished day reruns for free)
    unless ``repair_flagged``: then it is asked for again, starting from its stored problems
    (``stored_problems``), and kept if nothing better comes back.
    """
    parts = KeyParts(lang, backend, model, prompt_version)
    intents: list[Intent] = []
    for paper in papers:
        text = inputs[paper.id]
        key = key_for(paper, text, parts)
        stored = existing.get(key)
        if stored is None or force:
            intents.append(Summarize(paper, key, text))
        elif repair_flagged and stored.status == "flagged":
            problems = tuple((stored_problems or {}).get(key, ()))
            intents.append(Summarize(paper, key, text, problems=problems, previous=stored))
        else:
            intents.append(Reuse(paper, stored, text))
    return intents


def written_language(requested: str, languages: Sequence[str] | None) -> str | None:
    """The language a backend writing ``languages`` (None: any) writes when asked for
    ``requested``; None when it cannot write it (the run is then refused)."""
    if languages is None or requested in languages:
        return requested
    return None
