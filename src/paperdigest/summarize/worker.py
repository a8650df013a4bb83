"""A summarizer hosted in a worker process, so that a native crash cannot take the run down.

llama.cpp is C++: an instruction the machine traps (SIGILL), a memory fault (SIGSEGV) or the
kernel's out-of-memory killer (SIGKILL) ends the process that runs it, with no Python exception
and no message. So the ``local`` backend runs in a child process, ``python -m
paperdigest.summarize.worker``, and the digest process holds only a proxy,
:class:`WorkerSummarizer`.

Design (why a process and not a thread or a fork):

- **A dedicated child process** loads the model once and serves one call at a time: the local
  backend already runs one paper at a time (one model, one context), so nothing is lost. When
  it dies, the parent sees the signal in the exit status and raises :class:`WorkerCrashed`, a
  :class:`~paperdigest.errors.BackendStopped`: the digest stops new work, keeps every summary
  already saved, and the CLI prints one line naming the paper, the signal, its likely cause and
  the fix; exit 1, or 2 when the worker had served no paper yet.
- **Spawned, not forked**: the parent has threads (the scheduler's pool, SQLite), which a fork
  would copy in unknown states; a fresh interpreter imports only the summarizer.
- **A framed protocol on two pipes of its own** (4-byte length + pickle), not stdin/stdout: a
  native library that prints to fd 1 cannot corrupt the channel. The child also points its
  fd 1 at stderr, so stray output never reaches the parent's stdout (whose last line is the
  digest's path). Errors come back as (class, message) and are raised again in the parent, so
  a ConfigError or an InvalidAnswer behaves exactly as in-process.
- **Real timeouts**: the child sends a tick (at most one a second) whenever llama.cpp decodes a
  prompt batch or a token; the parent waits at most ``answer_timeout`` seconds for the next
  frame. So a slow, overloaded machine is not a timeout, but a generation that makes no
  progress is: it is killed (SIGKILL), that paper fails with a clear reason, and the next paper
  starts a fresh worker.
- **Cheap refusals stay in the parent**: the local backend's settings, model file, header and
  memory are checked before the child is spawned (``LocalSummarizer(load=False)``), so a bad
  option costs milliseconds and no process.

Speed: a call crosses the pipe twice with a few kilobytes (the paper text out, three sections
back); generation takes seconds. ``bench/local_speed.py`` measures the ratio to bare
llama-cpp-python through this proxy. ``PAPERDIGEST_LOCAL_WORKER=0`` runs the backend in-process.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from typing import Any, ClassVar

from ..errors import AppError, BackendError, WorkerCrashed
from ..models import Sections
from .base import Summarizer, SummaryRequest
from .native import describe_exit, no_core_dumps

LOCAL_TARGET = "paperdigest.summarize.local:LocalSummarizer"
WORKER_ENV = "PAPERDIGEST_LOCAL_WORKER"  # "0": run the local backend in this process
TIMEOUT_ENV = "PAPERDIGEST_LOCAL_TIMEOUT"  # seconds one answer may take before it is stopped
DEFAULT_ANSWER_TIMEOUT = 600.0
DEFAULT_START_TIMEOUT = 900.0  # loading a model (the first run may assemble it first)
_HEADER = struct.Struct(">I")


# -- framing ------------------------------------------------------------------------------------


class _Closed(Exception):
    """The other end of the pipe is gone."""


def _send(fd: int, message: Any) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(_HEADER.pack(len(data)) + data)
    try:
        while view:
            view = view[os.write(fd, view) :]
    except (BrokenPipeError, OSError) as exc:
        raise _Closed() from exc


def _read_exact(fd: int, size: int, deadline: float | None) -> bytes:
    chunks: list[bytes] = []
    while size:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise TimeoutError
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            raise _Closed()
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _receive(fd: int, deadline: float | None = None) -> Any:
    (size,) = _HEADER.unpack(_read_exact(fd, _HEADER.size, deadline))
    return pickle.loads(_read_exact(fd, size, deadline))


def _error_frame(exc: BaseException) -> tuple[str, str, str, int]:
    cls = type(exc)
    message = exc.message if isinstance(exc, AppError) else f"{cls.__name__}: {exc}"
    code = exc.exit_code if isinstance(exc, AppError) else 1
    return ("error", f"{cls.__module__}:{cls.__qualname__}", message, code)


def _rebuild_error(path: str, message: str, code: int) -> AppError:
    """The child's exception as the same AppError class here (BackendError if unknown)."""
    module, _, name = path.partition(":")
    try:
        cls = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        cls = None
    if not (isinstance(cls, type) and issubclass(cls, AppError)):
        return BackendError(message)
    exc = cls.__new__(cls)
    AppError.__init__(exc, message)
    if exc.exit_code != code:
        exc.exit_code = code
    return exc


# -- the parent's side --------------------------------------------------------------------------


class WorkerSummarizer(Summarizer):
    """A proxy for a summarizer (``target`` = "module:Class", built with ``kwargs``) that runs
    in a worker process. Its class attributes (name, languages, budget) are the hosted ones."""

    name: ClassVar[str] = "worker"

    def __init__(
        self,
        target: str,
        kwargs: dict[str, Any] | None = None,
        *,
        answer_timeout: float | None = None,
        start_timeout: float = DEFAULT_START_TIMEOUT,
    ) -> None:
        self.target = target
        self.kwargs = dict(kwargs or {})
        if answer_timeout is None:
            answer_timeout = float(os.environ.get(TIMEOUT_ENV) or DEFAULT_ANSWER_TIMEOUT)
        self.answer_timeout = answer_timeout
        self.start_timeout = start_timeout
        self.served = 0  # papers summarized by workers in this run
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._to_child = self._from_child = -1
        self._dead: WorkerCrashed | None = None
        info = self._start()
        # The hosted summarizer's identity, as instance attributes (the digest reads them).
        self.__dict__.update(
            name=info["name"],
            max_concurrency=info["max_concurrency"],
            languages=info["languages"],
            input_budget_tokens=info["input_budget_tokens"],
        )
        self._model_id: str = info["model_id"]
        self._writer_version: str = info["writer_version"]

    # -- process management

    def _start(self) -> dict[str, Any]:
        parent_read, child_write = os.pipe()
        child_read, parent_write = os.pipe()
        cmd = [sys.executable, "-m", "paperdigest.summarize.worker",
               str(child_read), str(child_write)]  # fmt: skip
        try:
            self._proc = subprocess.Popen(
                cmd, pass_fds=(child_read, child_write), stdin=subprocess.DEVNULL
            )
        finally:
            os.close(child_read)
            os.close(child_write)
        self._to_child, self._from_child = parent_write, parent_read
        try:
            _send(self._to_child, ("start", self.target, self.kwargs, list(sys.path)))
            reply = self._wait_reply("starting", self.start_timeout)
        except BaseException:
            self._kill()
            raise
        return reply  # type: ignore[no-any-return]

    def _kill(self) -> None:
        proc, self._proc = self._proc, None
        for fd in (self._to_child, self._from_child):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._to_child = self._from_child = -1
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()

    def _crashed(self, doing: str) -> WorkerCrashed:
        proc = self._proc
        code = None
        if proc is not None:
            try:
                code = proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                code = None
        self._kill()
        what, advice = describe_exit(code)
        kept = (
            f"the {self.served} summaries made before it are saved"
            if self.served
            else "no paper was summarized"
        )
        self._dead = WorkerCrashed(
            f"the local model's process died {doing}: {what}; {advice}; {kept}: run the same "
            "command again after the fix to finish the day",
            served=self.served,
        )
        return self._dead

    def _wait_reply(self, doing: str, timeout: float) -> Any:
        """The next reply; ticks (llama.cpp made progress) extend the deadline."""
        while True:
            try:
                frame = _receive(self._from_child, time.monotonic() + timeout)
            except TimeoutError:
                self._kill()
                raise BackendError(
                    f"no progress for {timeout:.0f} s {doing} (a stuck generation): the model "
                    f"process was stopped, the next paper starts a fresh one ({TIMEOUT_ENV} "
                    "sets the limit)"
                ) from None
            except (_Closed, EOFError, pickle.UnpicklingError):
                raise self._crashed(doing) from None
            kind = frame[0]
            if kind == "tick":
                continue
            if kind == "ok":
                self.usage.add(tokens=frame[2])
                return frame[1]
            _, path, message, code = frame[:4]
            if len(frame) > 4:
                self.usage.add(tokens=frame[4])
            raise _rebuild_error(path, message, code)

    def _call(self, doing: str, request: tuple[Any, ...], timeout: float) -> Any:
        with self._lock:
            if self._dead is not None:
                raise self._dead
            if self._proc is None:  # stopped after a timeout: a fresh worker
                self._start()
            try:
                _send(self._to_child, request)
            except _Closed:
                raise self._crashed(doing) from None
            return self._wait_reply(doing, timeout)

    # -- the Summarizer interface

    @property
    def model_id(self) -> str:
        return self._model_id

    @property
    def writer_version(self) -> str:
        return self._writer_version

    def summarize(self, request: SummaryRequest) -> Sections:
        doing = f"while summarizing {request.paper.id}"
        sections = self._call(doing, ("call", "summarize", (request,)), self.answer_timeout)
        self.served += 1
        return sections  # type: ignore[no-any-return]

    def count_tokens(self, text: str) -> int:
        return int(self._call("while counting tokens", ("call", "count_tokens", (text,)), 120))

    def call(self, method: str, *args: Any) -> Any:
        """Any other method of the hosted summarizer (its arguments and result are pickled)."""
        return self._call(f"in {method}", ("call", method, args), self.answer_timeout)

    def __getattr__(self, name: str) -> Any:
        """Other attributes of the hosted summarizer (``n_ctx``, ``calls``), fetched by value."""
        if name.startswith("_") or "_lock" not in self.__dict__:
            raise AttributeError(name)
        return self._call(f"reading {name}", ("getattr", name), 120)

    def close(self) -> None:
        with self._lock:
            if self._proc is None:
                return
            try:
                _send(self._to_child, ("close",))
                self._proc.wait(timeout=30)
            except (_Closed, subprocess.TimeoutExpired):
                pass
            self._kill()


def local_summarizer(
    model_path: str | None = None, options: dict[str, Any] | None = None
) -> Summarizer:
    """The ``local`` backend: checked here, run in a worker process (unless
    ``PAPERDIGEST_LOCAL_WORKER=0``)."""
    from .local import LocalSummarizer

    if os.environ.get(WORKER_ENV) == "0":
        return LocalSummarizer(model_path, options)
    LocalSummarizer(model_path, options, load=False)  # refusals cost no process
    return WorkerSummarizer(LOCAL_TARGET, {"model_path": model_path, "options": options})


# -- the child's side ---------------------------------------------------------------------------


def _load(target: str) -> Any:
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


def _serve(read_fd: int, write_fd: int) -> None:
    os.dup2(2, 1)  # stray prints (Python or native) go to stderr, never into the protocol
    sys.stdout = sys.stderr
    no_core_dumps()
    # Ctrl-C reaches the whole process group: the parent handles it (and closes us), so the
    # answer being made is finished and saved rather than lost half-way.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        _, target, kwargs, path = _receive(read_fd)
    except (_Closed, EOFError):
        return
    sys.path[:0] = [p for p in path if p not in sys.path]
    try:
        hosted: Summarizer = _load(target)(**kwargs)
    except BaseException as exc:
        _send(write_fd, _error_frame(exc))
        return
    _tick_on_progress(hosted, write_fd)
    _send(write_fd, ("ok", {
        "name": hosted.name,
        "model_id": hosted.model_id,
        "writer_version": hosted.writer_version,
        "max_concurrency": hosted.max_concurrency,
        "languages": hosted.languages,
        "input_budget_tokens": hosted.input_budget_tokens,
    }, 0))  # fmt: skip
    try:
        while True:
            try:
                frame = _receive(read_fd)
            except (_Closed, EOFError):
                break
            if frame[0] == "close":
                break
            before = hosted.usage.tokens
            try:
                if frame[0] == "getattr":
                    value = getattr(hosted, frame[1])
                else:
                    value = getattr(hosted, frame[1])(*frame[2])
            except BaseException as exc:
                _send(write_fd, (*_error_frame(exc), hosted.usage.tokens - before))
                if not isinstance(exc, Exception):
                    raise
                continue
            _send(write_fd, ("ok", value, hosted.usage.tokens - before))
    finally:
        hosted.close()


def _tick_on_progress(hosted: Summarizer, write_fd: int) -> None:
    """Send a tick (at most one a second) whenever llama.cpp decodes: each prompt batch and each
    generated token. The parent's timeout is then "no progress at all", so a slow machine is
    never mistaken for a stuck generation. Falls back to a tick after each answer."""
    llm = getattr(hosted, "llm", None)
    ctx = getattr(llm, "_ctx", None)
    decode = getattr(ctx, "decode", None)
    last = [0.0]

    def tick() -> None:
        now = time.monotonic()
        if now - last[0] >= 1.0:
            last[0] = now
            _send(write_fd, ("tick",))

    if decode is not None:

        def ticking_decode(*args: Any, **kwargs: Any) -> Any:
            result = decode(*args, **kwargs)
            tick()
            return result

        ctx.decode = ticking_decode  # type: ignore[union-attr]
        return
    create = getattr(llm, "create_chat_completion", None)
    if create is None:
        return

    def ticking(*args: Any, **kwargs: Any) -> Any:
        result = create(*args, **kwargs)
        tick()
        return result

    llm.create_chat_completion = ticking  # type: ignore[union-attr]


def main() -> None:
    read_fd, write_fd = int(sys.argv[1]), int(sys.argv[2])
    with contextlib.suppress(_Closed):
        _serve(read_fd, write_fd)


if __name__ == "__main__":
    main()


__all__ = ["WorkerCrashed", "WorkerSummarizer", "local_summarizer"]
