"""Days, start to end: fetch the list, plan each paper, schedule the summaries, write the file.

:func:`run_digest` makes one day's digest; :func:`run_days` makes many with one scheduler, so
the next day's papers start while the last ones of a day are in flight, and each day's digest
is written as soon as its papers are stored (:class:`DayRun` is one day of either).

The digest is written in the language the backend writes, which is the language asked for: a
backend that cannot write it is refused before anything runs (:func:`require_language`), so the
file name, the stored rows, ``status``, the site and the feeds all agree.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..checks import checks_version
from ..errors import BackendStopped, FetchError, LanguageRefused, SourceUnavailable
from ..fsutil import write_atomic
from ..models import Paper, Sections, Summary
from ..prompts import PromptSet, abstract_input
from ..render.markdown import Provenance, digest_path, render_day
from ..settings import DEFAULT_LANG
from ..sources import Listing, Source
from ..store import Store
from ..store.checks import load_checks
from ..summarize.base import Summarizer
from ..text import language_name
from .choose import Selection, choose_papers
from .history import SeenBefore, leave_out_seen
from .plan import (
    KeyParts,
    PlanOptions,
    Recheck,
    Reuse,
    StoredChecks,
    Summarize,
    after_recheck,
    key_for,
    plan_paper,
    reusable_by_id,
    written_language,
)
from .record import DayDisplays, Flagged, NoProgress, Progress, Recorder, Tally
from .scheduler import Batch, Scheduler, SchedulerOptions


def require_language(summarizer: Summarizer, lang: str, *, chosen: str = "") -> str:
    """The language ``summarizer`` will write for ``lang``; refuse (exit 2) when it cannot.

    ``chosen`` explains why ``--backend auto`` picked this backend, for the message."""
    written = written_language(lang, summarizer.languages)
    if written is not None:
        return written
    langs = summarizer.languages or ()
    writes = " or ".join(language_name(x) for x in langs)
    first = langs[0] if langs else "en"
    because = f" ({chosen})" if chosen else ""
    raise LanguageRefused(
        f"the {summarizer.name} backend{because} writes only {writes}, not "
        f"{language_name(lang)}: pass --lang {first} for a digest in {language_name(first)}, or "
        "use a backend that writes it (--backend local with the local extra, or --backend "
        "openai with --base-url/OPENAI_API_KEY)"
    )


def write_once(store: Store, path: Path, day: dt.date, lang: str, text: str) -> None:
    """Write the digest unless another worker on this database already wrote the same text
    to this path (workers sharing a day and an output folder write it once)."""
    from ..store.claims import on_this_host, owner_id

    if not store.first_to_write(day, lang, text, owner_id()):
        first = store.digest_writer(day, lang, text)
        if first is not None and on_this_host(first):
            # the first writer (this host, likely this folder) may be renaming it in place
            deadline = time.monotonic() + 2.0
            while not _holds(path, text) and time.monotonic() < deadline:
                time.sleep(0.05)
        if _holds(path, text):
            return
    # first, or another host's folder (no waiting for a copy that may never come here: an
    # identical atomic write into a shared folder is harmless)
    write_atomic(path, text)


def _holds(path: Path, text: str) -> bool:
    try:
        return path.read_text(encoding="utf-8") == text
    except (OSError, UnicodeDecodeError):
        return False


@dataclass
class DigestOptions:
    day: dt.date | None
    lang: str = DEFAULT_LANG
    out_dir: Path = Path("digests")
    limit: int | None = None
    force: bool = False
    concurrency: int = 4
    answer_retries: int = 2  # extra tries when an answer is not valid JSON or lacks a section
    repairs: int = 2  # extra requests for a summary that fails a check, with the problems given
    repair_flagged: bool = False  # ask again for summaries stored as flagged
    max_calls: int | None = None  # per-run budget of LLM calls (answer retries and repairs count)
    max_tokens: int | None = None  # per-run budget of tokens, as the backend reports them
    claim_wait: float = 900.0  # seconds to wait for another run summarizing the same papers
    claim_poll: float = 0.5  # seconds between looks at those claims
    heartbeat_every: float = 30.0  # seconds between refreshes of this run's claims
    # --new-only: leave out papers an earlier digest listed (same language and profile name)
    new_only: bool = False
    profile_name: str = ""  # '' without a profile
    selection: Selection | None = None  # the reader's profile, order, --top, --summarize-top

    def scheduler_options(self) -> SchedulerOptions:
        return SchedulerOptions(
            concurrency=self.concurrency,
            answer_retries=self.answer_retries,
            repairs=self.repairs,
            force=self.force,
            max_calls=self.max_calls,
            max_tokens=self.max_tokens,
            claim_wait=self.claim_wait,
            claim_poll=self.claim_poll,
            heartbeat_every=self.heartbeat_every,
        )


@dataclass
class DigestResult:
    day: dt.date
    path: Path
    listed: int
    summarized: int
    reused: int
    failed: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    backend: str = ""
    model: str = ""
    notes: list[str] = field(default_factory=list)
    lang: str = ""
    flagged: list[Flagged] = field(default_factory=list)
    repaired: int = 0  # summaries that passed only after a repair
    checked: int = 0  # summaries checked in this run (new ones and unchecked reused ones)
    not_attempted: list[str] = field(default_factory=list)  # left for the next run
    stopped: str | None = None  # why the run stopped before the end (a budget), if it did
    written: bool = True  # False for a day with no papers: no digest file

    @property
    def ok(self) -> bool:
        return not self.failed and not self.not_attempted

    def report(self) -> dict[str, Any]:
        """The run as JSON-ready data (``digest --report FILE``)."""
        return {
            "day": self.day.isoformat(),
            "path": str(self.path) if self.written else None,
            "backend": self.backend,
            "model": self.model,
            "lang": self.lang,
            "listed": self.listed,
            "summarized": self.summarized,
            "reused": self.reused,
            "checked": self.checked,
            "repaired": self.repaired,
            "failed": [{"id": pid, "error": err} for pid, err in self.failed],
            "flagged": [f.to_dict() for f in self.flagged],
            "not_attempted": list(self.not_attempted),
            "stopped": self.stopped,
            "notes": list(self.notes),
        }


def plan_lazily(
    papers: Sequence[Paper],
    build_input: Callable[[Paper], str],
    store: Store,
    parts: KeyParts,
    options: PlanOptions,
    recorder: Recorder,
) -> Iterator[Reuse | Summarize]:
    """Plan one paper at a time, in vote order, as its input text is built.

    Building an input may mean fetching the paper from arXiv (seconds, rate-limited), so the
    scheduler pulls plans only as it has room. The decisions are :mod:`.plan`'s; this reads
    the stored rows they need and carries out a :class:`~.plan.Recheck` (no LLM call).
    """
    version = checks_version()
    for paper in papers:
        text = build_input(paper)
        if options.force:
            stored = store.find_summary(key_for(paper, text, parts))
        else:
            stored, text = _stored(store, paper, text, parts)
        checks: StoredChecks | None = None
        if stored is not None and stored.id is not None:
            record = load_checks(store, stored.id)
            if record is not None:
                checks = StoredChecks(record.version, tuple(record.problems))
        intent = plan_paper(paper, text, stored, checks, parts, options, checks_version=version)
        if isinstance(intent, Recheck):
            intent = after_recheck(intent, recorder.recheck(intent), options)
        assert not isinstance(intent, Recheck)
        yield intent


def read_listing(
    source: Source, store: Store, day: dt.date | None
) -> tuple[Listing, str | None]:
    """The day's list from ``source``; when the source cannot be read, the copy stored by an
    earlier run (with a note saying so), else :class:`SourceUnavailable`."""
    try:
        return source.fetch(day), None
    except SourceUnavailable:
        raise
    except FetchError as exc:
        stored = store.day_papers(day) if day is not None else []
        if day is None or not stored:
            when = day.isoformat() if day is not None else "today"
            raise SourceUnavailable(
                f"{exc} (no list of {when} is stored: nothing was summarized; run again later)",
                url=exc.url,
            ) from None
        note = f"{exc}; using the list of {day.isoformat()} stored earlier ({len(stored)} papers)"
        return Listing(day, tuple(stored), "stored"), note


def _input_counts(store: Store, papers: Sequence[Paper], lang: str) -> tuple[tuple[str, int], ...]:
    """How many of the digest's summaries read each kind of input (full text, abstract)."""
    from ..store.fulltext import input_sources

    counts: dict[str, int] = {}
    for source in input_sources(store, [p.id for p in papers], lang).values():
        counts[source] = counts.get(source, 0) + 1
    order = ("html", "pdf", "abstract", "unknown")
    return tuple(sorted(counts.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 9))


def _stored(
    store: Store, paper: Paper, text: str, parts: KeyParts
) -> tuple[Summary | None, str]:
    """The stored summary of the paper made from ``text``; else one made from another input
    of the same kind, with the input it was made from (its checks run against that); else
    (None, ``text``). One query."""
    key = key_for(paper, text, parts)
    earlier = store.summary_of_paper(key, exact_first=True)
    if earlier is not None and earlier.input_hash == key.input_hash:
        return earlier, text
    if earlier is None or earlier.id is None:
        return None, text
    earlier_text = store.input_text(earlier.id)
    if not reusable_by_id(earlier_text, text):
        return None, text
    return earlier, earlier_text


def _new_only(
    store: Store, day: dt.date, lang: str, papers: list[Paper], options: DigestOptions
) -> tuple[list[Paper], list[SeenBefore]]:
    """With ``--new-only``, the day's papers no earlier digest listed (:mod:`.history`)."""
    if not options.new_only:
        return papers, []
    earlier = store.digested_before(
        day, lang, [p.id for p in papers], profile=options.profile_name
    )
    return leave_out_seen(papers, earlier)


@dataclass(frozen=True)
class DigestEnv:
    """What every day of a command is made with."""

    source: Source
    store: Store
    summarizer: Summarizer
    prompts: PromptSet
    source_name: str = ""
    build_input: Callable[[Paper], str] = abstract_input


@dataclass(frozen=True)
class DayNotFetched:
    """A day of :func:`run_days` whose list could not be read (the other days go on)."""

    day: dt.date
    error: FetchError


DayOutcome = DigestResult | DayNotFetched


class DayRun:
    """One day being digested: its list read and saved, its papers chosen, its run row
    started; its intents go to the scheduler as :attr:`batch`, and :meth:`finish` records the
    run and writes the digest once they are all settled."""

    def __init__(
        self, env: DigestEnv, options: DigestOptions, lang: str, progress: Progress
    ) -> None:
        store = env.store
        self.env, self.options, self.lang, self.progress = env, options, lang, progress
        listing, note = read_listing(env.source, store, options.day)
        self.listing = listing
        self.day = day = listing.day
        if note is None:
            store.save_listing(day, listing.papers, listing.source, listing.counts)
        papers = store.day_papers(day)
        papers, self.seen_before = _new_only(store, day, lang, papers, options)
        if options.limit is not None:
            papers = papers[: options.limit]
        self.chosen = choose_papers(papers, store, day, lang, options.selection)
        self.papers = self.chosen.summarize

        summarizer, prompts = env.summarizer, env.prompts
        writer = summarizer.writer_version
        prompt_version = f"{prompts.version}+{writer}" if writer else prompts.version
        parts = KeyParts(lang, summarizer.name, summarizer.model_id, prompt_version)
        self.run_id = store.start_run(
            "digest",
            day=day.isoformat(),
            source=env.source_name or listing.source,
            lang=lang,
            backend=summarizer.name,
            model=summarizer.model_id,
        )
        self.tally = tally = Tally()
        if note is not None:
            tally.notes.append(note)
        recorder = Recorder(store, tally)
        plan_options = PlanOptions(force=options.force, repair_flagged=options.repair_flagged)
        planned = plan_lazily(self.papers, env.build_input, store, parts, plan_options, recorder)
        self.batch = Batch(self.run_id, recorder, planned, progress)
        progress.start(len(self.papers), f"Summarizing {day.isoformat()}")

    def status(self) -> str:
        tally = self.tally
        if tally.stopped:
            return "stopped"
        return "partial" if tally.failed or tally.not_attempted else "ok"

    def close(self, status: str) -> None:
        """Record the run's end (``status``: ok, partial, stopped, failed, interrupted)."""
        tally = self.tally
        self.progress.stop()
        self.env.store.finish_run(
            self.run_id,
            listed=len(self.listing.papers),
            summarized=len(tally.done) - tally.reused,
            reused=tally.reused,
            failed=len(tally.failed),
            errors=[{"paper_id": pid, "error": err} for pid, err in tally.failed],
            status=status,
        )

    def entries(self) -> list[tuple[Paper, Sections]]:
        return [(p, self.tally.done[p.id]) for p in self.papers if p.id in self.tally.done]

    def fail(self, error: BaseException) -> None:
        """The run stopped while this day was open: record it; after a stopped backend, keep
        what the day made in its digest (a later run completes it)."""
        interrupted = isinstance(error, KeyboardInterrupt)
        self.close("interrupted" if interrupted else "failed")
        entries = self.entries()
        if isinstance(error, BackendStopped) and entries:
            write_atomic(
                digest_path(self.options.out_dir, self.day, self.lang),
                render_day(self.day, entries, why=self.chosen.why),
            )

    def finish(self) -> DigestResult:
        """Every paper settled: record the run, write the digest (once across workers)."""
        self.close(self.status())
        env, tally, day, lang, options = self.env, self.tally, self.day, self.lang, self.options
        entries = self.entries()
        path = digest_path(options.out_dir, day, lang)
        order = {p.id: n for n, p in enumerate(self.papers)}
        in_digest = {p.id for p, _ in entries}
        flagged = sorted(tally.flagged, key=lambda f: order.get(f.paper_id, 0))
        provenance = Provenance(
            backend=env.summarizer.name,
            model=env.summarizer.model_id,
            lang=lang,
            inputs=_input_counts(env.store, [p for p, _ in entries], lang),
            updated=tuple(
                (s.paper.id, s.paper.version or 0, s.first_day.isoformat())
                for s in self.seen_before
                if s.new_version
            ),
            flagged=tuple(
                (f.paper_id, tuple(sorted({p.check for p in f.problems})))
                for f in flagged
                if f.paper_id in in_digest
            ),
        )
        chosen, listing = self.chosen, self.listing
        # a day with no papers (a weekend) is recorded, not written
        written = bool(listing.papers)
        if written:
            write_once(
                env.store,
                path,
                day,
                lang,
                render_day(day, entries, provenance, why=chosen.why, rest=chosen.titles_only),
            )
            env.store.record_digest(day, lang, [p for p, _ in entries],
                                    profile=options.profile_name)
        return DigestResult(
            day=day,
            path=path,
            listed=len(listing.papers),
            summarized=len(tally.done) - tally.reused,
            reused=tally.reused,
            failed=tally.failed,
            skipped=list(listing.skipped),
            backend=env.summarizer.name,
            model=env.summarizer.model_id,
            notes=[*listing.notes, *(s.note() for s in self.seen_before), *chosen.notes,
                   *tally.notes],
            lang=lang,
            flagged=flagged,
            repaired=tally.repaired,
            checked=tally.checked,
            not_attempted=tally.not_attempted,
            stopped=tally.stopped,
            written=written,
        )


def run_digest(
    source: Source,
    store: Store,
    summarizer: Summarizer,
    prompts: PromptSet,
    options: DigestOptions,
    *,
    progress: Progress | None = None,
    source_name: str = "",
    build_input: Callable[[Paper], str] = abstract_input,
) -> DigestResult:
    """One day's digest (``options.day``; None: the source's day)."""
    lang = require_language(summarizer, options.lang)
    env = DigestEnv(source, store, summarizer, prompts, source_name, build_input)
    run = DayRun(env, options, lang, progress or NoProgress())
    scheduler = Scheduler(store, summarizer, prompts, options.scheduler_options())
    try:
        scheduler.run([run.batch])
    except BaseException as exc:
        run.fail(exc)
        raise
    return run.finish()


def run_days(
    env: DigestEnv,
    days: Sequence[dt.date],
    options: DigestOptions,
    on_day: Callable[[DayOutcome], None],
    *,
    progress: Progress | None = None,
) -> None:
    """Digest ``days`` with one scheduler: a day is opened (its list read, its papers
    planned) while the last papers of the day before are in flight, so the slots stay full
    across days, and each day's digest is written as soon as its papers are all settled.

    ``on_day`` gets each day's :class:`DigestResult` — or :class:`DayNotFetched` when its list
    cannot be read (the next days go on) — in day order. A used-up budget opens no further
    day. With ``new_only`` the days do not overlap: each leaves out what the days before it
    listed, so it is chosen once they are recorded. A run-stopping error is raised once the
    papers in flight are saved, after ``on_day`` has had every day finished by then; the days
    still open are recorded as failed."""
    lang = require_language(env.summarizer, options.lang)
    displays = DayDisplays(progress or NoProgress())
    in_order = _InOrder(on_day)
    runs: dict[Batch, tuple[int, DayRun]] = {}  # the open days and their places in ``days``

    def batches() -> Iterator[Batch]:
        for n, day in enumerate(days):
            try:
                run = DayRun(env, replace(options, day=day), lang, displays.day())
            except FetchError as exc:
                in_order.put(n, DayNotFetched(day, exc))
                continue
            runs[run.batch] = (n, run)
            yield run.batch

    def done(batch: Batch) -> None:
        n, run = runs.pop(batch)
        in_order.put(n, run.finish())

    scheduler = Scheduler(env.store, env.summarizer, env.prompts, options.scheduler_options())
    try:
        # --new-only leaves out what earlier digests listed: a day is chosen only once the
        # days before it are recorded, so those days do not overlap
        scheduler.run(batches(), done, overlap=not options.new_only)
    except BaseException as exc:
        for _, run in sorted(runs.values(), key=lambda nr: nr[0]):
            run.fail(exc)
        in_order.flush()
        raise


class _InOrder:
    """Hands outcomes that arrive out of order (days finish as their papers do) on in order."""

    def __init__(self, deliver: Callable[[DayOutcome], None]) -> None:
        self.deliver = deliver
        self.next = 0
        self.waiting: dict[int, DayOutcome] = {}

    def put(self, position: int, outcome: DayOutcome) -> None:
        self.waiting[position] = outcome
        while self.next in self.waiting:
            self.deliver(self.waiting.pop(self.next))
            self.next += 1

    def flush(self) -> None:
        """Hand on what has arrived, past the gaps (days that will not finish)."""
        for position in sorted(self.waiting):
            self.deliver(self.waiting.pop(position))
