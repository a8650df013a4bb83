"""``paperdigest digest``: one day's list → summaries → the Markdown digest."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..app import RunOptions, open_app
from ..digest import DayOutcome, DigestResult
from ..errors import ConfigError
from ..models import Paper
from ..settings import Settings, option_kwargs
from ..summarize import backend_names
from .rank_options import pop_rank_options, rank_options

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import TaskID


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

    def __init__(self, days: int = 0, console: Console | None = None) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.console = console or Console(stderr=True)
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

    def say(self, text: str) -> None:
        """A line on stderr above the live bars (a plain write would glue onto them)."""
        if self.started:
            self.console.print(text, markup=False, highlight=False, soft_wrap=True)
        else:
            click.echo(text, err=True)

    def day_done(self, day: dt.date) -> None:
        if self.days_task is not None:
            self.progress.update(self.days_task, advance=1, last=day.isoformat())

    def close(self) -> None:
        if self.started:
            self.progress.stop()
            self.started = False


class LogProgress:
    """Progress without a terminal (cron, a log file): one line per paper on stderr, and a
    heartbeat line every ``beat`` seconds while no paper finishes, so a long wait shows."""

    beat = 60.0

    def __init__(self) -> None:
        import threading

        self.total = 0
        self.done = 0
        self.description = ""
        self.started = 0.0
        self.last = 0.0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _line(self, text: str) -> None:
        click.echo(f"[{_clock()}] {text}", err=True)

    def start(self, total: int, description: str) -> None:
        import time

        with self._lock:
            self.total, self.done, self.description = total, 0, description
            self.started = self.last = time.monotonic()
        if total == 0:
            return
        self._line(f"{description}: {total} paper(s)")
        if self._thread is None:
            import threading

            self._stop.clear()
            self._thread = threading.Thread(target=self._beat, daemon=True, name="log-heartbeat")
            self._thread.start()

    def advance(self, paper: Paper, outcome: str) -> None:
        import time

        with self._lock:
            self.done += 1
            now = time.monotonic()
            took, self.last = now - self.last, now
            done, total = self.done, self.total
        self._line(f"{done}/{total} {paper.id} {outcome} ({took:.1f}s)")

    def _beat(self) -> None:
        import time

        while not self._stop.wait(self.beat):
            with self._lock:
                idle = time.monotonic() - self.last
                done, total = self.done, self.total
            if idle >= self.beat and done < total:
                self._line(f"{done}/{total} still waiting for the summarizer ({idle:.0f}s since "
                           "the last paper)")

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=1)
            self._thread = None

    def close(self) -> None:
        self.stop()


def _clock() -> str:
    return dt.datetime.now().strftime("%H:%M:%S")


@dataclass(frozen=True)
class RunRequest:
    """Everything a digest-making command (digest, backfill, daily) was given."""

    settings: Settings
    run: RunOptions
    progress: bool | None  # None: when stderr is a terminal

    def session(self, days: int = 1) -> Session:
        return Session(self, days)


class Session:
    """A digest session of the application, with the progress bars on a terminal."""

    def __init__(self, request: RunRequest, days: int = 1) -> None:
        terminal = sys.stderr.isatty()
        show = terminal if request.progress is None else request.progress
        self.bar = RichProgress(days) if show else None
        # no terminal (cron): one log line per paper and a heartbeat instead of a bar
        self.log = LogProgress() if request.progress is None and not terminal else None
        self.inner = open_app(request.settings).digest_session(
            request.run, progress=self.bar or self.log
        )

    def __enter__(self) -> Session:
        try:
            self.inner.__enter__()
        except BaseException:
            self._close_bar()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.inner.close()
        finally:
            self._close_bar()

    def _close_bar(self) -> None:
        if self.log is not None:
            self.log.close()
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def say(self, text: str) -> None:
        """One line on stderr, above the progress bars when they are up."""
        if self.bar is not None:
            self.bar.say(text)
        else:
            click.echo(text, err=True)

    def run_day(self, day: dt.date | None) -> DigestResult:
        result = self.inner.run_day(day)
        if self.bar is not None:
            self.bar.day_done(result.day)
        return result

    def run_days(self, days: list[dt.date], on_day: Callable[[DayOutcome], None]) -> None:
        """Many days, their papers overlapping; ``on_day`` gets each outcome in day order."""

        def finished(outcome: DayOutcome) -> None:
            if self.bar is not None:
                self.bar.day_done(outcome.day)
            on_day(outcome)

        self.inner.run_days(days, finished)


def run_options(fn: Callable[..., None]) -> Callable[..., None]:
    """The options every digest-making command takes (digest, backfill, daily)."""
    decorators = [
        click.option("--lang", **option_kwargs("lang")),
        click.option("--source", **option_kwargs("source")),
        click.option(
            "--backend",
            **option_kwargs(
                "backend",
                help=f"Summarizer: {', '.join(backend_names())}. 'auto': a configured "
                "OpenAI-compatible server, else the local model, else extractive.",
            ),
        ),
        click.option("--model", **option_kwargs("model")),
        click.option("--base-url", **option_kwargs("base_url")),
        click.option("--api-key-env", **option_kwargs("api_key_env")),
        click.option("--model-path", type=click.Path(), **option_kwargs("model_path")),
        click.option(
            "--option",
            "-o",
            "options",
            multiple=True,
            metavar="KEY=VALUE",
            help="Backend option, e.g. -o temperature=0.1 (repeatable).",
        ),
        click.option("--out", "out_dir", type=click.Path(), **option_kwargs("out")),
        click.option("--readme", metavar="PATH|off", **option_kwargs("readme")),
        click.option("--db", "db_path", type=click.Path(), **option_kwargs("db")),
        click.option("--limit", type=click.IntRange(min=1), **option_kwargs("limit")),
        click.option(
            "--force", is_flag=True, help="Summarize again even when a summary is stored."
        ),
        click.option(
            "--concurrency", type=click.IntRange(1, 64), **option_kwargs("concurrency")
        ),
        click.option(
            "--progress/--no-progress",
            default=None,
            help="Progress bar (default: when stderr is a terminal).",
        ),
        click.option("--fulltext/--no-fulltext", default=None, **option_kwargs("fulltext")),
        click.option("--repairs", type=click.IntRange(0, 10), **option_kwargs("repairs")),
        click.option(
            "--repair-flagged",
            is_flag=True,
            help="Also try again the stored summaries that are still flagged (a rerun skips them).",
        ),
        click.option("--max-calls", type=click.IntRange(min=1), **option_kwargs("max_calls")),
        click.option("--max-tokens", type=click.IntRange(min=1), **option_kwargs("max_tokens")),
        click.option("--timeout", type=click.FloatRange(min=1), **option_kwargs("timeout")),
        # sources and days (arXiv listings, merged sources)
        click.option(
            "--include-replaced", is_flag=True, **option_kwargs("include_replaced")
        ),
        click.option(
            "--new-only",
            is_flag=True,
            help="Leave out papers an earlier digest listed (a new version is noted, not listed).",
        ),
    ]
    for decorator in reversed(decorators):
        fn = decorator(fn)
    return rank_options(fn)


def split_settings(kwargs: dict[str, Any]) -> RunRequest:
    """Take the run options out of a command's keyword arguments."""
    settings = Settings.load(
        lang=kwargs.pop("lang"),
        source=kwargs.pop("source"),
        backend=kwargs.pop("backend"),
        model=kwargs.pop("model"),
        base_url=kwargs.pop("base_url"),
        api_key_env=kwargs.pop("api_key_env"),
        model_path=kwargs.pop("model_path"),
        db=kwargs.pop("db_path"),
        timeout=kwargs.pop("timeout"),
        fulltext=kwargs.pop("fulltext"),
        include_replaced=kwargs.pop("include_replaced"),
        scorer=kwargs.pop("scorer"),
    )
    run = RunOptions(
        out_dir=Path(kwargs.pop("out_dir")),
        readme=kwargs.pop("readme"),
        limit=kwargs.pop("limit"),
        force=kwargs.pop("force"),
        concurrency=kwargs.pop("concurrency"),
        repairs=kwargs.pop("repairs"),
        repair_flagged=kwargs.pop("repair_flagged"),
        max_calls=kwargs.pop("max_calls"),
        max_tokens=kwargs.pop("max_tokens"),
        backend_options=_parse_options(kwargs.pop("options")),
        new_only=kwargs.pop("new_only"),
        ranking=pop_rank_options(kwargs),
    )
    return RunRequest(settings, run, kwargs.pop("progress"))


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
    """Summarize one day's papers (Hugging Face Daily Papers, arXiv categories, or both)
    into a Markdown digest."""
    request = split_settings(kwargs)
    day = parse_day(date_)
    if day is None and not str(request.settings["source"]).startswith("file:"):
        day = dt.date.today()
    with request.session() as session:
        result = session.run_day(day)
    if report_path:
        _write_report(Path(report_path), result)
    report(result)
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


def report(result: DigestResult, say: Callable[[str], None] | None = None) -> None:
    """The run's lines on stderr (through ``say``: above a live progress display) and the
    digest's path on stdout."""
    if say is None:
        say = _stderr
    for note in result.notes:
        say(f"note: {note}")
    for reason in result.skipped:
        say(f"warning: skipped a malformed list item: {reason}")
    for paper_id, error in result.failed:
        say(f"failed: {paper_id}: {error}")
    if result.stopped:
        say(
            f"stopped: {result.stopped}; {len(result.not_attempted)} paper(s) left for the next "
            "run"
        )
    if result.listed == 0:
        say(
            f"no papers listed for {result.day.isoformat()} "
            "(a weekend or holiday, or the list is not out yet): recorded, no digest written"
        )
    say(
        f"{result.day.isoformat()}: {result.listed} listed, {result.summarized} summarized now, "
        f"{result.reused} reused, {len(result.failed)} failed, {len(result.flagged)} flagged "
        f"[{result.backend}: {result.model}]"
    )
    for flagged in result.flagged:  # the last lines: what is still wrong, and why
        reasons = "; ".join(f"{p.check}: {p.message}" for p in flagged.problems)
        say(f"flagged: {flagged.paper_id}: {reasons}")
    if result.written:
        click.echo(str(result.path))


def _stderr(text: str) -> None:
    click.echo(text, err=True)


def _write_report(path: Path, result: DigestResult) -> None:
    import json

    from ..fsutil import write_atomic

    write_atomic(path, json.dumps(result.report(), ensure_ascii=False, indent=2) + "\n")
