"""``paperdigest fulltext``: the sections of a paper (a local file or an arXiv id)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..errors import FetchError, InputError
from ..models import Paper

if TYPE_CHECKING:
    pass


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
