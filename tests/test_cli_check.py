"""``paperdigest check`` and ``paperdigest eval`` on the shared reference and on bad input."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from conftest import REFERENCE, SHARED_DAY
from paperdigest.cli import cli


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def shared(shared_day: list) -> tuple[Path, Path]:
    if not REFERENCE.exists():
        pytest.skip("../shared/reference is not present")
    return REFERENCE, SHARED_DAY


def test_check_the_reference_as_json(shared: tuple[Path, Path]) -> None:
    reference, source = shared
    result = run("check", str(reference), "--source", str(source), "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert len(data) == 16
    assert all(set(item) == {"id", "ok", "problems"} for item in data)
    by_id = {item["id"]: item for item in data}
    assert by_id["2407.14507"] == {"id": "2407.14507", "ok": True, "problems": []}
    lazy = by_id["2407.14057"]
    assert lazy["ok"] is False
    checks = {p["check"] for p in lazy["problems"]}
    assert {"numbers", "key_figures"} <= checks
    assert any("2.34x" in p["message"] for p in lazy["problems"])
    # the finding, and (for the model's repair round) what to do about it
    keys = {"check", "message", "advice"}
    assert all({"check", "message"} <= set(p) <= keys for p in lazy["problems"])
    scicode = by_id["2407.13168"]["problems"]
    assert any(p["check"] == "numbers" and "12.3%" in p["message"] for p in scicode)
    assert "1 of 16 papers pass" in result.stderr


def test_check_prints_readable_lines(shared: tuple[Path, Path]) -> None:
    reference, source = shared
    result = run("check", str(reference), "--source", str(source))
    assert result.exit_code == 1
    assert "ok   2407.14507  Internal Consistency" in result.stdout
    assert "FAIL 2407.14057  LazyLLM" in result.stdout
    assert "key_figures: Performance Highlights gives none" in result.stdout


def test_check_passes_a_faithful_digest(tmp_path: Path) -> None:
    abstract = "We introduce FooNet. FooNet accelerates decoding by 2.34x on long prompts."
    item = {
        "paper": {"id": "2407.00001", "title": "FooNet", "summary": abstract, "upvotes": 2},
        "title": "FooNet",
        "publishedAt": "2024-07-22",
    }
    source = tmp_path / "day.json"
    source.write_text(json.dumps([item]), encoding="utf-8")
    digest = tmp_path / "22.md"
    digest.write_text(
        "## Daily Papers (2024-07-22)\n\n### [FooNet](https://arxiv.org/abs/2407.00001)\n\n"
        "Vote: 2\n\nAuthors: A\n\n"
        "- **What's New**: FooNet은 긴 프롬프트를 빠르게 처리하는 새로운 방법입니다.\n"
        "- **Technical Details**: 디코딩 과정에서 불필요한 계산을 줄이는 구조를 사용합니다.\n"
        "- **Performance Highlights**: 긴 프롬프트에서 디코딩 속도를 2.34배 높였습니다.\n",
        encoding="utf-8",
    )
    result = run("check", str(digest), "--source", str(source), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [{"id": "2407.00001", "ok": True, "problems": []}]


def _write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_bad_input_exits_2_with_a_clear_message(shared: tuple[Path, Path], tmp_path: Path) -> None:
    reference, source = shared
    lines = reference.read_text(encoding="utf-8").splitlines(keepends=True)

    broken = _write(tmp_path, "broken.md", "".join([*lines[:6], "Votes: 31\n", *lines[7:]]))
    result = run("check", str(broken), "--source", str(source))
    assert result.exit_code == 2
    assert "error:" in result.stderr and "line 7: expected 'Vote: N'" in result.stderr

    empty = _write(
        tmp_path,
        "empty.md",
        "".join(
            line if not line.startswith("- **Technical Details**") else "- **Technical Details**:\n"
            for line in lines
        ),
    )
    result = run("check", str(empty), "--source", str(source))
    assert result.exit_code == 2 and "section of 2407.14507 is empty" in result.stderr

    data = json.loads(source.read_text(encoding="utf-8"))
    partial = _write(tmp_path, "partial.json", json.dumps(data[:10]))
    result = run("check", str(reference), "--source", str(partial), "--json")
    assert result.exit_code == 2
    assert "lacks 6 paper(s) the digest has" in result.stderr and "(line " in result.stderr

    latin = _write(tmp_path, "latin.md", reference.read_bytes().replace(b"Zifan", b"Zif\xe1n"))
    result = run("check", str(latin), "--source", str(source))
    assert result.exit_code == 2 and "is not UTF-8" in result.stderr

    bad_json = _write(tmp_path, "bad.json", b"\xff\xfe not json")
    result = run("check", str(reference), "--source", str(bad_json))
    assert result.exit_code == 2 and "is not UTF-8" in result.stderr

    result = run("check", str(tmp_path / "none.md"), "--source", str(source))
    assert result.exit_code == 2 and "digest not found" in result.stderr


def test_a_missing_section_is_a_check_failure_not_bad_input(
    shared: tuple[Path, Path], tmp_path: Path
) -> None:
    reference, source = shared
    text = reference.read_text(encoding="utf-8")
    first = text.index("- **Technical Details**")
    cut = text[:first] + text[text.index("\n", first) + 1 :]
    result = run("check", str(_write(tmp_path, "cut.md", cut)), "--source", str(source), "--json")
    assert result.exit_code == 1
    first_paper = json.loads(result.stdout)[0]
    assert first_paper["problems"] == [
        {"check": "structure", "message": "the Technical Details section is missing."}
    ]


# -- eval ----------------------------------------------------------------------------------------


def _rows(result: Result) -> dict[str, tuple[str, str]]:
    return {r["metric"]: (r["reference"], r["ours"]) for r in json.loads(result.stdout)["rows"]}


def test_eval_the_reference_against_itself(shared: tuple[Path, Path]) -> None:
    reference, source = shared
    args = ["eval", "--reference", str(reference), "--digest", str(reference)]
    table = run(*args, "--source", str(source))
    assert table.exit_code == 0, table.output
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["reference", "ours"]
    assert any(
        line.startswith("chrF vs the reference") and line.split()[-2:] == ["100.0", "100.0"]
        for line in lines
    )
    rows = _rows(run(*args, "--source", str(source), "--json"))
    assert list(rows)[:5] == [
        "papers in format",
        "mean Korean share",
        "summaries with unsupported numbers",
        "abstract numbers covered",
        "flagged papers",
    ]
    assert rows["papers in format"] == ("16/16", "16/16")
    assert rows["chrF vs the reference"] == ("100.0", "100.0")
    assert rows["mean Korean share"][0] == rows["mean Korean share"][1]
    ref_unsupported = rows["summaries with unsupported numbers"][0]
    assert ref_unsupported.endswith("/16") and int(ref_unsupported.split("/")[0]) >= 9


def test_eval_against_an_extractive_digest(shared: tuple[Path, Path], tmp_path: Path) -> None:
    reference, source = shared
    made = run(
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
    )
    assert made.exit_code == 0, made.stderr
    ours = made.stdout.strip().splitlines()[-1]
    result = run(
        "eval", "--reference", str(reference), "--digest", ours, "--source", str(source), "--json"
    )
    assert result.exit_code == 0
    rows = _rows(result)
    assert rows["summaries with unsupported numbers"][1] == "0/16"  # it copies the abstract
    assert rows["mean Korean share"][1] == "0%"
    assert 0 < float(rows["chrF vs the reference"][1]) < 50


def test_eval_without_sacrebleu_says_what_to_install(
    shared: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    reference, source = shared
    monkeypatch.setitem(sys.modules, "sacrebleu", None)
    monkeypatch.setitem(sys.modules, "sacrebleu.metrics", None)
    result = run(
        "eval", "--reference", str(reference), "--digest", str(reference), "--source", str(source)
    )
    assert result.exit_code == 2
    assert "pip install 'paperdigest[eval]'" in result.stderr
