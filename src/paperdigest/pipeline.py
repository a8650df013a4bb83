"""Plan what a day is missing, then run it.

Planning is pure (papers + stored summaries in, intents out); the runner does the I/O: fetch the
list, save it, summarize what is missing with bounded concurrency, save each summary as soon as it
arrives (so an interrupted run loses at most the papers in flight), and write the digest
atomically.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from .errors import AppError, BackendError, ConfigError, InvalidAnswer
from .fsutil import write_atomic
from .models import Paper, Sections, Summary
from .render.markdown import digest_path, render_day
from .sources import Source
from .store import Store, SummaryKey
from .summarize.base import Summarizer, SummaryRequest
from .summarize.prompts import PromptSet, abstract_input, input_hash

# -- planning (pure) ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Reuse:
    paper: Paper
    summary: Summary


@dataclass(frozen=True)
class Summarize:
    paper: Paper
    key: SummaryKey
    input_text: str


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
) -> list[Intent]:
    """One intent per paper, in the given order: reuse a stored summary or summarize anew."""
    intents: list[Intent] = []
    for paper in papers:
        text = inputs[paper.id]
        key = make_key(
            paper, text, lang=lang, backend=backend, model=model, prompt_version=prompt_version
        )
        stored = existing.get(key)
        if stored is not None and not force:
            intents.append(Reuse(paper, stored))
        else:
            intents.append(Summarize(paper, key, text))
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

    @property
    def ok(self) -> bool:
        return not self.failed


def summarize_paper(
    summarizer: Summarizer, request: SummaryRequest, answer_retries: int
) -> tuple[Sections, int]:
    """Ask the backend, retrying an answer that is not the three sections. (sections, tries)."""
    last: InvalidAnswer | None = None
    for attempt in range(1, answer_retries + 2):
        try:
            return summarizer.summarize(request), attempt
        except InvalidAnswer as exc:
            last = exc
    assert last is not None
    raise BackendError(f"no valid answer after {answer_retries + 1} tries: {last.message}")


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
    inputs = {p.id: build_input(p) for p in papers}
    key_args = {
        "lang": lang,
        "backend": summarizer.name,
        "model": summarizer.model_id,
        "prompt_version": prompts.version,
    }
    existing: dict[SummaryKey, Summary] = {}
    for paper in papers:
        key = make_key(paper, inputs[paper.id], **key_args)
        found = store.find_summary(key)
        if found is not None:
            existing[key] = found
    intents = plan_day(papers, inputs, existing, force=options.force, **key_args)

    run_id = store.start_run(
        "digest",
        day=day.isoformat(),
        source=source_name or listing.source,
        lang=lang,
        backend=summarizer.name,
        model=summarizer.model_id,
    )
    done: dict[str, Sections] = {
        i.paper.id: i.summary.sections for i in intents if isinstance(i, Reuse)
    }
    failed: list[tuple[str, str]] = []
    todo = [i for i in intents if isinstance(i, Summarize)]
    status = "failed"
    try:
        progress.start(len(todo), f"Summarizing {day.isoformat()}")
        _summarize_all(todo, summarizer, prompts, store, options, done, failed, progress)
        status = "partial" if failed else "ok"
    except KeyboardInterrupt:
        status = "interrupted"
        raise
    finally:
        progress.stop()
        store.finish_run(
            run_id,
            listed=len(listing.papers),
            summarized=len(done) - (len(intents) - len(todo)),
            reused=len(intents) - len(todo),
            failed=len(failed),
            errors=[{"paper_id": pid, "error": err} for pid, err in failed],
            status=status,
        )

    entries = [(p, done[p.id]) for p in papers if p.id in done]
    path = digest_path(options.out_dir, day, options.lang)
    write_atomic(path, render_day(day, entries))
    return DigestResult(
        day=day,
        path=path,
        listed=len(listing.papers),
        summarized=len(done) - (len(intents) - len(todo)),
        reused=len(intents) - len(todo),
        failed=failed,
        skipped=list(listing.skipped),
        backend=summarizer.name,
        model=summarizer.model_id,
        notes=notes,
    )


def _summarize_all(
    todo: list[Summarize],
    summarizer: Summarizer,
    prompts: PromptSet,
    store: Store,
    options: DigestOptions,
    done: dict[str, Sections],
    failed: list[tuple[str, str]],
    progress: Progress,
) -> None:
    """Run the summaries with at most ``concurrency`` in flight; save each as it completes.

    Only this (main) thread touches the database. A ConfigError or an unreachable server stops
    new work at once and is raised after the papers in flight finish.
    """
    if not todo:
        return
    limit = max(1, options.concurrency)
    if summarizer.max_concurrency is not None:
        limit = min(limit, summarizer.max_concurrency)
    from .summarize.openai_compat import BackendUnavailable

    fatal: AppError | None = None
    pending: dict[Future[tuple[Sections, int]], Summarize] = {}
    queue = list(todo)
    with ThreadPoolExecutor(max_workers=limit, thread_name_prefix="summarize") as pool:
        try:
            while queue or pending:
                while queue and len(pending) < limit and fatal is None:
                    intent = queue.pop(0)
                    request = SummaryRequest(intent.paper, intent.input_text, prompts)
                    future = pool.submit(
                        summarize_paper, summarizer, request, options.answer_retries
                    )
                    pending[future] = intent
                if not pending:
                    break
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    intent = pending.pop(future)
                    try:
                        sections, attempts = future.result()
                    except (ConfigError, BackendUnavailable) as exc:
                        fatal = fatal or exc
                        failed.append((intent.paper.id, exc.message))
                        progress.advance(intent.paper, "failed")
                        continue
                    except AppError as exc:
                        failed.append((intent.paper.id, exc.message))
                        progress.advance(intent.paper, "failed")
                        continue
                    except Exception as exc:  # a bug in a backend must not lose the others
                        failed.append((intent.paper.id, f"{exc.__class__.__name__}: {exc}"))
                        progress.advance(intent.paper, "failed")
                        continue
                    store.save_summary(intent.key, sections, intent.input_text, attempts=attempts)
                    done[intent.paper.id] = sections
                    progress.advance(intent.paper, "summarized")
        except BaseException:
            for future in pending:
                future.cancel()
            raise
    if fatal is not None:
        not_started = [i.paper.id for i in queue]
        failed.extend((pid, "not attempted: the run stopped") for pid in not_started)
        raise fatal
