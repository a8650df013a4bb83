"""The summarizer worker process: a native crash mid-day, a stuck generation, stray output on
fd 1 and errors crossing the process boundary. No model: the worker hosts a test summarizer
(tests/crashing_summarizer.py) that kills itself with a real signal."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from conftest import SHARED_DAY
from crashing_summarizer import Crasher
from paperdigest import plugins
from paperdigest.cli import cli
from paperdigest.errors import BackendStopped, ConfigError, InvalidAnswer, WorkerCrashed
from paperdigest.models import Paper
from paperdigest.prompts import load_prompts
from paperdigest.store import Store
from paperdigest.summarize.base import SummaryRequest
from paperdigest.summarize.native import describe_exit
from paperdigest.summarize.worker import WorkerSummarizer

TARGET = "crashing_summarizer:Crasher"


@pytest.fixture
def crashtest(monkeypatch: pytest.MonkeyPatch, shared_day: list) -> pytest.MonkeyPatch:
    from crashing_summarizer import worker_factory

    table = plugins.registry().summarizers
    monkeypatch.setitem(
        table, "crashtest", plugins.Entry("crashtest", lambda config: worker_factory(), "tests")
    )
    for var in ("CRASH_ON", "CRASH_SIGNAL", "CRASH_HANG_ON", "CRASH_TIMEOUT"):
        monkeypatch.delenv(var, raising=False)
    return monkeypatch


def digest(tmp_path: Path, *extra: str) -> Result:
    args = ["digest", "--source", f"file:{SHARED_DAY}", "--backend", "crashtest",
            "--no-progress", "--no-fulltext", "--repairs", "0",
            "--db", str(tmp_path / "p.db"), "--out", str(tmp_path / "out"), *extra]  # fmt: skip
    return CliRunner().invoke(cli, args, catch_exceptions=False)


def request(n: int = 1) -> SummaryRequest:
    paper = Paper(id=f"2407.0000{n}", title=f"Paper {n}", abstract="We test 3 things.")
    return SummaryRequest(paper, "We test 3 things.", load_prompts("ko"))


def test_a_worker_killed_by_sigill_mid_day_keeps_the_finished_summaries(
    tmp_path: Path, crashtest: pytest.MonkeyPatch
) -> None:
    crashtest.setenv("CRASH_ON", "3")
    result = digest(tmp_path, "--limit", "5")
    assert result.exit_code == 1, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    line = errors[0]
    assert "the local model's process died while summarizing 2407." in line
    assert "SIGILL" in line and "illegal instruction" in line
    assert "scripts/setup local --portable" in line  # the command that fixes it
    assert "the 2 summaries made before it are saved" in line
    assert "Traceback" not in result.stderr
    with Store(tmp_path / "p.db") as store:
        assert store.count_summaries() == 2  # the finished ones are kept

    crashtest.delenv("CRASH_ON")  # fixed: the rerun reuses the two and does the rest
    again = digest(tmp_path, "--limit", "5")
    assert again.exit_code == 0, again.stderr
    assert "3 summarized now, 2 reused, 0 failed" in again.stderr


def test_a_crash_on_the_first_paper_exits_2(
    tmp_path: Path, crashtest: pytest.MonkeyPatch
) -> None:
    crashtest.setenv("CRASH_ON", "1")
    result = digest(tmp_path, "--limit", "3")
    assert result.exit_code == 2  # nothing could run
    assert "SIGILL" in result.stderr and "no paper was summarized" in result.stderr
    with Store(tmp_path / "p.db") as store:
        assert store.count_summaries() == 0


def test_an_oom_kill_is_named_with_its_likely_cause(
    tmp_path: Path, crashtest: pytest.MonkeyPatch
) -> None:
    crashtest.setenv("CRASH_ON", "2")
    crashtest.setenv("CRASH_SIGNAL", "SIGKILL")
    result = digest(tmp_path, "--limit", "3")
    assert result.exit_code == 1
    assert "SIGKILL" in result.stderr and "out-of-memory" in result.stderr


def test_a_stuck_generation_times_out_and_the_next_paper_gets_a_fresh_worker(
    tmp_path: Path, crashtest: pytest.MonkeyPatch
) -> None:
    crashtest.setenv("CRASH_HANG_ON", "2")
    crashtest.setenv("CRASH_TIMEOUT", "3")
    result = digest(tmp_path, "--limit", "3")
    assert result.exit_code == 1, result.stderr
    failed = [line for line in result.stderr.splitlines() if line.startswith("failed:")]
    assert len(failed) == 1 and "no progress for 3 s" in failed[0], result.stderr
    assert "2 summarized now, 0 reused, 1 failed" in result.stderr


def test_the_protocol_survives_output_on_fd_1(capfd: pytest.CaptureFixture[str]) -> None:
    worker = WorkerSummarizer(TARGET, {"noise": True})
    try:
        assert worker.name == "crashtest" and worker.model_id == "crash-model"
        assert worker.writer_version == "crash-writer-7"  # part of the reuse key, so it crosses
        assert worker.input_budget_tokens == 1234 and worker.max_concurrency == 1
        sections = worker.summarize(request())
        assert sections.whats_new.startswith("이 논문은 Paper 1")
        assert worker.count_tokens("one two three") == 3
        assert worker.papers == 1  # other attributes are read from the hosted summarizer
        assert worker.usage.tokens == 100
    finally:
        worker.close()
    captured = capfd.readouterr()
    assert "native noise on fd 1" not in captured.out  # the parent's stdout stays clean
    assert "native noise on fd 1" in captured.err and "python noise" in captured.err


def test_errors_keep_their_class_across_the_process() -> None:
    with pytest.raises(ConfigError, match="no such model"):
        WorkerSummarizer(TARGET, {"refuse": "no such model"})
    worker = WorkerSummarizer(TARGET, {"invalid_on": 1})
    try:
        with pytest.raises(InvalidAnswer, match="not JSON"):
            worker.summarize(request(1))
        assert worker.summarize(request(2)).whats_new  # the worker is still alive
    finally:
        worker.close()


def test_after_a_crash_every_call_raises_the_same_stop() -> None:
    worker = WorkerSummarizer(TARGET, {"crash_on": 2, "signal_name": "SIGSEGV"})
    try:
        worker.summarize(request(1))
        with pytest.raises(WorkerCrashed) as caught:
            worker.summarize(request(2))
        assert isinstance(caught.value, BackendStopped) and caught.value.exit_code == 1
        assert "SIGSEGV" in caught.value.message and "2407.00002" in caught.value.message
        with pytest.raises(WorkerCrashed):
            worker.count_tokens("x")
    finally:
        worker.close()


def test_describe_exit_names_signal_cause_and_fix() -> None:
    what, advice = describe_exit(-signal.SIGILL)
    assert what == "SIGILL" and "AMX" in advice and "fix: run `scripts/setup" in advice
    what, advice = describe_exit(-signal.SIGKILL)
    assert what == "SIGKILL" and "out-of-memory" in advice and "n_ctx" in advice
    assert describe_exit(3)[0] == "exit status 3"


def test_the_hosted_class_runs_in_another_process() -> None:
    worker = WorkerSummarizer(TARGET)
    try:
        assert worker.call("count_tokens", "a b") == 2
        assert worker._proc is not None and worker._proc.pid != os.getpid()
    finally:
        worker.close()
    assert Crasher.name == "crashtest"
