"""Self-update: a summary that fails a check is asked for again, through a real loopback server."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from fakes import FakeOpenAI, Reply, hf_item, sections_reply
from foonet import ABSTRACT, GOOD, INVENTED
from paperdigest.checks import checks_version
from paperdigest.cli import cli
from paperdigest.digest.plan import Reuse, Summarize, make_key, plan_day
from paperdigest.models import Paper, Sections, Summary
from paperdigest.store import Store
from paperdigest.store.checks import load_checks

PAPER_ID = "2407.14057"
WRONG_NAME = dict(GOOD, whats_new=GOOD["whats_new"].replace("FooNet", "LazyLLM"))  # fails names
FEEDBACK_INTRO = "이전 요약에서 다음 문제가 발견되었습니다"


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "day.json"
    item = hf_item(PAPER_ID, "FooNet: Lazy Token Pruning", upvotes=18, abstract=ABSTRACT)
    path.write_text(json.dumps([item]), encoding="utf-8")
    return path


def run(tmp_path: Path, source: Path, server: FakeOpenAI, *extra: str) -> Result:
    args = [
        "digest",
        "--source",
        f"file:{source}",
        "--backend",
        "openai",
        "--base-url",
        server.base_url,
        "--model",
        "fake-model",
        "--db",
        str(tmp_path / "p.db"),
        "--out",
        str(tmp_path / "out"),
        *extra,
    ]
    return CliRunner().invoke(cli, args, catch_exceptions=False)


def user_message(request: dict[str, Any]) -> str:
    return next(m["content"] for m in request["messages"] if m["role"] == "user")


def digest_text(result: Result) -> str:
    return Path(result.stdout.strip().splitlines()[-1]).read_text(encoding="utf-8")


def test_a_failing_answer_is_repaired_with_the_problems_in_the_prompt(
    tmp_path: Path, source: Path, fake_openai: FakeOpenAI
) -> None:
    fake_openai.script.extend([sections_reply(INVENTED), sections_reply(GOOD)])
    report = tmp_path / "report.json"
    result = run(tmp_path, source, fake_openai, "--report", str(report))
    assert result.exit_code == 0, result.stderr
    requests = fake_openai.chat_requests
    assert len(requests) == 2
    assert FEEDBACK_INTRO not in user_message(requests[0])
    second = user_message(requests[1])
    assert FEEDBACK_INTRO in second
    assert "3.12배" in second and "16" in second  # the numbers check's message
    assert "2.34x" in second  # the key-figure check's message
    text = digest_text(result)
    assert "2.34배 높였습니다" in text and "3.12배" not in text
    assert "1 summarized now, 0 reused, 0 failed, 0 flagged" in result.stderr
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["flagged"] == [] and data["repaired"] == 1 and data["checked"] == 1
    with Store(tmp_path / "p.db") as store:
        summary = store.latest_summary(PAPER_ID, "ko")
        assert summary is not None and summary.id is not None
        assert summary.status == "ok"
        record = load_checks(store, summary.id)
        assert record is not None and record.ok
        assert record.attempts == [
            {"attempt": 1, "failed": ["key_figures", "numbers"]},
            {"attempt": 2, "failed": []},
        ]
        assert "numbers" in record.checks


def test_a_summary_still_failing_is_flagged_and_a_rerun_leaves_it_alone(
    tmp_path: Path, source: Path
) -> None:
    answers = iter(range(100))

    def always_wrong(request: dict[str, Any]) -> Reply:  # a different wrong number each time
        n = next(answers)
        return sections_reply(
            dict(
                INVENTED,
                performance_highlights=f"속도를 3.1{n}배 높였고 16개의 데이터셋에서 평가했습니다.",
            )
        )

    with FakeOpenAI(always_wrong) as server:
        report = tmp_path / "report.json"
        first = run(tmp_path, source, server, "--repairs", "2", "--report", str(report))
        assert first.exit_code == 0, first.stderr
        assert len(server.chat_requests) == 3  # one answer and two repairs
        last_lines = first.stderr.strip().splitlines()[-2:]
        assert "1 flagged" in last_lines[0]
        assert last_lines[1].startswith(f"flagged: {PAPER_ID}: numbers: Performance Highlights")
        assert "key_figures:" in last_lines[1]
        # What people read is the finding; the instruction is for the model's repair round only.
        assert "Use only numbers" not in last_lines[1]
        assert "Include at least one" not in last_lines[1]
        repair_prompt = json.dumps(server.chat_requests[1], ensure_ascii=False)
        assert "Use only numbers that are in the text." in repair_prompt
        data = json.loads(report.read_text(encoding="utf-8"))
        (flagged,) = data["flagged"]
        assert flagged["id"] == PAPER_ID and flagged["attempts"] == 3
        assert {p["check"] for p in flagged["problems"]} == {"numbers", "key_figures"}
        with Store(tmp_path / "p.db") as store:
            summary = store.latest_summary(PAPER_ID, "ko")
            assert summary is not None and summary.status == "flagged"

        rerun = run(tmp_path, source, server, "--report", str(report))
        assert rerun.exit_code == 0
        assert len(server.chat_requests) == 3  # a finished day reruns for free
        assert "0 summarized now, 1 reused" in rerun.stderr
        assert f"flagged: {PAPER_ID}: numbers:" in rerun.stderr
        assert json.loads(report.read_text())["flagged"][0]["attempts"] == 0

        server.responder = lambda request: sections_reply(GOOD)
        repaired = run(tmp_path, source, server, "--repair-flagged")
        assert repaired.exit_code == 0, repaired.stderr
        assert len(server.chat_requests) == 4
        first_request = user_message(server.chat_requests[3])
        assert FEEDBACK_INTRO in first_request and "3.1" in first_request
        assert "0 flagged" in repaired.stderr, repaired.stderr
        assert "2.34배 높였습니다" in digest_text(repaired)
        with Store(tmp_path / "p.db") as store:
            assert store.count_summaries() == 1
            summary = store.latest_summary(PAPER_ID, "ko")
            assert summary is not None and summary.status == "ok"


def test_the_best_attempt_is_kept(tmp_path: Path, source: Path, fake_openai: FakeOpenAI) -> None:
    # one failed check, then two (numbers + key figures), then two again: the first is best
    fake_openai.script.extend(
        [sections_reply(WRONG_NAME), sections_reply(INVENTED), sections_reply(INVENTED)]
    )
    result = run(tmp_path, source, fake_openai, "--repairs", "2")
    assert result.exit_code == 0
    assert len(fake_openai.chat_requests) == 3
    text = digest_text(result)
    assert "LazyLLM은 긴 프롬프트" in text
    assert f"flagged: {PAPER_ID}: names: What's New names things" in result.stderr


def test_the_same_answer_again_ends_the_repairs(tmp_path: Path, source: Path) -> None:
    with FakeOpenAI(lambda request: sections_reply(INVENTED)) as server:
        result = run(tmp_path, source, server, "--repairs", "5")
        assert result.exit_code == 0
        assert len(server.chat_requests) == 2  # asking a third time would not change it
        assert "1 flagged" in result.stderr


def test_no_repairs_asked(tmp_path: Path, source: Path, fake_openai: FakeOpenAI) -> None:
    fake_openai.script.append(sections_reply(INVENTED))
    result = run(tmp_path, source, fake_openai, "--repairs", "0")
    assert result.exit_code == 0
    assert len(fake_openai.chat_requests) == 1
    assert "1 flagged" in result.stderr


def test_a_repair_that_errors_keeps_the_first_answer(
    tmp_path: Path, source: Path, fake_openai: FakeOpenAI
) -> None:
    fake_openai.script.extend(
        [sections_reply(INVENTED), Reply(400, {"error": {"message": "context too long"}})]
    )
    result = run(tmp_path, source, fake_openai)
    assert result.exit_code == 0, result.stderr
    assert len(fake_openai.chat_requests) == 2
    assert "repairs stopped early" in result.stderr and "context too long" in result.stderr
    assert "3.12배" in digest_text(result)
    assert f"flagged: {PAPER_ID}: numbers:" in result.stderr


def test_extractive_summaries_are_checked_as_english(tmp_path: Path, source: Path) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "digest",
            "--source",
            f"file:{source}",
            "--backend",
            "extractive",
            "--lang",
            "en",
            "--db",
            str(tmp_path / "p.db"),
            "--out",
            str(tmp_path / "out"),
        ],
    )
    assert result.exit_code == 0, result.stderr
    assert "0 flagged" in result.stderr  # not "not written in Korean"
    with Store(tmp_path / "p.db") as store:
        summary = store.latest_summary(PAPER_ID, "en")
        assert summary is not None and summary.status == "ok"


# -- planning is pure ----------------------------------------------------------------------------


def _stored(status: str) -> tuple[Paper, dict[str, str], Summary]:
    paper = Paper(id=PAPER_ID, title="FooNet", abstract=ABSTRACT)
    inputs = {PAPER_ID: "Title: FooNet\n\nAbstract:\n" + ABSTRACT}
    key = make_key(
        paper, inputs[PAPER_ID], lang="ko", backend="openai", model="m", prompt_version="v"
    )
    summary = Summary(
        paper_id=PAPER_ID,
        lang="ko",
        backend="openai",
        model="m",
        prompt_version="v",
        input_hash=key.input_hash,
        sections=Sections(**INVENTED),
        created_at="2024-07-22T00:00:00Z",
        id=1,
        status=status,
    )
    return paper, inputs, summary


def _plan(status: str, **kwargs: Any) -> list[Reuse | Summarize]:
    paper, inputs, summary = _stored(status)
    key = make_key(
        paper, inputs[PAPER_ID], lang="ko", backend="openai", model="m", prompt_version="v"
    )
    return plan_day(
        [paper],
        inputs,
        {key: summary},
        lang="ko",
        backend="openai",
        model="m",
        prompt_version="v",
        stored_problems={key: ["numbers: 3.12배"]},
        **kwargs,
    )


def test_plan_reuses_flagged_summaries_unless_asked() -> None:
    (intent,) = _plan("flagged")
    assert isinstance(intent, Reuse)
    (intent,) = _plan("flagged", repair_flagged=True)
    assert isinstance(intent, Summarize)
    assert intent.problems == ("numbers: 3.12배",) and intent.previous is not None
    (intent,) = _plan("ok", repair_flagged=True)
    assert isinstance(intent, Reuse)
    (intent,) = _plan("ok", force=True)
    assert isinstance(intent, Summarize) and intent.previous is None and intent.problems == ()


def test_reused_summaries_stored_before_the_checks_are_checked_once(
    tmp_path: Path, source: Path, fake_openai: FakeOpenAI
) -> None:
    fake_openai.script.append(sections_reply(INVENTED))
    first = run(tmp_path, source, fake_openai, "--repairs", "0")
    assert first.exit_code == 0
    with Store(tmp_path / "p.db") as store:  # as if stored by a version without checks
        store.db.execute("DELETE FROM summary_checks")
        store.db.execute("UPDATE summaries SET status = 'ok'")
    again = run(tmp_path, source, fake_openai, "--report", str(tmp_path / "r.json"))
    assert len(fake_openai.chat_requests) == 1  # checked without asking the model
    assert json.loads((tmp_path / "r.json").read_text())["checked"] == 1
    assert f"flagged: {PAPER_ID}: numbers:" in again.stderr
    with Store(tmp_path / "p.db") as store:
        summary = store.latest_summary(PAPER_ID, "ko")
        assert summary is not None and summary.status == "flagged"
    assert dt.date(2024, 7, 22).isoformat() in again.stderr


def test_results_of_older_checks_are_checked_again_and_can_be_repaired_in_the_same_run(
    tmp_path: Path, source: Path, fake_openai: FakeOpenAI
) -> None:
    """After an upgrade whose checks catch more, a rerun checks stored summaries again (no LLM):
    one the old checks passed is flagged now, and --repair-flagged repairs it in that run."""
    vacuous = dict(GOOD, performance_highlights="실험 결과와 성능에 대해 설명합니다.")
    fake_openai.script.append(sections_reply(vacuous))
    first = run(tmp_path, source, fake_openai, "--repairs", "0")
    assert "1 flagged" in first.stderr and "leakage" in first.stderr
    with Store(tmp_path / "p.db") as store:  # as stored by an older paperdigest that passed it
        store.db.execute("UPDATE summary_checks SET problems = '[]', version = 'older'")
        store.db.execute("UPDATE summaries SET status = 'ok'")

    report = tmp_path / "r.json"
    again = run(tmp_path, source, fake_openai, "--report", str(report))
    assert len(fake_openai.chat_requests) == 1  # checked again without asking the model
    assert json.loads(report.read_text())["checked"] == 1
    assert f"flagged: {PAPER_ID}: leakage:" in again.stderr
    with Store(tmp_path / "p.db") as store:
        summary = store.latest_summary(PAPER_ID, "ko")
        assert summary is not None and summary.status == "flagged" and summary.id is not None
        record = load_checks(store, summary.id)
        assert record is not None and record.version == checks_version()

    third = run(tmp_path, source, fake_openai, "--report", str(report))
    assert json.loads(report.read_text())["checked"] == 0  # current results are not redone
    assert f"flagged: {PAPER_ID}: leakage:" in third.stderr

    with Store(tmp_path / "p.db") as store:
        store.db.execute("UPDATE summary_checks SET problems = '[]', version = 'older'")
        store.db.execute("UPDATE summaries SET status = 'ok'")
    fake_openai.responder = lambda request: sections_reply(GOOD)
    repaired = run(tmp_path, source, fake_openai, "--repair-flagged")
    assert repaired.exit_code == 0, repaired.stderr
    assert len(fake_openai.chat_requests) == 2
    assert "restates the instructions" in user_message(fake_openai.chat_requests[1])
    assert "0 flagged" in repaired.stderr


def test_checks_version_follows_the_registered_checks() -> None:
    from paperdigest.checks import CHECKS, register_check

    before = checks_version()
    assert before == checks_version()  # stable within a process

    @register_check("always_fine", "a test check")
    def always_fine(item: object) -> list[object]:
        return []

    try:
        assert checks_version() != before
    finally:
        del CHECKS["always_fine"]
    assert checks_version() == before


def test_repairing_a_flagged_summary_keeps_it_when_nothing_better_comes(
    tmp_path: Path, source: Path, fake_openai: FakeOpenAI
) -> None:
    fake_openai.script.append(sections_reply(WRONG_NAME))  # one failed check: names
    first = run(tmp_path, source, fake_openai, "--repairs", "0")
    assert "1 flagged" in first.stderr
    worse = dict(INVENTED, whats_new=WRONG_NAME["whats_new"])  # names, numbers, key figures
    fake_openai.responder = lambda request: sections_reply(worse)
    again = run(tmp_path, source, fake_openai, "--repair-flagged", "--repairs", "1")
    assert again.exit_code == 0
    assert len(fake_openai.chat_requests) == 3  # one answer and one repair
    assert "LazyLLM은 긴 프롬프트" in digest_text(again)
    assert "2.34배 높였습니다" in digest_text(again)  # the stored Performance Highlights
    with Store(tmp_path / "p.db") as store:
        summary = store.latest_summary(PAPER_ID, "ko")
        assert summary is not None and summary.status == "flagged"
        assert summary.sections.whats_new == WRONG_NAME["whats_new"]
