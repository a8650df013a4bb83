"""The composition root: one :class:`App` per process, built from :class:`Settings`.

The CLI, the web app and the benchmarks all start here and never build stores, sources or
summarizers themselves::

    app = open_app(Settings.load(db="papers.db"))
    with app.digest_session(RunOptions(out_dir=Path("digests"))) as session:
        result = session.run_day(None)

Injection points for tests: ``open_app(settings, _summarizer=..., _source=...)``.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import default_db_path
from ..digest import (
    DayOutcome,
    DigestEnv,
    DigestOptions,
    DigestResult,
    require_language,
    run_days,
    run_digest,
)
from ..digest.choose import Selection
from ..digest.record import Progress
from ..errors import StoreError
from ..prompts import PromptSet, load_prompts
from ..settings import Settings
from ..sources import Source, open_source
from ..store import Store, check_store
from ..store.engine import is_postgres_url
from ..summarize import BackendConfig, make_summarizer, resolve_auto
from ..summarize.base import Summarizer
from ..untrusted import redact
from .inputs import DigestInputs, Notify, digest_inputs
from .ranking import RankOptions, feedback_writer, open_scorer, open_selection

if TYPE_CHECKING:
    from fastapi import FastAPI

    from ..rank import Scorer


def _stderr(line: str) -> None:
    print(line, file=sys.stderr)


@dataclass(frozen=True)
class RunOptions:
    """What one digest-making command asks for beyond the settings."""

    out_dir: Path = Path("digests")
    readme: str | None = None  # the front page: None for <out>/README.md, "off" for none
    limit: int | None = None
    force: bool = False
    concurrency: int = 4
    repairs: int = 2
    repair_flagged: bool = False
    max_calls: int | None = None
    max_tokens: int | None = None
    backend_options: dict[str, Any] = field(default_factory=dict)  # -o KEY=VALUE
    new_only: bool = False  # leave out papers an earlier digest listed
    ranking: RankOptions | None = None  # --profile, --order, --top, --min-score, --summarize-top


class App:
    """Opens what a command needs, from one set of settings."""

    def __init__(
        self,
        settings: Settings,
        *,
        notify: Notify = _stderr,
        _summarizer: Summarizer | None = None,
        _source: Source | None = None,
    ) -> None:
        self.settings = settings
        self.notify = notify
        self._summarizer = _summarizer
        self._source = _source

    @property
    def db_path(self) -> Path | str:
        """The SQLite file, or the ``postgresql://`` URL as given (credentials included)."""
        db = self.settings.get("db")
        if is_postgres_url(db):
            return str(db)
        return Path(db).expanduser() if db else default_db_path()

    @property
    def db_label(self) -> str:
        """The database as messages may show it (no password)."""
        return redact(str(self.db_path))

    @property
    def lang(self) -> str:
        return str(self.settings["lang"])

    def open_store(self, *, readonly: bool = False, must_exist: bool = False) -> Store:
        """The database; with ``must_exist``, a missing file is a one-line error."""
        path = self.db_path
        if must_exist and isinstance(path, Path) and not path.exists():
            raise StoreError(f"database not found: {path} (run `paperdigest digest` first)")
        return Store(path, readonly=readonly)

    def open_source(self) -> Source:
        if self._source is not None:
            return self._source
        return open_source(str(self.settings["source"]), settings=self.settings)

    def backend_config(self, options: dict[str, Any] | None = None) -> BackendConfig:
        s = self.settings
        return BackendConfig(
            name=str(s["backend"]),
            model=s.get("model"),
            base_url=s.get("base_url"),
            key_env=str(s["api_key_env"]),
            model_path=s.get("model_path"),
            timeout=float(s["timeout"]),
            options=dict(options or {}),
        )

    def open_summarizer(self, options: dict[str, Any] | None = None) -> Summarizer:
        """The backend, refused (exit 2) when it cannot write the language asked for. With
        ``--backend auto``, says which backend it chose and why."""
        config = self.backend_config(options)
        summarizer = self._summarizer or make_summarizer(config)
        chosen = ""
        if config.name == "auto" and self._summarizer is None:
            _, why = resolve_auto(config)
            self.notify(f"note: --backend auto chose {summarizer.name}: {why}")
            chosen = f"auto: {why}"
        try:
            require_language(summarizer, self.lang, chosen=chosen)
        except BaseException:
            summarizer.close()
            raise
        return summarizer

    def prompts(self) -> PromptSet:
        return load_prompts(self.lang)

    def digest_session(
        self, run: RunOptions, *, progress: Progress | None = None
    ) -> DigestSession:
        return DigestSession(self, run, progress)

    def scorer(self) -> Scorer:
        """The ranking scorer the settings ask for (lexical unless embeddings are set up)."""
        return open_scorer(self.settings)

    def web_app(self, *, profile: Path | None = None) -> FastAPI:
        """The web server's app; with a reader's ``profile``, ``POST /api/feedback/{id}`` stores
        a like or dislike and ranks the paper's days again."""
        from ..web.app import create_app

        return create_app(
            self.db_path,
            default_lang=self.lang,
            open_store=lambda: self.open_store(readonly=True),
            feedback=None if profile is None else self._feedback_writer(profile),
        )

    def _feedback_writer(self, profile: Path) -> Callable[[str, str], dict[str, Any]]:
        return feedback_writer(
            lambda: self.open_store(must_exist=True), self.scorer, self.lang, profile
        )


class DigestSession:
    """Source, store, summarizer and prompts opened once (the model loads once), many days."""

    def __init__(self, app: App, run: RunOptions, progress: Progress | None) -> None:
        self.app = app
        self.run = run
        self.progress = progress
        self.prompts = app.prompts()
        self.source = app.open_source()
        self.store: Store | None = None
        self.summarizer: Summarizer | None = None
        self.inputs: DigestInputs | None = None
        self.selection: Selection | None = None

    def __enter__(self) -> DigestSession:
        """Cheap checks first (the saved file, the database), then the backend, which may
        assemble or load a 1 GB model: a typo in --source or --db fails in milliseconds, and
        a refused backend leaves no database behind."""
        try:
            preflight: Callable[[], object] | None = getattr(self.source, "preflight", None)
            if preflight is not None:
                preflight()
            check_store(self.app.db_path)
            if self.run.ranking is not None:
                self.selection = open_selection(self.app.settings, self.run.ranking)
            self.summarizer = self.app.open_summarizer(self.run.backend_options)
            self.store = self.app.open_store()
            self.inputs = digest_inputs(
                self.app.settings.get("fulltext"), self.summarizer, self.store, self.app.notify
            )
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self.inputs is not None:
            self.inputs.close()
            self.inputs.report()
            self.inputs = None
        if self.store is not None:
            self.store.close()
            self.store = None
        if self.selection is not None and self.selection.scorer is not None:
            from ..rank import close_scorer

            close_scorer(self.selection.scorer)
            self.selection = None
        if self.summarizer is not None:
            self.summarizer.close()
            self.summarizer = None

    def _options(self, day: dt.date | None) -> DigestOptions:
        run, selection = self.run, self.selection
        return DigestOptions(
            day=day,
            lang=self.app.lang,
            out_dir=run.out_dir,
            limit=run.limit,
            force=run.force,
            concurrency=run.concurrency,
            repairs=run.repairs,
            repair_flagged=run.repair_flagged,
            max_calls=run.max_calls,
            max_tokens=run.max_tokens,
            new_only=run.new_only,
            selection=selection,
            # --new-only remembers what each profile's digests listed
            profile_name=selection.profile.name
            if selection is not None and selection.profile is not None
            else "",
        )

    def _env(self) -> DigestEnv:
        assert self.store is not None and self.inputs is not None
        assert self.summarizer is not None
        return DigestEnv(
            self.source,
            self.store,
            self.summarizer,
            self.prompts,
            source_name=str(self.app.settings["source"]),
            build_input=self.inputs,
        )

    def _written(self, result: DigestResult) -> None:
        if result.written and self.run.readme != "off":
            from ..render.readme import update_readme

            update_readme(self.run.out_dir, self.run.readme)

    def run_day(self, day: dt.date | None) -> DigestResult:
        """Digest one day."""
        env = self._env()
        result = run_digest(
            env.source,
            env.store,
            env.summarizer,
            env.prompts,
            self._options(day),
            progress=self.progress,
            source_name=env.source_name,
            build_input=env.build_input,
        )
        self._written(result)
        return result

    def run_days(self, days: Sequence[dt.date], on_day: Callable[[DayOutcome], None]) -> None:
        """Digest many days with one scheduler (see :func:`~paperdigest.digest.run_days`):
        ``on_day`` gets each day's outcome in day order, as the days finish."""

        def finished(outcome: DayOutcome) -> None:
            if isinstance(outcome, DigestResult):
                self._written(outcome)
            on_day(outcome)

        run_days(self._env(), days, self._options(None), finished, progress=self.progress)


def open_app(settings: Settings | None = None, **kwargs: Any) -> App:
    """The application for ``settings`` (default: the environment's)."""
    return App(settings or Settings.load(), **kwargs)


__all__ = ["App", "DigestSession", "RankOptions", "RunOptions", "open_app"]
