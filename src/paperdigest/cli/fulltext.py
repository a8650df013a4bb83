"""``paperdigest fulltext``: the sections of a paper, and the full-text inputs of ``digest``."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..errors import FetchError, InputError
from ..models import Paper
from ..prompts import abstract_input

if TYPE_CHECKING:
    from ..fulltext.fetch import FulltextResult
    from ..store import Store
    from ..summarize.base import Summarizer


# -- what `digest` uses ------------------------------------------------------------------------


class FetchReporter:
    """One line on stderr per paper whose full text was downloaded (cached papers stay quiet).

    Plain lines, no live display of its own: the pipeline builds inputs while its progress bar
    is up, and rich prints lines written to stderr above the bar.
    """

    def __init__(self) -> None:
        self.count = 0

    def fetching(self, paper: Paper) -> None:
        self.count += 1

    def fetched(self, paper: Paper, result: FulltextResult) -> None:
        if result.from_cache or not result.attempts:
            return  # nothing was asked of arXiv (cached, or arXiv is down for this run)
        click.echo(
            f"full text {paper.id}: {result.source} in {result.seconds:.1f}s ({result.reason})",
            err=True,
        )


class DigestInputs:
    """The ``build_input`` for one digest run: the full text, or the abstract only."""

    def __init__(self, build: Callable[[Paper], str], fulltext: object = None) -> None:
        self._build = build
        self.fulltext = fulltext  # a FulltextInput when on

    def __call__(self, paper: Paper) -> str:
        return self._build(paper)

    def close(self) -> None:
        if self.fulltext is None:
            return  # abstracts only: nothing to close (and no reason to import pymupdf)
        from ..fulltext import FulltextInput

        if isinstance(self.fulltext, FulltextInput):
            self.fulltext.close()

    def report(self) -> None:
        if self.fulltext is None:
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
        click.echo(
            f"full text: {', '.join(parts)} (budget {self.fulltext.budget} tokens)", err=True
        )


def digest_inputs(
    fulltext: bool | None, summarizer: Summarizer, store: Store, progress: bool
) -> DigestInputs:
    """``--fulltext`` default: on for every LLM backend (within its budget), off for extractive,
    which only ever reads the abstract. ``progress`` (a bar is shown) changes nothing today: the
    per-download lines print either way, above the bar when there is one."""
    enabled = summarizer.name != "extractive" if fulltext is None else fulltext
    if not enabled:
        return DigestInputs(abstract_input)
    from ..fulltext import FulltextInput

    builder = FulltextInput.for_summarizer(summarizer, store=store, progress=FetchReporter())
    return DigestInputs(builder, builder)


# -- the command -------------------------------------------------------------------------------


@click.command("fulltext")
@click.argument("path_or_id")
@click.option("--json", "as_json", is_flag=True, help='Print {"source", "sections": [...]}.')
@click.option("--refresh", is_flag=True, help="Download again instead of using the cache.")
@click.option(
    "--budget",
    type=click.IntRange(min=100),
    help="Print the model input built within this many tokens (~4 characters each) instead.",
)
def fulltext_command(path_or_id: str, as_json: bool, refresh: bool, budget: int | None) -> None:
    """Print the sections of a paper: a local PDF or HTML file, or an arXiv id.

    An id is fetched from arXiv (HTML first, then the PDF) and cached; the source used and why
    go to stderr.
    """
    from ..fulltext import ArxivFetcher, ArxivIdError, extract_file, parse_arxiv_id
    from ..fulltext.budget import build_budgeted

    path = Path(path_or_id)
    if path.exists():
        document = extract_file(path)
        paper_id = path.stem
    else:
        try:
            aid = parse_arxiv_id(path_or_id)
        except ArxivIdError:
            raise InputError(
                f"{path_or_id!r} is neither a file nor an arXiv id "
                "(e.g. 2407.14057, 2407.14057v2, hep-th/9901001)"
            ) from None
        with ArxivFetcher() as fetcher:
            result = fetcher.get(aid, refresh=refresh)
        if result.document is None:
            raise FetchError(f"no full text for {aid.text}: {result.reason}")
        cached = " (from the cache)" if result.from_cache else ""
        version = f" {result.version}" if result.version else ""
        click.echo(f"{aid.text}{version}: {result.source}{cached}: {result.reason}", err=True)
        document = result.document
        paper_id = aid.text
    for note in document.notes:
        click.echo(f"note: {note}", err=True)

    if budget is not None:
        paper = Paper(id=paper_id, title=document.title or paper_id)
        built = build_budgeted(paper, document, budget, lambda text: max(1, len(text) // 4))
        click.echo(built.text)
        click.echo(
            f"{built.tokens} of {budget} tokens; sections: "
            + ", ".join(f"{p.heading}{' (cut)' if p.cut else ''}" for p in built.parts)
            + (f"; left out: {', '.join(built.dropped)}" if built.dropped else ""),
            err=True,
        )
        return
    if as_json:
        click.echo(json.dumps(document.to_json(), ensure_ascii=False, indent=2))
        return
    if document.title:
        click.echo(f"# {document.title}\n")
    click.echo(f"source: {document.source}\n")
    for section in document.sections:
        click.echo(f"## {section.heading}\n\n{section.text}\n")
