"""Plan what a day is missing, then run it.

Planning is pure (papers + stored summaries in, intents out); the runner does the I/O: fetch the
list, save it, summarize what is missing with bounded concurrency, save each summary as soon as it
arrives (so an interrupted run loses at most the papers in flight), and write the digest
atomically.

Self-feedback: every new summary is checked against the exact text its model was given
(:mod:`paperdigest.checks`). One that fails is asked for again with the failed checks' messages in
the prompt, at most ``repairs`` times; the best attempt is kept with its check results, and is
stored as 'flagged' when problems remain. A rerun reuses flagged summaries as they are unless
``repair_flagged`` asks to try them again.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from .checks import Problem, check_names, checks_version, run_checks
from .errors import (
    AppError,
    BackendError,
    BackendStopped,
    BudgetExhausted,
    ConfigError,
    InvalidAnswer,
)
from .fsutil import write_atomic
from .models import Paper, Sections, Summary
from .render.markdown import digest_path, render_day
from .sources import Source
from .store import Store, SummaryKey
from .store.checks import CheckRecord, load_checks, save_checks
from .store.claims import claim, heartbeat, release
from .summarize.base import Summarizer, SummaryRequest
from .summarize.prompts import PromptSet, abstract_input, input_hash

# -- planning (pure) ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Reuse:
    paper: Paper
    summary: Summary
    input_text: str = ""  # what the stored summary was made from (its checks use it)


@dataclass(frozen=True)
class Summarize:
    paper: Paper
    key: SummaryKey
    input_text: str
    problems: tuple[str, ...] = ()  # feedback for the first request (repairing a flagged one)
    previous: Summary | None = None  # the stored flagged summary being repaired


Intent = Reuse | Summarize


def make_key(
    paper: Paper, input_text: str, *, lang: str, backend: str, model: str, prompt_version: str
) -> SummaryKey:
    return SummaryKey(paper.id, lang, backend, model, prompt_version, input_hash(input_text))


def plan_day(
    papers: Sequence[Paper],
    inputs: Mapping[str, str],
    existing: Mapping[SummaryKey, Summary],
    *,
    lang: str,
    backend: str,
    model: str,
    prompt_version: str,
    force: bool = False,
    repair_flagged: bool = False,
    stored_problems: Mapping[SummaryKey, Sequence[str]] | None = None,
) -> list[Intent]:
    """One intent per paper, in the given order: reuse a stored summary or summarize anew.

    A stored summary flagged by the checks is reused as it is (a finished day reruns for free)
    unless ``repair_flagged``: then it is asked for again, starting from its stored problems
    (``stored_problems``), and kept if nothing better comes back.
    """
    intents: list[Intent] = []
    for paper in papers:
        text = inputs[paper.id]
        key = make_key(
            paper, text, lang=lang, backend=backend, model=model, prompt_version=prompt_version
        )
        stored = existing.get(key)
        if stored is None or force:
            intents.append(Summarize(paper, key, text))
        elif repair_flagged and stored.status == "flagged":
            problems = tuple((stored_problems or {}).get(key, ()))
            intents.append(Summarize(paper, key, text, problems=problems, previous=stored))
        else:
            intents.append(Reuse(paper, stored, text))
    return intents


# -- running -----------------------------------------------------------------------------------


class Progress(Protocol):
    def start(self, total: int, description: str) -> None: ...
    def advance(self, paper: Paper, outcome: str) -> None: ...
    def stop(self) -> None: ...


class NoProgress:
    def start(self, total: int, description: str) -> None:
        pass

    def advance(self, paper: Paper, outcome: str) -> None:
        pass

    def stop(self) -> None:
        pass


@dataclass
class DigestOptions:
    day: dt.date | None
    lang: str = "ko"
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
    claim_poll: float = 2.0  # seconds between looks at those claims
    heartbeat_every: float = 30.0  # seconds between refreshes of this run's claims


@dataclass(frozen=True)
class Flagged:
    """A paper whose kept summary still fails some checks."""

    paper_id: str
    title: str
    problems: tuple[Problem, ...]
    attempts: int = 1  # summaries asked for in this run (0: reused from an earlier run)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.paper_id,
            "title": self.title,
            "attempts": self.attempts,
            "problems": [p.to_dict() for p in self.problems],
        }


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

    @property
    def ok(self) -> bool:
        return not self.failed and not self.not_attempted

    def report(self) -> dict[str, Any]:
        """The run as JSON-ready data (``digest --report FILE``)."""
        return {
            "day": self.day.isoformat(),
            "path": str(self.path),
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


def summarize_paper(
    summarizer: Summarizer,
    request: SummaryRequest,
    answer_retries: int,
    budget: tuple[int | None, int | None] = (None, None),
) -> tuple[Sections, int]:
    """Ask the backend, retrying an answer that is not the three sections. (sections, tries).

    Every call is counted against ``budget`` (max calls, max tokens) first; a call the budget
    forbids is not made and :class:`BudgetExhausted` is raised.
    """
    last: InvalidAnswer | None = None
    for attempt in range(1, answer_retries + 2):
        refused = summarizer.usage.take_call(*budget)
        if refused is not None:
            raise BudgetExhausted(refused)
        try:
            return summarizer.summarize(request), attempt
        except InvalidAnswer as exc:
            last = exc
    assert last is not None
    raise BackendError(f"no valid answer after {answer_retries + 1} tries: {last.message}")


@dataclass(frozen=True)
class Attempt:
    sections: Sections
    problems: tuple[Problem, ...]

    @property
    def rank(self) -> tuple[int, int]:
        """Fewer failed checks first, then fewer problems."""
        return len({p.check for p in self.problems}), len(self.problems)


@dataclass(frozen=True)
class Checked:
    """The outcome of summarizing one paper with self-feedback."""

    best: Attempt
    attempts: tuple[Attempt, ...]  # those asked for in this run, in order
    calls: int  # requests to the backend, answer retries included
    error: AppError | None = None  # what stopped the repairs early, if anything

    @property
    def repaired(self) -> bool:
        return not self.best.problems and bool(self.attempts) and bool(self.attempts[0].problems)


CheckFunction = Callable[[Sections], list[Problem]]


def summarize_checked(
    summarizer: Summarizer,
    request: SummaryRequest,
    check: CheckFunction,
    *,
    answer_retries: int,
    repairs: int,
    previous: Sections | None = None,
    budget: tuple[int | None, int | None] = (None, None),
) -> Checked:
    """Summarize, check, and ask again with the problems while any remain (``repairs`` times).

    The best attempt (fewest failed checks; the earliest among equals, ``previous`` first) is
    kept; ``previous`` (a stored summary being repaired) is checked again and competes. A
    failure of the first request is raised; one of a repair ends the repairs and is
    returned in ``error`` with the best attempt so far. An answer identical to an earlier one
    (a deterministic backend) ends the repairs too: asking again would not change it.
    """
    attempts: list[Attempt] = []
    calls = 0
    feedback = list(request.problems)
    error: AppError | None = None
    for round_ in range(repairs + 1):
        try:
            sections, tries = summarize_paper(
                summarizer, replace(request, problems=feedback), answer_retries, budget
            )
        except AppError as exc:
            if round_ == 0:
                raise
            calls += 0 if isinstance(exc, BudgetExhausted) else 1
            error = exc
            break
        calls += tries
        if any(a.sections == sections for a in attempts):
            break
        attempt = Attempt(sections, tuple(check(sections)))
        attempts.append(attempt)
        if not attempt.problems:
            break
        feedback = [p.message for p in attempt.problems]
    candidates = list(attempts)
    if previous is not None:
        candidates.insert(0, Attempt(previous, tuple(check(previous))))
    best = min(candidates, key=lambda a: a.rank)
    return Checked(best=best, attempts=tuple(attempts), calls=calls, error=error)


def output_lang(summarizer: Summarizer, lang: str) -> str:
    langs = summarizer.languages
    return lang if langs is None or lang in langs else langs[0]


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
    progress = progress or NoProgress()
    listing = source.fetch(options.day)
    day = listing.day
    store.save_listing(day, listing.papers, listing.source)
    papers = store.day_papers(day)
    if options.limit is not None:
        papers = papers[: options.limit]

    lang = output_lang(summarizer, options.lang)
    notes: list[str] = []
    if lang != options.lang:
        notes.append(f"the {summarizer.name} backend writes {lang}, not {options.lang}")
    key_args = {
        "lang": lang,
        "backend": summarizer.name,
        "model": summarizer.model_id,
        "prompt_version": prompts.version,
    }
    run_id = store.start_run(
        "digest",
        day=day.isoformat(),
        source=source_name or listing.source,
        lang=lang,
        backend=summarizer.name,
        model=summarizer.model_id,
    )
    state = _RunState(lang=lang)
    planned = _plan_lazily(papers, build_input, store, options, key_args, state)
    status = "failed"
    try:
        progress.start(len(papers), f"Summarizing {day.isoformat()}")
        _summarize_all(planned, summarizer, prompts, store, options, state, progress, run_id)
        if state.stopped:
            status = "stopped"
        else:
            status = "partial" if state.failed or state.not_attempted else "ok"
    except KeyboardInterrupt:
        status = "interrupted"
        raise
    finally:
        progress.stop()
        store.finish_run(
            run_id,
            listed=len(listing.papers),
            summarized=len(state.done) - state.reused,
            reused=state.reused,
            failed=len(state.failed),
            errors=[{"paper_id": pid, "error": err} for pid, err in state.failed],
            status=status,
        )

    entries = [(p, state.done[p.id]) for p in papers if p.id in state.done]
    path = digest_path(options.out_dir, day, options.lang)
    write_atomic(path, render_day(day, entries))
    order = {p.id: n for n, p in enumerate(papers)}
    return DigestResult(
        day=day,
        path=path,
        listed=len(listing.papers),
        summarized=len(state.done) - state.reused,
        reused=state.reused,
        failed=state.failed,
        skipped=list(listing.skipped),
        backend=summarizer.name,
        model=summarizer.model_id,
        notes=notes + state.notes,
        lang=lang,
        flagged=sorted(state.flagged, key=lambda f: order.get(f.paper_id, 0)),
        repaired=state.repaired,
        checked=state.checked,
        not_attempted=state.not_attempted,
        stopped=state.stopped,
    )


@dataclass
class _RunState:
    """What the main thread has gathered so far in one run."""

    lang: str
    done: dict[str, Sections] = field(default_factory=dict)
    failed: list[tuple[str, str]] = field(default_factory=list)
    flagged: list[Flagged] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    repaired: int = 0
    checked: int = 0
    reused: int = 0  # stored summaries used as they are (some finished by a concurrent run)
    not_attempted: list[str] = field(default_factory=list)
    stopped: str | None = None


def checks_for(paper: Paper, input_text: str, lang: str) -> CheckFunction:
    """The check function for one paper's summaries: its input text, its abstract, ``lang``."""

    def check(sections: Sections) -> list[Problem]:
        return run_checks(sections, input_text, lang=lang, abstract=paper.abstract or None)

    return check


def current_checks(
    store: Store, paper: Paper, input_text: str, summary: Summary
) -> tuple[CheckRecord, bool]:
    """A stored summary's check results, checked (again) now when they are missing or were
    made by another version of the checks; (record, whether it was checked now). No LLM."""
    assert summary.id is not None
    record = load_checks(store, summary.id)
    if record is not None and record.version == checks_version():
        return record, False
    problems = checks_for(paper, input_text, summary.lang)(summary.sections)
    attempts = record.attempts if record is not None else ()
    return save_checks(store, summary.id, problems, checks=check_names(), attempts=attempts), True


def _reuse(intent: Reuse, input_text: str, store: Store, state: _RunState) -> None:
    """A stored summary: use its check results, checking it now if they are missing or stale."""
    summary = intent.summary
    state.done[intent.paper.id] = summary.sections
    state.reused += 1
    if summary.id is None:
        return
    record, checked_now = current_checks(store, intent.paper, input_text, summary)
    state.checked += checked_now
    if record.problems:
        state.flagged.append(
            Flagged(intent.paper.id, intent.paper.title, tuple(record.problems), attempts=0)
        )


def _save_checked(intent: Summarize, outcome: Checked, store: Store, state: _RunState) -> bool:
    """Save the kept attempt and its check results; True when it passed every check."""
    best = outcome.best
    status = "flagged" if best.problems else "ok"
    summary = store.save_summary(
        intent.key, best.sections, intent.input_text, attempts=outcome.calls, status=status
    )
    log = [
        {"attempt": n, "failed": sorted({p.check for p in a.problems})}
        for n, a in enumerate(outcome.attempts, start=1)
    ]
    assert summary.id is not None
    save_checks(store, summary.id, best.problems, checks=check_names(), attempts=log)
    state.done[intent.paper.id] = best.sections
    state.checked += 1
    if outcome.repaired:
        state.repaired += 1
    if outcome.error is not None:
        state.notes.append(f"{intent.paper.id}: repairs stopped early: {outcome.error.message}")
    if best.problems:
        state.flagged.append(
            Flagged(
                intent.paper.id, intent.paper.title, best.problems, attempts=len(outcome.attempts)
            )
        )
        return False
    return True


def _plan_lazily(
    papers: Sequence[Paper],
    build_input: Callable[[Paper], str],
    store: Store,
    options: DigestOptions,
    key_args: dict[str, str],
    state: _RunState,
) -> Iterator[Intent]:
    """Plan one paper at a time, in vote order, as its input text is built (main thread).

    Building an input may mean fetching the paper from arXiv (seconds, rate-limited), so the
    runner pulls plans only as it has room and summarizes the first papers meanwhile. Planning
    itself is :func:`plan_day`, one paper at a time.
    """
    for paper in papers:
        text = build_input(paper)
        key = make_key(paper, text, **key_args)  # type: ignore[arg-type]
        found = store.find_summary(key)
        existing: dict[SummaryKey, Summary] = {}
        stored_problems: dict[SummaryKey, list[str]] = {}
        if found is not None:
            if found.id is not None:
                # checked again first when the checks changed since, so that --repair-flagged
                # sees what the current checks think of it
                record, checked_now = current_checks(store, paper, text, found)
                state.checked += checked_now
                found = replace(found, status="flagged" if record.problems else "ok")
                if record.problems:
                    stored_problems[key] = [p.message for p in record.problems]
            existing[key] = found
        yield from plan_day(
            [paper],
            {paper.id: text},
            existing,
            force=options.force,
            repair_flagged=options.repair_flagged,
            stored_problems=stored_problems,
            **key_args,  # type: ignore[arg-type]
        )


def _summarize_all(
    planned: Iterator[Intent],
    summarizer: Summarizer,
    prompts: PromptSet,
    store: Store,
    options: DigestOptions,
    state: _RunState,
    progress: Progress,
    run_id: int,
) -> None:
    """Run the summaries with at most ``concurrency`` in flight; save each as it completes.

    ``planned`` yields one intent per paper; stored summaries are used at once, new ones are
    pulled a few ahead of the workers (their inputs may take seconds to fetch, which then
    overlaps with summarizing). Workers summarize and check (pure); only this (main) thread
    touches the database. Each
    summary is claimed in the database first, so a concurrent run on the same database skips
    (and later reuses) what this one is making, and the reverse. A ConfigError or a
    BackendStopped (an unreachable server, a dead model process) stops new work at once and is
    raised after the papers in flight finish; a used-up budget stops new work too, and the
    rest is left for the next run.
    """
    limit = max(1, options.concurrency)
    if summarizer.max_concurrency is not None:
        limit = min(limit, summarizer.max_concurrency)
    budget = (options.max_calls, options.max_tokens)
    fatal: AppError | None = None
    pending: dict[Future[Checked], Summarize] = {}
    queue: deque[Summarize] = deque()  # planned, waiting for a worker
    exhausted = False
    deferred: list[tuple[Summarize, str]] = []  # held by another live run
    waiting_since: float | None = None
    last_beat = time.monotonic()

    def blocked() -> bool:
        return fatal is not None or state.stopped is not None

    def take(pool: ThreadPoolExecutor, intent: Summarize) -> None:
        """Claim and submit, or reuse what another run finished, or defer."""
        fresh = not (options.force or intent.previous is not None)
        result = claim(store, intent.key, run_id, check_done=fresh)
        if result.state == "done":
            found = store.find_summary(intent.key)
            assert found is not None
            _reuse(Reuse(intent.paper, found), intent.input_text, store, state)
            progress.advance(intent.paper, "reused")
            return
        if result.state == "busy":
            deferred.append((intent, result.holder))
            return
        request = SummaryRequest(intent.paper, intent.input_text, prompts, list(intent.problems))
        previous = intent.previous.sections if intent.previous else None
        future = pool.submit(
            summarize_checked,
            summarizer,
            request,
            checks_for(intent.paper, intent.input_text, intent.key.lang),
            answer_retries=options.answer_retries,
            repairs=max(0, options.repairs),
            previous=previous,
            budget=budget,
        )
        pending[future] = intent

    def fill(pool: ThreadPoolExecutor) -> None:
        while queue and len(pending) < limit and not blocked():
            take(pool, queue.popleft())

    def plan_next() -> bool:
        """Plan one more paper (a stored summary is used at once); False when none is left."""
        nonlocal exhausted
        for intent in planned:
            if isinstance(intent, Reuse):
                _reuse(intent, intent.input_text, store, state)
                progress.advance(intent.paper, "reused")
            elif state.stopped is not None:
                state.not_attempted.append(intent.paper.id)  # over budget: next run
            else:
                queue.append(intent)
            return True
        exhausted = True
        return False

    def settle(intent: Summarize, future: Future[Checked]) -> None:
        """Record one finished future (main thread), then release its claim."""
        nonlocal fatal
        try:
            try:
                outcome = future.result()
            except BudgetExhausted as exc:
                state.stopped = state.stopped or exc.message
                state.not_attempted.append(intent.paper.id)
                return
            except (ConfigError, BackendStopped) as exc:
                fatal = fatal or exc
                state.failed.append((intent.paper.id, exc.message))
                progress.advance(intent.paper, "failed")
                return
            except AppError as exc:
                state.failed.append((intent.paper.id, exc.message))
                progress.advance(intent.paper, "failed")
                return
            except Exception as exc:  # a bug in a backend must not lose the others
                state.failed.append((intent.paper.id, f"{exc.__class__.__name__}: {exc}"))
                progress.advance(intent.paper, "failed")
                return
            if isinstance(outcome.error, (ConfigError, BackendStopped)):
                fatal = fatal or outcome.error
            if isinstance(outcome.error, BudgetExhausted):
                state.stopped = state.stopped or outcome.error.message
            passed = _save_checked(intent, outcome, store, state)
            progress.advance(intent.paper, "summarized" if passed else "flagged")
        finally:
            release(store, [intent.key])

    with ThreadPoolExecutor(max_workers=limit, thread_name_prefix="summarize") as pool:
        try:
            while True:
                if blocked() and not pending:
                    break
                fill(pool)
                if not blocked() and not exhausted and len(queue) < limit:
                    plan_next()  # plan ahead while the workers are busy
                    continue
                if pending:
                    finished, _ = wait(
                        pending, timeout=options.heartbeat_every, return_when=FIRST_COMPLETED
                    )
                    if time.monotonic() - last_beat >= options.heartbeat_every:
                        heartbeat(store, [i.key for i in pending.values()])
                        last_beat = time.monotonic()
                    done = [(pending.pop(f), f) for f in finished]
                    for intent, future in done:
                        settle(intent, future)
                    continue
                if queue or not exhausted:
                    continue
                if not deferred:
                    break
                # Only papers another run is making are left: wait for it, or for its claims
                # to go stale (a killed run), then take them over.
                waiting_since = waiting_since or time.monotonic()
                if time.monotonic() - waiting_since > options.claim_wait:
                    break
                time.sleep(options.claim_poll)
                retry, deferred[:] = list(deferred), []
                for intent, _holder in retry:
                    take(pool, intent)
        except BaseException:
            # Interrupted: cancel what has not started; what is running finishes as the pool
            # shuts down, and is saved rather than lost (it is paid for).
            for future in pending:
                future.cancel()
            for future, intent in list(pending.items()):
                if not future.cancelled():
                    settle(intent, future)  # waits for it; records success or failure
            release(store, [i.key for i in pending.values()])
            raise
    for intent, holder in deferred:
        state.not_attempted.append(intent.paper.id)
        state.notes.append(
            f"{intent.paper.id}: still being summarized by another run ({holder}) after "
            f"waiting {options.claim_wait:.0f}s; a later run will reuse it"
        )
    if fatal is not None:
        state.failed.extend((i.paper.id, "not attempted: the run stopped") for i in queue)
        raise fatal
    if state.stopped is not None:
        state.not_attempted.extend(i.paper.id for i in queue)
        while plan_next():  # stored summaries still count; new ones wait for the next run
            pass
