"""``paperdigest check`` and ``paperdigest eval``: digests in the reference format, judged."""

from __future__ import annotations

import json
import sys

import click

from ..checks import check_names
from ..render.markdown_parse import read_digest
from ..review import (
    DigestMetrics,
    check_digest,
    chrf,
    digest_metrics,
    load_source,
    paired_texts,
)
from ..settings import DEFAULT_LANG
from ..text import language_name

_LANG = click.option(
    "--lang",
    default=DEFAULT_LANG,
    show_default=True,
    help="The digest's language (the language check and the letter share use it).",
)
_SOURCE = click.option(
    "--source",
    "source_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="The saved Hugging Face daily_papers API response the digest was made from.",
)


@click.command()
@click.argument("digest_path", metavar="DIGEST.md", type=click.Path(dir_okay=False))
@_SOURCE
@_LANG
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array, one object a paper.")
def check(digest_path: str, source_path: str, lang: str, as_json: bool) -> None:
    """Check every summary of a digest against its paper's title and abstract.

    Exit 0 when all pass, 1 when any paper has a problem, 2 when an input is unusable.
    """
    digest = read_digest(digest_path)
    papers = load_source(source_path)
    results = check_digest(digest, papers, lang=lang, where=source_path)
    if as_json:
        data = [r.to_dict() for r in results]
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        for result in results:
            mark = "ok  " if result.ok else "FAIL"
            click.echo(f"{mark} {result.id}  {result.title}")
            for problem in result.problems:
                click.echo(f"       {problem.check}: {problem.message}")
    failing = [r for r in results if not r.ok]
    click.echo(
        f"{len(results) - len(failing)} of {len(results)} papers pass "
        f"[checks: {', '.join(check_names())}]",
        err=True,
    )
    if failing:
        sys.exit(1)


def _row(label: str, ref: str, ours: str) -> tuple[str, str, str]:
    return label, ref, ours


def _rows(
    ref: DigestMetrics, ours: DigestMetrics, lang: str, chrf_ref: float, chrf_ours: float
) -> list[tuple[str, str, str]]:
    language = language_name(lang)

    def frac(n: int, d: int) -> str:
        return f"{n}/{d}"

    def cov(m: DigestMetrics) -> str:
        return f"{m.coverage:.0%} ({m.covered_numbers}/{m.abstract_numbers})"

    rows = [
        _row(
            "papers in format", frac(ref.in_format, ref.papers), frac(ours.in_format, ours.papers)
        ),
        _row(f"mean {language} share", f"{ref.language_share:.0%}", f"{ours.language_share:.0%}"),
        _row(
            "summaries with unsupported numbers",
            frac(ref.unsupported, ref.papers),
            frac(ours.unsupported, ours.papers),
        ),
        _row("abstract numbers covered", cov(ref), cov(ours)),
        _row("flagged papers", frac(ref.flagged, ref.papers), frac(ours.flagged, ours.papers)),
    ]
    for name in check_names():
        rows.append(
            _row(
                f"  failing {name}",
                str(ref.problems_by_check.get(name, 0)),
                str(ours.problems_by_check.get(name, 0)),
            )
        )
    rows.append(_row("chrF vs the reference", f"{chrf_ref:.1f}", f"{chrf_ours:.1f}"))
    return rows


@click.command(name="eval")
@click.option(
    "--reference",
    "reference_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="The reference digest (e.g. one made by another tool).",
)
@click.option(
    "--digest",
    "digest_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="Our digest of the same day.",
)
@_SOURCE
@_LANG
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def eval_(
    reference_path: str, digest_path: str, source_path: str, lang: str, as_json: bool
) -> None:
    """Compare two digests of one day side by side, against the day's abstracts."""
    reference = read_digest(reference_path)
    ours = read_digest(digest_path)
    papers = load_source(source_path)
    ref_metrics = digest_metrics(reference, papers, lang=lang, where=source_path)
    our_metrics = digest_metrics(ours, papers, lang=lang, where=source_path)
    refs_h, refs_r, _ = paired_texts(reference, reference)
    hyps, refs, missing = paired_texts(ours, reference)
    chrf_ref = chrf(refs_h, refs_r)
    chrf_ours = chrf(hyps, refs)
    rows = _rows(ref_metrics, our_metrics, lang, chrf_ref, chrf_ours)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "reference": reference_path,
                    "digest": digest_path,
                    "rows": [{"metric": m, "reference": r, "ours": o} for m, r, o in rows],
                    "missing_from_digest": missing,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    header = ("", "reference", "ours")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(3)]
    for label, ref, ours_value in [header, *rows]:
        click.echo(f"{label:<{widths[0]}}  {ref:>{widths[1]}}  {ours_value:>{widths[2]}}".rstrip())
    if missing:
        click.echo(
            f"note: the digest lacks {len(missing)} of the reference's papers "
            f"({', '.join(missing[:5])}); they count as empty for chrF",
            err=True,
        )
