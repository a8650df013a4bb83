"""Reviewing digest files (``paperdigest check`` and ``eval``): check and compare whole digests
in the reference format against a saved API response.

The source text of a paper is its title and abstract, as :func:`abstract_input` gives them to a
model, so a digest made from abstracts is checked against exactly what its model saw.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .checks import Problem, run_checks
from .errors import ConfigError, InputError
from .models import SECTION_KEYS, Paper
from .prompts import abstract_input
from .render.markdown_parse import DigestEntry, ParsedDigest
from .text import find_numbers, letter_share, number_values, rounds_to, unsupported_numbers


def load_source(path: str | Path) -> dict[str, Paper]:
    """The papers of a saved daily_papers API response, by id."""
    from .sources.file_snapshot import FileSource

    if not Path(path).exists():
        raise InputError(f"source not found: {path}")
    return {p.id: p for p in FileSource(path).papers()}


def _match_papers(
    digest: ParsedDigest, papers: Mapping[str, Paper], where: str
) -> list[tuple[DigestEntry, Paper]]:
    missing = [e for e in digest.entries if e.id not in papers]
    if missing:
        listed = ", ".join(f"{e.id} (line {e.line})" for e in missing[:5])
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        raise InputError(
            f"the source {where} lacks {len(missing)} paper(s) the digest has: {listed}{more}"
        )
    return [(e, papers[e.id]) for e in digest.entries]


@dataclass(frozen=True)
class PaperCheck:
    id: str
    title: str
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "ok": self.ok,
            "problems": [p.to_dict() for p in self.problems],
        }


def check_digest(
    digest: ParsedDigest, papers: Mapping[str, Paper], *, lang: str, where: str = ""
) -> list[PaperCheck]:
    """Every paper of ``digest`` checked against its title and abstract in ``papers``."""
    results = []
    for entry, paper in _match_papers(digest, papers, where):
        problems = run_checks(
            entry.sections, abstract_input(paper), lang=lang, abstract=paper.abstract or None
        )
        results.append(PaperCheck(entry.id, entry.title, tuple(problems)))
    return results


# -- eval --------------------------------------------------------------------------------------


@dataclass
class DigestMetrics:
    papers: int = 0  # paper blocks in the digest
    in_format: int = 0  # blocks with all three sections
    language_share: float = 0.0  # mean over papers of the target-language letter share
    unsupported: int = 0  # summaries with at least one number the source lacks
    abstract_numbers: int = 0  # numbers written in digits in the abstracts (distinct per paper)
    covered_numbers: int = 0  # ... of which the summary gives
    flagged: int = 0  # papers with any check problem
    problems_by_check: dict[str, int] = field(default_factory=dict)  # papers failing each check

    @property
    def coverage(self) -> float:
        return self.covered_numbers / self.abstract_numbers if self.abstract_numbers else 0.0


def summary_text(entry: DigestEntry) -> str:
    return " ".join(entry.sections.get(k, "") for k in SECTION_KEYS).strip()


def abstract_numbers_covered(summary: str, abstract: str) -> tuple[int, int]:
    """(distinct numbers written in digits in ``abstract``, how many of them ``summary`` gives)."""
    wanted: dict[str, set[Any]] = {}
    for mention in find_numbers(abstract):
        if mention.word:
            continue
        wanted.setdefault(str(mention.scaled.normalize()), set()).update(
            {mention.value.normalize(), mention.scaled.normalize()}
        )
    have = number_values(summary)
    covered = 0
    for values in wanted.values():
        if values & have or any(
            m.decimals >= 1 and rounds_to(m.value, m.decimals, values)
            for m in find_numbers(summary)
        ):
            covered += 1
    return len(wanted), covered


def digest_metrics(
    digest: ParsedDigest, papers: Mapping[str, Paper], *, lang: str, where: str = ""
) -> DigestMetrics:
    metrics = DigestMetrics()
    shares: list[float] = []
    for entry, paper in _match_papers(digest, papers, where):
        metrics.papers += 1
        if entry.complete:
            metrics.in_format += 1
        text = summary_text(entry)
        shares.append(letter_share(text, lang))
        src = abstract_input(paper)
        if unsupported_numbers(text, src):
            metrics.unsupported += 1
        total, covered = abstract_numbers_covered(text, paper.abstract)
        metrics.abstract_numbers += total
        metrics.covered_numbers += covered
        problems = run_checks(entry.sections, src, lang=lang, abstract=paper.abstract or None)
        if problems:
            metrics.flagged += 1
        for name in dict.fromkeys(p.check for p in problems):
            metrics.problems_by_check[name] = metrics.problems_by_check.get(name, 0) + 1
    metrics.language_share = sum(shares) / len(shares) if shares else 0.0
    return metrics


def chrf(hypotheses: Sequence[str], references: Sequence[str]) -> float:
    """Corpus chrF (sacrebleu) of ``hypotheses`` against one reference each."""
    try:
        from sacrebleu.metrics import CHRF  # type: ignore[attr-defined]
    except ImportError:
        raise ConfigError(
            "chrF needs sacrebleu, which is not installed: pip install 'paperdigest[eval]'"
        ) from None
    if not hypotheses:
        return 0.0
    return float(CHRF().corpus_score(list(hypotheses), [list(references)]).score)


def paired_texts(
    ours: ParsedDigest, reference: ParsedDigest
) -> tuple[list[str], list[str], list[str]]:
    """(our summaries, the reference's, ids missing from ours) for the reference's papers."""
    by_id = {e.id: e for e in ours.entries}
    hyps, refs, missing = [], [], []
    for entry in reference.entries:
        mine = by_id.get(entry.id)
        if mine is None:
            missing.append(entry.id)
            hyps.append("")
        else:
            hyps.append(summary_text(mine))
        refs.append(summary_text(entry))
    return hyps, refs, missing


__all__ = [
    "DigestMetrics",
    "PaperCheck",
    "abstract_numbers_covered",
    "check_digest",
    "chrf",
    "digest_metrics",
    "load_source",
    "paired_texts",
]
