"""The ``build_input`` for :func:`paperdigest.digest.run_digest` that reads the whole paper.

:class:`FulltextInput` turns a :class:`Paper` into the model input: the paper's text from arXiv
(HTML, else PDF) cut to the summarizer's token budget, always starting with exactly the
abstract-only input; or the abstract-only input itself when no full text can be had. It records
where each input came from (``fulltext_inputs``) when given the run's store.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from ..errors import AppError, ArxivIdError
from ..models import Paper
from ..prompts import input_hash
from ..settings import value
from ..store import Store
from ..summarize.base import Summarizer
from .budget import BudgetedInput, build_budgeted
from .fetch import ArxivFetcher, FulltextResult, abstract_only
from .ids import parse_arxiv_id

log = logging.getLogger("paperdigest.fulltext")


class FetchProgress(Protocol):
    def fetching(self, paper: Paper) -> None: ...
    def fetched(self, paper: Paper, result: FulltextResult) -> None: ...


@dataclass(frozen=True)
class BuiltInput:
    paper_id: str
    result: FulltextResult
    budgeted: BudgetedInput

    @property
    def text(self) -> str:
        return self.budgeted.text


def budget_for(summarizer: Summarizer, budget: int | None = None) -> int:
    """The token budget: explicit, else ``PAPERDIGEST_INPUT_BUDGET``, else the backend's own."""
    if budget is not None:
        return budget
    configured = value("input_budget")
    if configured is not None:
        return int(configured)
    return int(summarizer.input_budget_tokens)


class FulltextInput:
    """``Paper -> str`` for ``run_digest(..., build_input=...)``; call from the store's thread."""

    def __init__(
        self,
        fetcher: ArxivFetcher,
        *,
        budget: int,
        count_tokens: Callable[[str], int],
        store: Store | None = None,
        progress: FetchProgress | None = None,
    ) -> None:
        self.fetcher = fetcher
        self.budget = budget
        self.count_tokens = count_tokens
        self.store = store
        self.progress = progress
        self.built: dict[str, BuiltInput] = {}

    @classmethod
    def for_summarizer(
        cls,
        summarizer: Summarizer,
        *,
        fetcher: ArxivFetcher | None = None,
        store: Store | None = None,
        budget: int | None = None,
        progress: FetchProgress | None = None,
    ) -> FulltextInput:
        return cls(
            fetcher or ArxivFetcher(),
            budget=budget_for(summarizer, budget),
            count_tokens=summarizer.count_tokens,
            store=store,
            progress=progress,
        )

    def result_for(self, paper: Paper) -> FulltextResult:
        try:
            aid = parse_arxiv_id(paper.id)
        except ArxivIdError as exc:
            return abstract_only(paper.id, f"no full text: {exc.message}")
        if self.progress is not None:
            self.progress.fetching(paper)
        try:
            result = self.fetcher.get(aid)
        except AppError as exc:  # e.g. the cache folder cannot be written
            result = abstract_only(aid.text, f"no full text: {exc.message}")
        if self.progress is not None:
            self.progress.fetched(paper, result)
        return result

    def __call__(self, paper: Paper) -> str:
        result = self.result_for(paper)
        budgeted = build_budgeted(paper, result.document, self.budget, self.count_tokens)
        source = result.source if budgeted.parts else "abstract"
        reason = result.reason
        if result.document is not None and not budgeted.parts:
            reason = f"{reason}; {'; '.join(budgeted.notes) or 'no section fits the budget'}"
        log.info("input for %s: %s (%s)", paper.id, source, reason)
        self.built[paper.id] = BuiltInput(paper.id, result, budgeted)
        if self.store is not None:
            from ..store.fulltext import record_input

            record_input(
                self.store,
                paper.id,
                input_hash(budgeted.text),
                source=source,
                reason=reason,
                budget_tokens=budgeted.budget,
                input_tokens=budgeted.tokens,
                arxiv_version=result.version,
                url=result.url if source != "abstract" else None,
                attempts=[a.to_json() for a in result.attempts],
                sections=[
                    {
                        "heading": p.heading,
                        "kind": p.kind,
                        "tokens": p.tokens,
                        "full_tokens": p.full_tokens,
                        "cut": p.cut,
                    }
                    for p in budgeted.parts
                ],
                dropped=list(budgeted.dropped),
            )
        return budgeted.text

    def counts(self) -> dict[str, int]:
        """Inputs built so far per source (html, pdf, abstract)."""
        out: dict[str, int] = {}
        for built in self.built.values():
            source = built.result.source if built.budgeted.parts else "abstract"
            out[source] = out.get(source, 0) + 1
        return out

    def close(self) -> None:
        self.fetcher.close()
