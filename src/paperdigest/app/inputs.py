"""What a digest run gives the model for each paper: the arXiv full text within the backend's
token budget, or the title and abstract only."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ..models import Paper
from ..prompts import abstract_input

if TYPE_CHECKING:
    from ..fulltext.fetch import FulltextResult
    from ..store import Store
    from ..summarize.base import Summarizer

Notify = Callable[[str], None]


class FetchReporter:
    """One line per paper whose full text was downloaded (cached papers stay quiet).

    Plain lines, no live display of its own: the run builds inputs while its progress bar is up,
    and rich prints lines written to stderr above the bar.
    """

    def __init__(self, notify: Notify) -> None:
        self.notify = notify
        self.count = 0

    def fetching(self, paper: Paper) -> None:
        self.count += 1

    def fetched(self, paper: Paper, result: FulltextResult) -> None:
        if result.from_cache or not result.attempts:
            return  # nothing was asked of arXiv (cached, or arXiv is down for this run)
        self.notify(
            f"full text {paper.id}: {result.source} in {result.seconds:.1f}s ({result.reason})"
        )


class DigestInputs:
    """The ``build_input`` for one digest run: the full text, or the abstract only."""

    def __init__(
        self, build: Callable[[Paper], str], fulltext: object = None, notify: Notify | None = None
    ) -> None:
        self._build = build
        self.fulltext = fulltext  # a FulltextInput when on
        self.notify = notify

    def __call__(self, paper: Paper) -> str:
        return self._build(paper)

    def close(self) -> None:
        if self.fulltext is None:
            return  # abstracts only: nothing to close (and no reason to import pymupdf)
        from ..fulltext import FulltextInput

        if isinstance(self.fulltext, FulltextInput):
            self.fulltext.close()

    def report(self) -> None:
        if self.fulltext is None or self.notify is None:
            return
        from ..fulltext import FulltextInput

        if not isinstance(self.fulltext, FulltextInput) or not self.fulltext.built:
            return
        counts = self.fulltext.counts()
        parts = [
            f"{counts[k]} {label}"
            for k, label in (
                ("html", "from arXiv HTML"),
                ("pdf", "from PDF"),
                ("abstract", "abstract only"),
            )
            if counts.get(k)
        ]
        self.notify(f"full text: {', '.join(parts)} (budget {self.fulltext.budget} tokens)")


def digest_inputs(
    fulltext: bool | None, summarizer: Summarizer, store: Store, notify: Notify
) -> DigestInputs:
    """``--fulltext`` default: on for every LLM backend (within its budget), off for extractive,
    which only ever reads the abstract."""
    enabled = summarizer.name != "extractive" if fulltext is None else fulltext
    if not enabled:
        return DigestInputs(abstract_input)
    from ..fulltext import FulltextInput

    builder = FulltextInput.for_summarizer(
        summarizer, store=store, progress=FetchReporter(notify)
    )
    return DigestInputs(builder, builder, notify)
