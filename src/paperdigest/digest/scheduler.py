"""Running the summaries: bounded concurrency, claims, heartbeat, budgets, interruption.

:class:`Scheduler` runs a stream of :class:`Batch` es — one day's intents each, with the
recorder that keeps that day's results — through one pool of ``concurrency`` slots. It pulls
intents lazily (building an input may mean fetching the paper, and opening the next batch
means reading the next day's list; both overlap with summarizing), uses stored summaries at
once, and runs new ones. A batch is *done* when every intent of it is pulled and settled; the
scheduler then calls ``on_done`` (its day's digest is written) while the slots go on with the
next batches, so a multi-day backfill keeps its slots full across day boundaries. (Batches
that must not overlap — ``--new-only`` chooses a day from what the days before it recorded —
run one after another.) Workers only summarize and check
(:func:`~paperdigest.digest.repair.summarize_checked`); only the thread that calls
:meth:`Scheduler.run` touches the database.

- **Claims.** Each summary is claimed in the database first (under its batch's run id), so a
  concurrent run on the same database skips (and later reuses) what this one is making, and
  the reverse; claims of a run in flight are refreshed every ``heartbeat_every`` seconds.
  Papers another run is making are deferred: looked at again every ``claim_poll`` seconds
  while other work goes on (a look costs one read), and reused when that run has stored them;
  their batch stays open meanwhile. When only such papers are left, the scheduler waits for
  them (``claim_wait``; a killed run's stale claims are taken over), then leaves them to a
  later run. So a worker of a multi-day backfill never idles at the end of a day while later
  days have work, and the last worker to store a day's papers completes it. A paper listed on
  two open days is deferred the same way behind this run's own request, and asked once.
- **Budgets.** A used-up ``--max-calls``/``--max-tokens`` budget stops new work and opens no
  new batch; stored summaries of the open batches still count, new ones are left for the next
  run.
- **Stopping errors.** :class:`~paperdigest.errors.ConfigError` and
  :class:`~paperdigest.errors.BackendStopped` stop new work at once and are raised after the
  papers in flight are saved; the open batches are left to the caller.
- **Circuit breaker.** A request that timed out or lost its connection
  (:class:`~paperdigest.errors.ServerTrouble`) does not fail its paper: the paper goes back to
  the queue once, and ``breaker`` such failures in a row, across papers, stop the run with
  :class:`~paperdigest.errors.BackendUnavailable` naming the server and what happened. What
  is stored is kept and the rest is left for the next run, so a hung server costs about
  ``breaker`` timeouts, not papers × retries. Any answer resets the count.
- **Interruption.** Ctrl-C cancels what has not started; what is running finishes and is saved
  (it is paid for), then the interruption goes on.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import suppress
from dataclasses import dataclass, field

from ..errors import (
    AppError,
    BackendStopped,
    BackendUnavailable,
    BudgetExhausted,
    ConfigError,
    ServerTrouble,
    StoreError,
)
from ..prompts import PromptSet
from ..store import Store
from ..store.claims import claim, heartbeat, release
from ..summarize.base import Summarizer, SummaryRequest
from .plan import Reuse, Summarize
from .record import NoProgress, Progress, Recorder, Tally
from .repair import Checked, checks_for, summarize_checked

# What stops a whole run rather than failing one paper.
RUN_STOPPING: tuple[type[AppError], ...] = (ConfigError, BackendStopped)


@dataclass(frozen=True)
class SchedulerOptions:
    concurrency: int = 4
    answer_retries: int = 2  # extra tries when an answer is not valid JSON or lacks a section
    repairs: int = 2  # extra requests for a summary that fails a check, with the problems given
    force: bool = False  # summarize again even when another run finished the key meanwhile
    max_calls: int | None = None  # per-run budget of LLM calls (answer retries and repairs count)
    max_tokens: int | None = None  # per-run budget of tokens, as the backend reports them
    claim_wait: float = 900.0  # seconds to wait for another run summarizing the same papers
    claim_poll: float = 0.5  # seconds between looks at those claims
    heartbeat_every: float = 30.0  # seconds between refreshes of this run's claims
    breaker: int = 2  # timeouts or lost connections in a row (across papers) that stop the run


@dataclass(eq=False)
class Batch:
    """One day's share of the work: its intents (pulled lazily), the recorder its results go
    to, the run id its claims carry, and its progress display."""

    run_id: int
    recorder: Recorder
    intents: Iterator[Reuse | Summarize]
    progress: Progress = field(default_factory=NoProgress)
    pulled_all: bool = False  # set by the scheduler when ``intents`` is used up

    @property
    def tally(self) -> Tally:
        return self.recorder.tally


Work = tuple[Batch, Summarize]


class Scheduler:
    """Runs batches of intents; see the module docstring. One instance per command."""

    def __init__(
        self,
        store: Store,
        summarizer: Summarizer,
        prompts: PromptSet,
        options: SchedulerOptions,
    ) -> None:
        self.store = store
        self.summarizer = summarizer
        self.prompts = prompts
        self.options = options
        limit = max(1, options.concurrency)
        if summarizer.max_concurrency is not None:
            limit = min(limit, summarizer.max_concurrency)
        self.limit = limit
        self.fatal: AppError | None = None
        self.stopped: str | None = None  # why new work stopped (a used-up budget)
        self.pending: dict[Future[Checked], Work] = {}
        self.contended = False  # another run's claim was met: claims look before locking
        self.queue: deque[Work] = deque()  # planned, waiting for a slot
        self.deferred: list[tuple[Batch, Summarize, str]] = []  # held by another live run
        self.last_look = 0.0  # when the deferred papers were last looked at
        self.open: list[Batch] = []  # batches started and not done, oldest first
        self.current: Batch | None = None  # the batch intents are pulled from
        self.exhausted = False  # every batch has been pulled
        self._batches: Iterator[Batch] = iter(())
        self._on_done: Callable[[Batch], None] = _ignore
        self.overlap = True  # start a batch while earlier ones are in flight
        self.troubles = 0  # ServerTrouble failures in a row (the circuit breaker's count)
        self.retried: set[str] = set()  # papers put back in the queue after a ServerTrouble

    # -- the loop ------------------------------------------------------------------------------

    def run(
        self,
        batches: Iterable[Batch],
        on_done: Callable[[Batch], None] | None = None,
        *,
        overlap: bool = True,
    ) -> None:
        """Run every batch; ``on_done`` gets each batch once all its intents are settled
        (budget-stopped batches included). Without ``overlap``, a batch is started only when
        the ones before it are done (when starting one depends on what they record). Raise a
        run-stopping error at the end; the batches still open then are left to the caller
        (:attr:`open`)."""
        self._batches = iter(batches)
        self._on_done = on_done or _ignore
        self.overlap = overlap
        with ThreadPoolExecutor(max_workers=self.limit, thread_name_prefix="summarize") as pool:
            try:
                self._loop(pool)
            except BaseException:
                self._interrupted()
                raise
        self._finish()

    def _loop(self, pool: ThreadPoolExecutor) -> None:
        waiting_since: float | None = None
        last_beat = time.monotonic()
        every = self.options.heartbeat_every
        while True:
            if self.blocked and not self.pending:
                return
            self._fill(pool)
            if self._may_plan():
                self._plan_next()  # plan ahead while the workers are busy
                waiting_since = None
                continue
            looked = time.monotonic() - self.last_look
            if self.deferred and not self.blocked and looked >= self.options.claim_poll:
                self._look_again()  # other runs' papers: stored meanwhile?
                continue
            if self.pending:
                finished, _ = wait(self.pending, timeout=every, return_when=FIRST_COMPLETED)
                if time.monotonic() - last_beat >= every:
                    heartbeat(self.store, [i.key for _, i in self.pending.values()])
                    last_beat = time.monotonic()
                # each answer is saved before a freed slot sends the next request, so a run
                # killed at any moment loses at most the answers it is waiting for
                for future in finished:
                    batch, intent = self.pending.pop(future)
                    self._settle(batch, intent, future)
                    self._close_if_done(batch)
                waiting_since = None
                continue
            if self.queue or self._may_plan():
                continue
            if not self.deferred:
                return
            # Only papers other runs are making are left (for now): wait for them, or for their
            # claims to go stale (a killed run), then take them over; after claim_wait, leave
            # them to a later run and go on.
            waiting_since = waiting_since or time.monotonic()
            if time.monotonic() - waiting_since > self.options.claim_wait:
                self._leave_deferred()
                waiting_since = None
                continue
            time.sleep(self.options.claim_poll)

    def _may_plan(self) -> bool:
        """Whether to pull the next intent now: room in the queue, and (without overlap) no
        new batch while an earlier one is open."""
        if self.blocked or self.exhausted or len(self.queue) >= self.limit:
            return False
        return self.current is not None or self.overlap or not self.open

    @property
    def blocked(self) -> bool:
        """No new work may start: a run-stopping error or a used-up budget."""
        return self.fatal is not None or self.stopped is not None

    def _fill(self, pool: ThreadPoolExecutor) -> None:
        while self.queue and len(self.pending) < self.limit and not self.blocked:
            self._take(pool, *self.queue.popleft())

    def _look_again(self) -> None:
        """Queue the deferred papers again, first: a free slot looks whether their runs
        stored them meanwhile (then they are reused) or left them (then they are taken)."""
        self.last_look = time.monotonic()
        self.queue.extendleft((batch, intent) for batch, intent, _ in reversed(self.deferred))
        self.deferred = []

    def _plan_next(self, *, new_batches: bool = True) -> bool:
        """Pull one more intent (a stored summary is used at once), starting the next batch
        when the current one is used up; False when none is left."""
        while True:
            batch = self.current
            if batch is None:
                if not new_batches or (self.open and not self.overlap):
                    return False
                batch = next(self._batches, None)
                if batch is None:
                    self.exhausted = True
                    return False
                self.current = batch
                self.open.append(batch)
            for intent in batch.intents:
                if isinstance(intent, Reuse):
                    batch.recorder.reuse(intent.paper, intent.summary, intent.input_text)
                    batch.progress.advance(intent.paper, "reused")
                elif self.stopped is not None:
                    batch.tally.not_attempted.append(intent.paper.id)  # over budget: next run
                else:
                    self.queue.append((batch, intent))
                return True
            batch.pulled_all = True
            self.current = None
            self._close_if_done(batch)

    def _close_if_done(self, batch: Batch) -> None:
        """Hand a batch whose intents are all pulled and settled to ``on_done``, once (after
        a run-stopping error, none: the open batches are the caller's to record)."""
        if not batch.pulled_all or batch not in self.open or self.fatal is not None:
            return
        if any(b is batch for b, _ in self.queue) or any(
            b is batch for b, _ in self.pending.values()
        ) or any(b is batch for b, _, _ in self.deferred):
            return
        self.open.remove(batch)
        if self.stopped is not None:
            batch.tally.stopped = batch.tally.stopped or self.stopped
        self._on_done(batch)

    def _take(self, pool: ThreadPoolExecutor, batch: Batch, intent: Summarize) -> None:
        """Claim and submit, or reuse what another run finished, or defer."""
        if any(i.key == intent.key for _, i in self.pending.values()):
            # listed on two open days: made once, the other day reuses it once it is stored
            self.deferred.append((batch, intent, "this run"))
            return
        fresh = not (self.options.force or intent.previous is not None)
        # once another run's claim has been met, look before locking: most keys that other
        # workers hold cost one read instead of a transaction
        result = claim(self.store, intent.key, batch.run_id, check_done=fresh,
                       look_first=self.contended)
        self.contended = self.contended or result.state == "busy"
        if result.state == "done":
            found = self.store.find_summary(intent.key)
            assert found is not None
            batch.recorder.reuse(intent.paper, found, intent.input_text)
            batch.progress.advance(intent.paper, "reused")
            self._close_if_done(batch)
            return
        if result.state == "busy":
            self.deferred.append((batch, intent, result.holder))
            return
        opts = self.options
        request = SummaryRequest(
            intent.paper, intent.input_text, self.prompts, list(intent.problems)
        )
        future = pool.submit(
            summarize_checked,
            self.summarizer,
            request,
            checks_for(intent.paper, intent.input_text, intent.key.lang),
            answer_retries=opts.answer_retries,
            repairs=max(0, opts.repairs),
            previous=intent.previous.sections if intent.previous else None,
            budget=(opts.max_calls, opts.max_tokens),
        )
        self.pending[future] = (batch, intent)

    def _settle(self, batch: Batch, intent: Summarize, future: Future[Checked]) -> None:
        """Record one finished future and release its claim, in one commit (a summary is
        never stored without its check results, nor its claim released before it is)."""
        try:
            with self.store.transaction():
                self._record(batch, intent, future)
                release(self.store, [intent.key])
        except BaseException:
            with suppress(StoreError):
                release(self.store, [intent.key])
            raise

    def _record(self, batch: Batch, intent: Summarize, future: Future[Checked]) -> None:
        tally, paper, progress = batch.tally, intent.paper, batch.progress
        try:
            outcome = future.result()
        except BudgetExhausted as exc:
            self.stopped = self.stopped or exc.message
            tally.not_attempted.append(paper.id)
            return
        except ServerTrouble as exc:
            self._trouble(batch, intent, exc)
            return
        except AppError as exc:
            self.troubles = 0
            if isinstance(exc, RUN_STOPPING):
                self.fatal = self.fatal or exc
            batch.recorder.fail(paper, exc.message)
            progress.advance(paper, "failed")
            return
        except Exception as exc:  # a bug in a backend must not lose the others
            batch.recorder.fail(paper, f"{exc.__class__.__name__}: {exc}")
            progress.advance(paper, "failed")
            return
        self.troubles = 0
        if isinstance(outcome.error, RUN_STOPPING):
            self.fatal = self.fatal or outcome.error
        if isinstance(outcome.error, BudgetExhausted):
            self.stopped = self.stopped or outcome.error.message
        passed = batch.recorder.save(intent, outcome)
        progress.advance(paper, "summarized" if passed else "flagged")

    def _trouble(self, batch: Batch, intent: Summarize, exc: ServerTrouble) -> None:
        """The circuit breaker: count a timeout or lost connection; stop the run after
        ``breaker`` in a row; otherwise put the paper back once (a later try may succeed)."""
        paper, tally = intent.paper, batch.tally
        self.troubles += 1
        if self.fatal is not None:
            tally.not_attempted.append(paper.id)
        elif self.troubles >= max(1, self.options.breaker):
            tally.not_attempted.append(paper.id)
            self.fatal = BackendUnavailable(
                f"{exc.message}; {self.troubles} requests in a row failed like this, so the run "
                "stopped asking (what is stored is kept; the rest is left for the next run)"
            )
        elif paper.id in self.retried:
            batch.recorder.fail(paper, exc.message)
            batch.progress.advance(paper, "failed")
        else:
            self.retried.add(paper.id)
            self.queue.append((batch, intent))

    def _interrupted(self) -> None:
        """Cancel what has not started; save what is running as it finishes (it is paid for)."""
        for future in self.pending:
            future.cancel()
        for future, (batch, intent) in list(self.pending.items()):
            if not future.cancelled():
                self._settle(batch, intent, future)  # waits for it; records success or failure
        release(self.store, [i.key for _, i in self.pending.values()])

    def _leave_deferred(self) -> None:
        """Leave the papers other runs are still making to a later run; their batches are
        done unless something else of theirs is open."""
        left, self.deferred = self.deferred, []
        for batch, intent, holder in left:
            batch.tally.not_attempted.append(intent.paper.id)
            batch.tally.notes.append(
                f"{intent.paper.id}: still being summarized by another run ({holder}) after "
                f"waiting {self.options.claim_wait:.0f}s; a later run will reuse it"
            )
        for batch in dict.fromkeys(batch for batch, _, _ in left):
            self._close_if_done(batch)

    def _finish(self) -> None:
        self._leave_deferred()
        queued, self.queue = list(self.queue), deque()
        if self.fatal is not None:
            for batch, intent in queued:
                if isinstance(self.fatal, BackendUnavailable) and self.troubles:
                    batch.tally.not_attempted.append(intent.paper.id)  # the next run's
                else:
                    batch.tally.failed.append((intent.paper.id, "not attempted: the run stopped"))
            raise self.fatal
        for batch, intent in queued:  # over budget
            batch.tally.not_attempted.append(intent.paper.id)
        if self.stopped is not None:
            while self._plan_next(new_batches=False):  # stored summaries still count
                pass
        for batch in list(self.open):
            batch.pulled_all = True
            self._close_if_done(batch)


def _ignore(batch: Batch) -> None:
    pass
