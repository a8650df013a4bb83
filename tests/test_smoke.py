"""The smoke test: llama.cpp generating from a 512+-token prompt in a child process. The child
uses a stand-in llama_cpp (tests/fake_llama) that dies of SIGILL on long prompts, so the crash
path runs on any machine; the real build is smoke-tested by scripts/setup."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from paperdigest.cli import cli
from paperdigest.summarize.smoke import MIN_PROMPT_TOKENS, run_smoke
from test_local import tiny_meta, write_gguf

FAKE = Path(__file__).resolve().parent / "fake_llama"


@pytest.fixture
def model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PYTHONPATH", str(FAKE))
    monkeypatch.delenv("FAKE_LLAMA_CRASH", raising=False)
    return write_gguf(tmp_path / "tiny.gguf", tiny_meta())


def test_a_build_that_dies_on_a_long_prompt_is_one_line_with_the_fix(
    model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_LLAMA_CRASH", "long")
    result = run_smoke(str(model))
    assert not result.ok and result.crashed and result.signal == "SIGILL"
    assert "\n" not in result.message
    assert f"a {MIN_PROMPT_TOKENS}+-token prompt" in result.message
    assert "illegal instruction" in result.message
    assert "fix: run `scripts/setup local --portable`" in result.message

    # the form scripts/setup reads: JSON on stdout, exit 2
    proc = subprocess.run(
        [sys.executable, "-m", "paperdigest.summarize.smoke", "--json", "--model-path",
         str(model)], capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 2
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    assert data["crashed"] is True and data["signal"] == "SIGILL"


def test_model_verify_runs_the_smoke_test_and_exits_2_on_a_crash(
    model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ok = CliRunner().invoke(cli, ["model", "verify", "--model-path", str(model)])
    assert ok.exit_code == 0, ok.output
    assert "ok: smoke test: " in ok.stdout and "-token prompt" in ok.stdout

    monkeypatch.setenv("FAKE_LLAMA_CRASH", "long")
    bad = CliRunner().invoke(cli, ["model", "verify", "--model-path", str(model)])
    assert bad.exit_code == 2
    errors = [line for line in bad.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "SIGILL" in errors[0] and "--portable" in errors[0]
    skipped = CliRunner().invoke(cli, ["model", "verify", "--model-path", str(model),
                                       "--no-smoke"])  # fmt: skip
    assert skipped.exit_code == 0


def test_the_prompt_is_long_enough(model: Path) -> None:
    result = run_smoke(str(model))
    assert result.ok and result.prompt_tokens > MIN_PROMPT_TOKENS
