"""Running the summaries of one day: bounded concurrency, claims, heartbeat, budgets, interruption.

:class:`Scheduler` pulls intents from an iterator (planned lazily: building an input may mean
fetching the paper, which then overlaps with summarizing the first papers), uses stored
summaries at once, and runs new ones with at most ``concurrency`` in flight. Workers only
summarize and check (:func:`~paperdigest.digest.repair.summarize_checked`); only the thread that
calls :meth:`Scheduler.run` touches the database.

- **Claims.** Each summary is claimed in the database first, so a concurrent run on the same
  database skips (and later reuses) what this one is making, and the reverse; claims of a run
  in flight are refreshed every ``heartbeat_every`` seconds. When only papers another run is
  making are left, the scheduler waits for them (``claim_wait``), then leaves them to a later run.
  A worker of a multi-day backfill hands such papers over instead (``hand_over``) and moves
  on to the next day, so workers never idle at the end of a day.
- **Budgets.** A used-up ``--max-calls``/``--max-tokens`` budget stops new work; stored
  summaries still count, new ones are left for the next run.
- **Stopping errors.** :class:`~paperdigest.errors.ConfigError` and
  :class:`~paperdigest.errors.BackendStopped` stop new work at once and are raised after the
  papers in flight are saved.
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
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import suppress
from dataclasses import dataclass

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
from .record import NoProgress, Progress, Recorder
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
    hand_over: bool = False  # leave papers other live runs are making to them (see _loop)
    breaker: int = 2  # timeouts or lost connections in a row (across papers) that stop the run


class Scheduler:
    """Runs one day's intents; see the module docstring. One instance per run."""

    def __init__(
        self,
        store: Store,
        summarizer: Summarizer,
        prompts: PromptSet,
        recorder: Recorder,
        options: SchedulerOptions,
        *,
        run_id: int,
        progress: Progress | None = None,
    ) -> None:
        self.store = store
        self.summarizer = summarizer
        self.prompts = prompts
        self.recorder = recorder
        self.tally = recorder.tally
        self.options = options
        self.run_id = run_id
        self.progress = progress or NoProgress()
        limit = max(1, options.concurrency)
        if summarizer.max_concurrency is not None:
            limit = min(limit, summarizer.max_concurrency)
        self.limit = limit
        self.fatal: AppError | None = None
        self.pending: dict[Future[Checked], Summarize] = {}
        self.contended = False  # another run's claim was met: claims look before locking
        self.queue: deque[Summarize] = deque()  # planned, waiting for a worker
        self.deferred: list[tuple[Summarize, str]] = []  # held by another live run
        self.exhausted = False  # every intent has been pulled
        self._planned: Iterator[Reuse | Summarize] = iter(())
        self.troubles = 0  # ServerTrouble failures in a row (the circuit breaker's count)
        self.retried: set[str] = set()  # papers put back in the queue after a ServerTrouble

    # -- the loop ------------------------------------------------------------------------------

    def run(self, planned: Iterator[Reuse | Summarize]) -> None:
        """Run every intent ``planned`` yields; raise a run-stopping error at the end."""
        self._planned = planned
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
            if not self.blocked and not self.exhausted and len(self.queue) < self.limit:
                self._plan_next()  # plan ahead while the workers are busy
                continue
            if self.pending:
                finished, _ = wait(self.pending, timeout=every, return_when=FIRST_COMPLETED)
                if time.monotonic() - last_beat >= every:
                    heartbeat(self.store, [i.key for i in self.pending.values()])
                    last_beat = time.monotonic()
                # each answer is saved before a freed slot sends the next request, so a run
                # killed at any moment loses at most the answers it is waiting for
                for future in finished:
                    self._settle(self.pending.pop(future), future)
                continue
            if self.queue or not self.exhausted:
                continue
            if not self.deferred:
                return
            # Only papers another run is making are left: wait for it, or for its claims to go
            # stale (a killed run), then take them over. With hand_over (a worker of a
            # multi-day backfill), leave them to their runs and go on: the last run to finish
            # the day writes its digest, and this one comes back to the day at the end.
            if self.options.hand_over:
                # one more look first: the last run to release its claims finds the others'
                # papers done, reuses them and completes the day
                retry, self.deferred = self.deferred, []
                for intent, _holder in retry:
                    self._take(pool, intent)
                if self.pending or self.queue or not self.deferred:
                    continue
                self.tally.handed_over.extend(intent.paper.id for intent, _ in self.deferred)
                self.deferred = []
                return
            waiting_since = waiting_since or time.monotonic()
            if time.monotonic() - waiting_since > self.options.claim_wait:
                return
            time.sleep(self.options.claim_poll)
            retry, self.deferred = self.deferred, []
            for intent, _holder in retry:
                self._take(pool, intent)

    @property
    def blocked(self) -> bool:
        """No new work may start: a run-stopping error or a used-up budget."""
        return self.fatal is not None or self.tally.stopped is not None

    def _fill(self, pool: ThreadPoolExecutor) -> None:
        while self.queue and len(self.pending) < self.limit and not self.blocked:
            self._take(pool, self.queue.popleft())

    def _plan_next(self) -> bool:
        """Pull one more intent (a stored summary is used at once); False when none is left."""
        for intent in self._planned:
            if isinstance(intent, Reuse):
                self.recorder.reuse(intent.paper, intent.summary, intent.input_text)
                self.progress.advance(intent.paper, "reused")
            elif self.tally.stopped is not None:
                self.tally.not_attempted.append(intent.paper.id)  # over budget: next run
            else:
                self.queue.append(intent)
            return True
        self.exhausted = True
        return False

    def _take(self, pool: ThreadPoolExecutor, intent: Summarize) -> None:
        """Claim and submit, or reuse what another run finished, or defer."""
        fresh = not (self.options.force or intent.previous is not None)
        # once another run's claim has been met, look before locking: most keys that other
        # workers hold cost one read instead of a transaction
        result = claim(self.store, intent.key, self.run_id, check_done=fresh,
                       look_first=self.contended)
        self.contended = self.contended or result.state == "busy"
        if result.state == "done":
            found = self.store.find_summary(intent.key)
            assert found is not None
            self.recorder.reuse(intent.paper, found, intent.input_text)
            self.progress.advance(intent.paper, "reused")
            return
        if result.state == "busy":
            self.deferred.append((intent, result.holder))
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
        self.pending[future] = intent

    def _settle(self, intent: Summarize, future: Future[Checked]) -> None:
        """Record one finished future and release its claim, in one commit (a summary is
        never stored without its check results, nor its claim released before it is)."""
        try:
            with self.store.transaction():
                self._record(intent, future)
                release(self.store, [intent.key])
        except BaseException:
            with suppress(StoreError):
                release(self.store, [intent.key])
            raise

    def _record(self, intent: Summarize, future: Future[Checked]) -> None:
        tally, paper = self.tally, intent.paper
        try:
            outcome = future.result()
        except BudgetExhausted as exc:
            tally.stopped = tally.stopped or exc.message
            tally.not_attempted.append(paper.id)
            return
        except ServerTrouble as exc:
            self._trouble(intent, exc)
            return
        except AppError as exc:
            self.troubles = 0
            if isinstance(exc, RUN_STOPPING):
                self.fatal = self.fatal or exc
            self.recorder.fail(paper, exc.message)
            self.progress.advance(paper, "failed")
            return
        except Exception as exc:  # a bug in a backend must not lose the others
            self.recorder.fail(paper, f"{exc.__class__.__name__}: {exc}")
            self.progress.advance(paper, "failed")
            return
        self.troubles = 0
        if isinstance(outcome.error, RUN_STOPPING):
            self.fatal = self.fatal or outcome.error
        if isinstance(outcome.error, BudgetExhausted):
            tally.stopped = tally.stopped or outcome.error.message
        passed = self.recorder.save(intent, outcome)
        self.progress.advance(paper, "summarized" if passed else "flagged")

    def _trouble(self, intent: Summarize, exc: ServerTrouble) -> None:
        """The circuit breaker: count a timeout or lost connection; stop the run after
        ``breaker`` in a row; otherwise put the paper back once (a later try may succeed)."""
        paper = intent.paper
        self.troubles += 1
        if self.fatal is not None:
            self.tally.not_attempted.append(paper.id)
        elif self.troubles >= max(1, self.options.breaker):
            self.tally.not_attempted.append(paper.id)
            self.fatal = BackendUnavailable(
                f"{exc.message}; {self.troubles} requests in a row failed like this, so the run "
                "stopped asking (what is stored is kept; the rest is left for the next run)"
            )
        elif paper.id in self.retried:
            self.recorder.fail(paper, exc.message)
            self.progress.advance(paper, "failed")
        else:
            self.retried.add(paper.id)
            self.queue.append(intent)

    def _interrupted(self) -> None:
        """Cancel what has not started; save what is running as it finishes (it is paid for)."""
        for future in self.pending:
            future.cancel()
        for future, intent in list(self.pending.items()):
            if not future.cancelled():
                self._settle(intent, future)  # waits for it; records success or failure
        release(self.store, [i.key for i in self.pending.values()])

    def _finish(self) -> None:
        tally = self.tally
        for intent, holder in self.deferred:
            tally.not_attempted.append(intent.paper.id)
            tally.notes.append(
                f"{intent.paper.id}: still being summarized by another run ({holder}) after "
                f"waiting {self.options.claim_wait:.0f}s; a later run will reuse it"
            )
        if self.fatal is not None:
            if isinstance(self.fatal, BackendUnavailable) and self.troubles:
                tally.not_attempted.extend(i.paper.id for i in self.queue)  # the next run's
            else:
                tally.failed.extend(
                    (i.paper.id, "not attempted: the run stopped") for i in self.queue
                )
            raise self.fatal
        if tally.stopped is not None:
            tally.not_attempted.extend(i.paper.id for i in self.queue)
            while self._plan_next():  # stored summaries still count; new ones wait
                pass
