"""``paperdigest digest``: one day's list → summaries → the Markdown digest."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..config import default_db_path
from ..digest import DigestOptions, DigestResult, require_language, run_digest
from ..errors import ConfigError
from ..models import Paper
from ..prompts import load_prompts
from ..sources import open_source
from ..store import Store, check_store
from ..summarize import BackendConfig, backend_names, make_summarizer, resolve_auto
from .fulltext import DigestInputs, digest_inputs

if TYPE_CHECKING:
    from rich.progress import TaskID

    from ..summarize.base import Summarizer


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
    """Progress bars on stderr: papers of the current day, and days when there are several.

    One live display for the whole command; each day resets the papers bar.
    """

    def __init__(self, days: int = 0) -> None:
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
        self.started = False
        self.days_task: TaskID | None = None
        if days > 1:
            self._ensure_started()
            self.days_task = self.progress.add_task("Days", total=days, last="")
        self.task: TaskID | None = None

    def _ensure_started(self) -> None:
        if not self.started:
            self.progress.start()
            self.started = True

    def start(self, total: int, description: str) -> None:
        if total == 0:
            return
        self._ensure_started()
        if self.task is None:
            self.task = self.progress.add_task(description, total=total, last="")
        else:
            self.progress.reset(self.task, total=total, description=description, last="")

    def advance(self, paper: Paper, outcome: str) -> None:
        if self.task is not None:
            mark = {"summarized": "✓", "flagged": "!", "reused": "="}.get(outcome, "✗")
            self.progress.update(self.task, advance=1, last=f"{mark} {paper.id}")

    def stop(self) -> None:
        """The end of one day's papers (the display stays up for the next day)."""

    def day_done(self, day: dt.date) -> None:
        if self.days_task is not None:
            self.progress.update(self.days_task, advance=1, last=day.isoformat())

    def close(self) -> None:
        if self.started:
            self.progress.stop()
            self.started = False


@dataclass
class RunSettings:
    """Everything the digest-making commands share, as the user gave it."""

    lang: str
    source: str
    backend: str
    model: str | None
    base_url: str | None
    api_key_env: str
    model_path: str | None
    options: tuple[str, ...]
    out_dir: str
    db_path: str | None
    limit: int | None
    force: bool
    concurrency: int
    progress: bool | None
    fulltext: bool | None
    repairs: int
    repair_flagged: bool
    max_calls: int | None
    max_tokens: int | None
    timeout: float


class Runner:
    """Source, store, summarizer and prompts opened once (the model loads once), many days."""

    def __init__(self, settings: RunSettings, days: int = 1) -> None:
        self.settings = settings
        self.days = days
        self.prompts = load_prompts(settings.lang)
        self.source = open_source(settings.source)
        self.config = BackendConfig(
            name=settings.backend,
            model=settings.model,
            base_url=settings.base_url,
            key_env=settings.api_key_env,
            model_path=settings.model_path,
            timeout=settings.timeout,
            options=_parse_options(settings.options),
        )
        self.show = sys.stderr.isatty() if settings.progress is None else settings.progress
        self.bar: RichProgress | None = None
        self.store: Store | None = None
        self.summarizer: Summarizer | None = None
        self.inputs: DigestInputs | None = None

    def __enter__(self) -> Runner:
        """Cheap checks first (the saved file, the database), then the backend, which may
        assemble or load a 1 GB model: a typo in --source or --db fails in milliseconds, and
        a refused backend leaves no database behind."""
        db_path = self.settings.db_path or default_db_path()
        try:
            preflight = getattr(self.source, "preflight", None)
            if preflight is not None:
                preflight()
            check_store(db_path)
            self.summarizer = make_summarizer(self.config)
            chosen = ""
            if self.settings.backend == "auto":
                _, chosen = resolve_auto(self.config)
                click.echo(
                    f"note: --backend auto chose {self.summarizer.name}: {chosen}", err=True
                )
            require_language(self.summarizer, self.settings.lang, chosen=f"auto: {chosen}"
                             if chosen else "")
            self.store = Store(db_path)
            self.inputs = digest_inputs(
                self.settings.fulltext, self.summarizer, self.store, self.show
            )
            self.bar = RichProgress(self.days) if self.show else None
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        if self.inputs is not None:
            self.inputs.close()
            self.inputs.report()
            self.inputs = None
        if self.store is not None:
            self.store.close()
            self.store = None
        if self.summarizer is not None:
            self.summarizer.close()
            self.summarizer = None

    def run_day(self, day: dt.date | None) -> DigestResult:
        assert self.store is not None and self.inputs is not None
        assert self.summarizer is not None
        s = self.settings
        options = DigestOptions(
            day=day,
            lang=s.lang,
            out_dir=Path(s.out_dir),
            limit=s.limit,
            force=s.force,
            concurrency=s.concurrency,
            repairs=s.repairs,
            repair_flagged=s.repair_flagged,
            max_calls=s.max_calls,
            max_tokens=s.max_tokens,
        )
        result = run_digest(
            self.source,
            self.store,
            self.summarizer,
            self.prompts,
            options,
            progress=self.bar,
            source_name=s.source,
            build_input=self.inputs,
        )
        if self.bar is not None:
            self.bar.day_done(result.day)
        return result


def run_options(fn: Callable[..., None]) -> Callable[..., None]:
    """The options every digest-making command takes (digest, backfill, daily)."""
    decorators = [
        click.option(
            "--lang",
            default="ko",
            show_default=True,
            envvar="PAPERDIGEST_LANG",
            help="Summary language (prompts/<lang>.toml).",
        ),
        click.option(
            "--source",
            default="hf",
            show_default=True,
            envvar="PAPERDIGEST_SOURCE",
            help="'hf' (Hugging Face API) or 'file:PATH' (a saved API response).",
        ),
        click.option(
            "--backend",
            default="auto",
            show_default=True,
            envvar="PAPERDIGEST_BACKEND",
            help=f"Summarizer: {', '.join(backend_names())}. 'auto': a configured "
            "OpenAI-compatible server, else the local model, else extractive.",
        ),
        click.option("--model", envvar="PAPERDIGEST_MODEL", help="Model name on the server."),
        click.option(
            "--base-url",
            envvar="PAPERDIGEST_BASE_URL",
            help="OpenAI-compatible server, e.g. http://127.0.0.1:8080/v1.",
        ),
        click.option(
            "--api-key-env",
            default="OPENAI_API_KEY",
            show_default=True,
            help="Environment variable holding the API key.",
        ),
        click.option(
            "--model-path",
            envvar="PAPERDIGEST_MODEL_PATH",
            type=click.Path(),
            help="GGUF file for the local backend.",
        ),
        click.option(
            "--option",
            "-o",
            "options",
            multiple=True,
            metavar="KEY=VALUE",
            help="Backend option, e.g. -o temperature=0.1 (repeatable).",
        ),
        click.option(
            "--out",
            "out_dir",
            default="digests",
            show_default=True,
            type=click.Path(),
            help="Folder for <out>/YYYY/MM/DD.md.",
        ),
        click.option(
            "--db", "db_path", type=click.Path(), help="SQLite file (default: user data dir)."
        ),
        click.option("--limit", type=click.IntRange(min=1), help="Only the top N papers by votes."),
        click.option(
            "--force", is_flag=True, help="Summarize again even when a summary is stored."
        ),
        click.option(
            "--concurrency",
            type=click.IntRange(1, 64),
            default=4,
            show_default=True,
            help="Summaries in flight at once (the local backend runs one).",
        ),
        click.option(
            "--progress/--no-progress",
            default=None,
            help="Progress bar (default: when stderr is a terminal).",
        ),
        click.option(
            "--fulltext/--no-fulltext",
            default=None,
            envvar="PAPERDIGEST_FULLTEXT",
            help="Give the model the paper's arXiv full text within its token budget "
            "(default: on for LLM backends, off for extractive).",
        ),
        click.option(
            "--repairs",
            type=click.IntRange(0, 10),
            default=2,
            show_default=True,
            help="Ask again, with the problems, for a summary that fails a check (at most N "
            "times).",
        ),
        click.option(
            "--repair-flagged",
            is_flag=True,
            help="Also try again the stored summaries that are still flagged (a rerun skips them).",
        ),
        click.option(
            "--max-calls",
            type=click.IntRange(min=1),
            help="Stop cleanly after N LLM calls in this run (what is left waits for the next "
            "run).",
        ),
        click.option(
            "--max-tokens",
            type=click.IntRange(min=1),
            help="Stop cleanly once the backend reports N tokens used in this run.",
        ),
        click.option(
            "--timeout",
            type=click.FloatRange(min=1),
            default=120.0,
            show_default=True,
            envvar="PAPERDIGEST_TIMEOUT",
            help="Seconds to wait for one LLM answer before retrying.",
        ),
    ]
    for decorator in reversed(decorators):
        fn = decorator(fn)
    return fn


SETTING_NAMES = tuple(f.name for f in fields(RunSettings))


def split_settings(kwargs: dict[str, Any]) -> RunSettings:
    return RunSettings(**{name: kwargs.pop(name) for name in SETTING_NAMES})


@click.command()
@click.option(
    "--date",
    "date_",
    metavar="YYYY-MM-DD",
    help="List date (default: today; with a file source, the file's date).",
)
@run_options
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False),
    help="Write the run's report as JSON: failed and flagged papers, and why.",
)
def digest(date_: str | None, report_path: str | None, **kwargs: Any) -> None:
    """Summarize one day of Hugging Face Daily Papers into a Markdown digest."""
    settings = split_settings(kwargs)
    day = parse_day(date_)
    if day is None and not settings.source.startswith("file:"):
        day = dt.date.today()
    with Runner(settings) as runner:
        result = runner.run_day(day)
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
