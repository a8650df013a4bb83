from __future__ import annotations

import json
import subprocess
import sys
from collections import deque
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from conftest import SHARED_DAY
from fakes import FakeHF, FakeOpenAI, Reply, chat_reply, default_sections, hf_item, sections_reply
from paperdigest.cli import cli
from paperdigest.store import Store


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def digest_args(tmp_path: Path, server: FakeOpenAI, *extra: str) -> list[str]:
    return ["digest", "--source", f"file:{SHARED_DAY}", "--backend", "openai",
            "--base-url", server.base_url, "--model", "fake-model",
            "--db", str(tmp_path / "p.db"), "--out", str(tmp_path / "out"), "--repairs", "0",
            *extra]


def test_day_through_openai_server_then_rerun_is_free(
    tmp_path: Path, fake_openai: FakeOpenAI, shared_day: list[dict]
) -> None:
    first = run(*digest_args(tmp_path, fake_openai))
    assert first.exit_code == 0, first.stderr
    path = Path(first.stdout.strip().splitlines()[-1])
    assert path == tmp_path / "out" / "2024" / "07" / "22.md"
    assert "16 listed, 16 summarized now, 0 reused, 0 failed" in first.stderr
    assert len(fake_openai.chat_requests) == 16
    body = fake_openai.chat_requests[0]
    assert body["model"] == "fake-model"
    assert body["response_format"]["type"] == "json_schema"
    schema = body["response_format"]["json_schema"]["schema"]
    assert schema["required"] == ["whats_new", "technical_details", "performance_highlights"]
    assert any("제목:" in m["content"] for m in body["messages"])  # the Korean prompt file
    text = path.read_text(encoding="utf-8")
    assert text.count("\n### [") == 16
    assert "- **What's New**: 이 논문은 Internal Consistency and Self-Feedback" in text

    second = run(*digest_args(tmp_path, fake_openai))
    assert second.exit_code == 0
    assert "0 summarized now, 16 reused" in second.stderr
    assert len(fake_openai.chat_requests) == 16  # no request at all on the rerun
    assert path.read_text(encoding="utf-8") == text

    forced = run(*digest_args(tmp_path, fake_openai, "--force", "--limit", "3"))
    assert forced.exit_code == 0 and "3 summarized now" in forced.stderr
    assert len(fake_openai.chat_requests) == 19
    with Store(tmp_path / "p.db") as store:
        assert store.count_summaries() == 16  # --force replaced, never duplicated
        runs = store.runs()
        assert [r["status"] for r in runs] == ["ok", "ok", "ok"]
        assert runs[-1]["summarized"] == 16 and runs[1]["reused"] == 16


def test_concurrency_is_bounded(tmp_path: Path, shared_day: list[dict]) -> None:
    with FakeOpenAI(latency=0.2) as server:
        result = run(*digest_args(tmp_path, server, "--concurrency", "3"))
        assert result.exit_code == 0
        assert server.max_in_flight == 3


def test_invalid_answers_are_retried_then_only_that_paper_fails(
    tmp_path: Path, shared_day: list[dict]
) -> None:
    def responder(request: dict) -> Reply:
        sections = default_sections(request)
        if "LazyLLM" in json.dumps(request, ensure_ascii=False):
            return chat_reply("Sure! Here is the summary: whats_new ...")  # never JSON
        if "EVLM" in json.dumps(request, ensure_ascii=False):
            del sections["performance_highlights"]
            return sections_reply(sections)
        return sections_reply(sections)

    with FakeOpenAI(responder) as server:
        server.script.append(chat_reply("{not json"))  # the very first answer is broken
        result = run(*digest_args(tmp_path, server, "--concurrency", "1"))
    assert result.exit_code == 1
    assert "failed: 2407.14057: no valid answer after 3 tries: the answer is not JSON" in (
        result.stderr)
    assert "failed: 2407.14177: no valid answer after 3 tries: the answer lacks " \
           "performance_highlights" in result.stderr
    assert "14 summarized now, 0 reused, 2 failed" in result.stderr
    text = Path(result.stdout.strip().splitlines()[-1]).read_text(encoding="utf-8")
    assert text.count("\n### [") == 14 and "LazyLLM" not in text
    # 16 papers, 1 broken first answer retried, 2 papers x 3 tries
    assert len(server.chat_requests) == 14 + 1 + 2 * 3


def test_server_errors_are_retried_with_retry_after(tmp_path: Path, shared_day: list) -> None:
    with FakeOpenAI() as server:
        server.script.extend([Reply(500, {"error": {"message": "boom"}}),
                              Reply(429, {"error": {"message": "slow down"}},
                                    {"Retry-After": "0.1"})])
        result = run(*digest_args(tmp_path, server, "--limit", "2", "--concurrency", "1"))
    assert result.exit_code == 0, result.stderr
    assert len(server.chat_requests) == 4


def test_missing_key_names_the_variable(tmp_path: Path) -> None:
    result = run("digest", "--source", f"file:{SHARED_DAY}", "--backend", "openai",
                 "--db", str(tmp_path / "p.db"), "--out", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert "OPENAI_API_KEY" in result.stderr
    assert not (tmp_path / "out").exists()


def test_unreachable_server_is_one_clear_line(tmp_path: Path) -> None:
    result = run("digest", "--source", f"file:{SHARED_DAY}", "--backend", "openai",
                 "--base-url", "http://127.0.0.1:9/v1", "--model", "m",
                 "--db", str(tmp_path / "p.db"), "--out", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert "cannot reach the LLM server at http://127.0.0.1:9/v1" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_model_is_picked_when_the_server_has_exactly_one(
    tmp_path: Path, fake_openai: FakeOpenAI, shared_day: list
) -> None:
    args = digest_args(tmp_path, fake_openai, "--limit", "1")
    args.remove("--model")
    args.remove("fake-model")
    result = run(*args)
    assert result.exit_code == 0 and "[openai: fake-model]" in result.stderr
    with FakeOpenAI(models=("a", "b")) as two:
        args = digest_args(tmp_path, two, "--limit", "1")
        args.remove("--model")
        args.remove("fake-model")
        result = run(*args)
    assert result.exit_code == 2 and "choose one with --model" in result.stderr


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--date", "2024-13-01"], "is not a date"),
        (["--date", "2999-01-01"], "is in the future"),
        (["--backend", "gpt"], "unknown backend 'gpt'"),
        (["--source", "rss"], "unknown source 'rss'"),
        (["--lang", "xx"], "no prompts for language 'xx'"),
        (["--source", "file:/nonexistent/x.json"], "saved response not found"),
        (["--limit", "0"], "--limit"),
        (["-o", "temprature=1", "--backend", "openai", "--base-url", "http://127.0.0.1:9/v1",
          "--model", "m"], "temprature"),
    ],
)
def test_usage_and_configuration_errors_exit_2(tmp_path: Path, args: list[str],
                                               words: str) -> None:
    base = ["digest", "--source", f"file:{SHARED_DAY}", "--backend", "extractive", "--lang", "en",
            "--db", str(tmp_path / "p.db"), "--out", str(tmp_path / "out")]
    result = run(*base, *args)
    assert result.exit_code == 2, result.output
    assert words in result.stderr
    assert not (tmp_path / "out").exists()


def test_malformed_saved_json_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('[{"paper": {"id": "2401.00001", "title": "x"}, "title": "x"}, 3]')
    result = run("digest", "--source", f"file:{bad}", "--date", "2024-01-01", "--lang", "en",
                 "--backend", "extractive", "--db", str(tmp_path / "p.db"), "--out",
                 str(tmp_path / "out"))
    assert result.exit_code == 2
    assert "item 1 is a int, expected an object" in result.stderr


def test_a_bad_saved_file_or_database_fails_before_the_model_is_touched(tmp_path: Path) -> None:
    """The local backend would assemble or load a 1 GB model first; a typo in --source or an
    unusable --db must be reported at once instead (here the model path does not even exist)."""
    bad = tmp_path / "bad.json"
    bad.write_text('{"oops": 1')
    model = ["--backend", "local", "--model-path", str(tmp_path / "missing.gguf")]
    result = run("digest", "--source", f"file:{bad}", "--date", "2024-07-22", *model,
                 "--db", str(tmp_path / "p.db"), "--out", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert "bad.json is not valid JSON" in result.stderr
    assert "missing.gguf" not in result.stderr
    assert not (tmp_path / "p.db").exists()  # nothing was set up for a run that cannot start

    not_a_db = tmp_path / "text.db"
    not_a_db.write_text("just text, not SQLite " * 100)
    result = run("digest", "--source", f"file:{SHARED_DAY}", *model, "--db", str(not_a_db),
                 "--out", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert "cannot open database" in result.stderr and "missing.gguf" not in result.stderr

    result = run("digest", "--source", f"file:{SHARED_DAY}", *model, "--db",
                 str(tmp_path / "p.db"), "--out", str(tmp_path / "out"))
    assert result.exit_code == 2
    # with good inputs, the backend's own error shows (without the extra: what to install)
    import importlib.util

    own = "missing.gguf" if importlib.util.find_spec("llama_cpp") else "pip install"
    assert own in result.stderr


def test_hf_weekend_day_exits_0_and_writes_no_digest(tmp_path: Path, fake_hf: FakeHF,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAPERDIGEST_HF_URL", fake_hf.url)
    result = run("digest", "--date", "2024-07-20", "--backend", "extractive", "--lang", "en",
                 "--db", str(tmp_path / "p.db"), "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.stderr
    assert "no papers listed for 2024-07-20" in result.stderr
    assert result.stdout == "" and not (tmp_path / "out").exists()


def test_hf_two_pages_end_to_end(tmp_path: Path, fake_hf: FakeHF, fake_openai: FakeOpenAI,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAPERDIGEST_HF_URL", fake_hf.url)
    fake_hf.days["2024-07-22"] = [hf_item(f"2407.{i:05d}", f"Paper number {i}", upvotes=i)
                                  for i in range(55)]
    result = run("digest", "--date", "2024-07-22", "--backend", "openai",
                 "--base-url", fake_openai.base_url, "--model", "fake-model",
                 "--concurrency", "8", "--db", str(tmp_path / "p.db"),
                 "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.stderr
    assert "55 listed, 55 summarized now" in result.stderr
    text = Path(result.stdout.strip().splitlines()[-1]).read_text()
    assert text.index("Paper number 54") < text.index("Paper number 53")  # vote order


def test_extractive_is_deterministic_and_english(tmp_path: Path, shared_day: list) -> None:
    args = ["digest", "--source", f"file:{SHARED_DAY}", "--backend", "extractive", "--lang", "en",
            "--db", str(tmp_path / "p.db"), "--out"]
    a = run(*args, str(tmp_path / "a"))
    b = CliRunner(env={"PAPERDIGEST_HOME": str(tmp_path / "other")}).invoke(
        cli, [*args[:-3], "--db", str(tmp_path / "q.db"), "--out", str(tmp_path / "b")])
    assert a.exit_code == 0 and b.exit_code == 0
    ta = Path(a.stdout.strip().splitlines()[-1]).read_text()
    tb = Path(b.stdout.strip().splitlines()[-1]).read_text()
    assert ta == tb
    assert a.stdout.strip().splitlines()[-1].endswith("2024/07/22.en.md")
    assert "LazyLLM" in ta


def test_korean_from_an_english_only_backend_is_refused(tmp_path: Path,
                                                        shared_day: list) -> None:
    """The language seam: the extractive backend writes English, so asking it for Korean (the
    default) is refused in one line before anything is stored; --lang en is the way."""
    result = run("digest", "--source", f"file:{SHARED_DAY}", "--backend", "extractive",
                 "--db", str(tmp_path / "p.db"), "--out", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines()[-1] == (
        "error: the extractive backend writes only English, not Korean: pass --lang en for a "
        "digest in English, or use a backend that writes it (--backend local with the local "
        "extra, or --backend openai with --base-url/OPENAI_API_KEY)")
    assert not (tmp_path / "p.db").exists() and not (tmp_path / "out").exists()


def test_auto_says_which_backend_it_chose_and_why(tmp_path: Path, shared_day: list,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import paperdigest.summarize as summarize

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.setattr(summarize, "local_available", lambda: False)
    refused = run("digest", "--source", f"file:{SHARED_DAY}", "--backend", "auto",
                  "--db", str(tmp_path / "p.db"), "--out", str(tmp_path / "out"))
    assert refused.exit_code == 2
    assert "note: --backend auto chose extractive: no server is configured" in refused.stderr
    assert "error: the extractive backend (auto: no server is configured" in refused.stderr
    english = run("digest", "--source", f"file:{SHARED_DAY}", "--backend", "auto", "--lang",
                  "en", "--limit", "2", "--db", str(tmp_path / "p.db"), "--out",
                  str(tmp_path / "out"))
    assert english.exit_code == 0, english.stderr
    path = english.stdout.strip().splitlines()[-1]
    assert path.endswith("2024/07/22.en.md")
    status = run("status", "--db", str(tmp_path / "p.db"), "--date", "2024-07-22", "--lang", "en")
    assert status.exit_code in (0, 1)


def test_python_dash_m_runs(tmp_path: Path, shared_day: list) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "paperdigest", "digest", "--source", f"file:{SHARED_DAY}",
         "--backend", "extractive", "--lang", "en", "--db", str(tmp_path / "p.db"), "--out",
         str(tmp_path / "out"), "--limit", "2"],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1].endswith("2024/07/22.en.md")


def test_garbage_bodies_are_retried_as_invalid_answers(tmp_path: Path, shared_day: list) -> None:
    with FakeOpenAI() as server:
        server.script.extend([Reply(200, b"this is not json {"), Reply(200, {"choices": "weird"}),
                              Reply(200, {"choices": [{"index": 0, "message": {"role": "x"}}]})])
        result = run(*digest_args(tmp_path, server, "--limit", "1"))
    assert result.exit_code == 1
    assert "failed: 2407.14507: no valid answer after 3 tries: the server's answer has no " \
           "message content" in result.stderr
    assert len(server.chat_requests) == 3


def test_inputs_are_built_while_earlier_papers_are_summarized(tmp_path: Path,
                                                              shared_day: list) -> None:
    """Slow inputs (a full-text fetch) overlap with summarizing: the first request reaches the
    server before the last input is built."""
    import time

    from paperdigest.digest import DigestOptions, run_digest
    from paperdigest.prompts import abstract_input, load_prompts
    from paperdigest.sources.file_snapshot import FileSource
    from paperdigest.summarize import BackendConfig, make_summarizer

    built: list[float] = []

    def slow_input(paper):  # type: ignore[no-untyped-def]
        time.sleep(0.05)
        built.append(time.monotonic())
        return abstract_input(paper)

    arrivals: list[float] = []

    def responder(request: dict) -> Reply:
        arrivals.append(time.monotonic())
        return sections_reply(default_sections(request))

    with FakeOpenAI(responder) as server, Store(tmp_path / "p.db") as store:
        summarizer = make_summarizer(BackendConfig(name="openai", base_url=server.base_url,
                                                   model="fake-model"))
        result = run_digest(FileSource(SHARED_DAY), store, summarizer, load_prompts("ko"),
                            DigestOptions(day=None, out_dir=tmp_path / "out", repairs=0),
                            build_input=slow_input)
    assert result.summarized == 16 and len(built) == 16
    assert min(arrivals) < max(built)


def test_hf_unreachable_uses_the_stored_list_or_exits_3(
        tmp_path: Path, fake_hf: FakeHF, monkeypatch: pytest.MonkeyPatch) -> None:
    """Hugging Face down is not "a paper failed" (exit 1): with no list of the day stored it is
    exit 3 and one line; with the list stored by an earlier run, the day is digested from it."""
    monkeypatch.setenv("PAPERDIGEST_HF_URL", fake_hf.url)
    args = ["digest", "--date", "2024-07-22", "--backend", "extractive", "--lang", "en",
            "--db", str(tmp_path / "p.db"), "--out", str(tmp_path / "out")]
    fake_hf.replies["2024-07-22"] = deque([Reply(400, {"error": "Bad request"})])
    down = run(*args)
    assert down.exit_code == 3, down.stderr
    assert "HTTP 400" in down.stderr and "nothing was summarized" in down.stderr
    assert len(down.stderr.strip().splitlines()) == 1 and "Traceback" not in down.stderr
    assert not (tmp_path / "out").exists()

    fake_hf.days["2024-07-22"] = [hf_item("2407.00001", "A paper on retrieval", upvotes=3,
                                          abstract="We propose a retriever. It is fast.")]
    first = run(*args)
    assert first.exit_code == 0, first.stderr
    digest = Path(first.stdout.strip().splitlines()[-1])
    digest.unlink()
    fake_hf.replies["2024-07-22"] = deque([Reply(400, {"error": "Bad request"})])
    again = run(*args)
    assert again.exit_code == 0, again.stderr
    assert "using the list of 2024-07-22 stored earlier (1 papers)" in again.stderr
    assert "A paper on retrieval" in digest.read_text(encoding="utf-8")
