"""The local backend without loading a model: prompts, token budgets, answers, GGUF headers,
model assembly and the refusals of bad input (exit 2, nothing written)."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import struct
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from paperdigest.cli import cli
from paperdigest.errors import ConfigError, InvalidAnswer
from paperdigest.models import SECTION_KEYS
from paperdigest.prompts import load_prompts
from paperdigest.summarize import local_model as lm
from paperdigest.summarize.decoding import (
    MAX_SENTENCE_CHARS,
    LatinStartPenalty,
    NumberGuard,
    parse_section_answer,
    source_numbers,
)
from paperdigest.summarize.local import CUT_NOTE, LocalSummarizer, context_size, fit_input

# These reach the local backend's checks of the model file, which come after its import of
# llama_cpp; without the `local` extra the install hint is the (one-line) error instead.
needs_llama_cpp = pytest.mark.skipif(
    importlib.util.find_spec("llama_cpp") is None, reason="the local extra is not installed"
)


# -- a GGUF header written by hand (no tensors: enough for everything before loading) ----------


def _gguf_string(text: str) -> bytes:
    data = text.encode("utf-8")
    return struct.pack("<Q", len(data)) + data


def _gguf_value(value: Any) -> bytes:
    if isinstance(value, str):
        return struct.pack("<I", 8) + _gguf_string(value)
    if isinstance(value, list):  # arrays of strings only
        items = b"".join(_gguf_string(v) for v in value)
        return struct.pack("<IIQ", 9, 8, len(value)) + items
    if isinstance(value, float):
        return struct.pack("<If", 6, value)
    return struct.pack("<II", 4, value)


def write_gguf(path: Path, meta: dict[str, Any]) -> Path:
    body = b"".join(_gguf_string(k) + _gguf_value(v) for k, v in meta.items())
    path.write_bytes(b"GGUF" + struct.pack("<IQQ", 3, 0, len(meta)) + body)
    return path


def tiny_meta(*, chat: bool = True, layers: int = 4) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "general.architecture": "llama",
        "general.name": "Tiny Test",
        "llama.context_length": 2048,
        "llama.block_count": layers,
        "llama.embedding_length": 256,
        "llama.attention.head_count": 8,
        "llama.attention.head_count_kv": 2,
        "llama.rope.freq_base": 10000.0,
        "tokenizer.ggml.tokens": ["<s>", "a", "b", "안녕"],
    }
    if chat:
        meta["tokenizer.chat_template"] = "{% for m in messages %}{{ m.content }}{% endfor %}"
    return meta


@pytest.fixture
def day_file(tmp_path: Path) -> Path:
    item = {
        "paper": {"id": "2407.00001", "title": "A Paper", "summary": "We do 3 things.",
                  "authors": [{"name": "A"}], "upvotes": 1, "publishedAt": "2024-07-19"},
        "publishedAt": "2024-07-22T00:00:00.000Z",
    }  # fmt: skip
    path = tmp_path / "day.json"
    path.write_text(json.dumps([item]), encoding="utf-8")
    return path


def run_digest(tmp_path: Path, day_file: Path, *args: str) -> Any:
    out, db = tmp_path / "out", tmp_path / "day.db"
    result = CliRunner().invoke(
        cli,
        ["digest", "--source", f"file:{day_file}", "--backend", "local", "--no-progress",
         "--no-fulltext", "--out", str(out), "--db", str(db), *args],
    )  # fmt: skip
    assert not out.exists() and not db.exists(), "a refused run must write nothing"
    return result


# -- prompts ---------------------------------------------------------------------------------


def test_section_prompts_share_the_paper_as_their_beginning() -> None:
    prompts = load_prompts("ko")
    text = "Title: T\n\nAbstract:\nWe prune tokens and gain 2.34x."
    users = [prompts.section(k, "T", text)[1]["content"] for k in SECTION_KEYS]
    head = users[0][: users[0].index(text) + len(text)]
    assert all(u.startswith(head) for u in users)  # the paper is evaluated once (KV cache)
    for key, user in zip(SECTION_KEYS, users, strict=True):
        assert user.index(text) < user.index(prompts.sections[key])


# -- token budgets -----------------------------------------------------------------------------


class WordTokenizer:
    """A real (if simple) tokenizer: one token per whitespace-separated word."""

    def __init__(self) -> None:
        self.vocab: list[str] = []

    def tokenize(self, text: str) -> list[int]:
        ids = []
        for word in text.split():
            if word not in self.vocab:
                self.vocab.append(word)
            ids.append(self.vocab.index(word))
        return ids

    def detokenize(self, ids: Any) -> str:
        return " ".join(self.vocab[i] for i in ids)


def test_fit_input_keeps_the_head_and_notes_the_cut() -> None:
    tok = WordTokenizer()
    head = "Title: Lazy Pruning Abstract: we prune tokens"
    text = head + " " + " ".join(f"body{i}" for i in range(200))
    fitted, cut = fit_input(text, 40, tok.tokenize, tok.detokenize)
    assert cut
    assert fitted.startswith(head)
    assert fitted.endswith(CUT_NOTE)
    assert len(tok.tokenize(fitted)) <= 40
    assert fit_input(head, 40, tok.tokenize, tok.detokenize) == (head, False)


def test_context_is_sized_from_the_budget_within_the_model(tmp_path: Path) -> None:
    info = lm.model_info(write_gguf(tmp_path / "small.gguf", tiny_meta()))
    assert context_size(info, 700, 3000, 360) == 2048  # capped by the model's 2048 tokens
    big_meta = {**tiny_meta(), "llama.context_length": 32768}
    big = lm.model_info(write_gguf(tmp_path / "big.gguf", big_meta))
    size = context_size(big, 700, 3000, 360)
    assert size % 512 == 0 and 700 + 3000 + 360 < size < 700 + 3000 + 360 + 512 + 64


# -- answers ------------------------------------------------------------------------------------


def test_parse_section_answer() -> None:
    answer = json.dumps({"sentences": ["첫 문장입니다.", "첫 문장입니다.", "  둘째\n문장입니다. "]})
    assert parse_section_answer(answer) == "첫 문장입니다. 둘째 문장입니다."
    cut = '{"sentences": ["완성된 문장입니다.", "끝나지 않은 문'
    assert parse_section_answer(cut, cut_off=True) == "완성된 문장입니다."
    with pytest.raises(InvalidAnswer, match="cut off"):
        parse_section_answer('{"sentences": ["끝나지 않', cut_off=True)
    with pytest.raises(InvalidAnswer):
        parse_section_answer("")
    with pytest.raises(InvalidAnswer):
        parse_section_answer('{"other": 1}')


def test_answers_that_echo_the_prompt_or_carry_json_debris_are_cleaned() -> None:
    prompt = (
        "당신은 인공지능 연구 논문을 한국어 독자에게 소개하는 전문 편집자입니다.\n결과를 쓰세요."
    )
    answer = json.dumps(
        {"sentences": ["모델은 빠릅니다.}", "{ sentences", "결과를 쓰세요.",
                       "이 모델은 인공지능 연구 논문을 한국어 독자에게 소개합니다. 둘째입니다."]}
    )  # fmt: skip
    assert parse_section_answer(answer, instructions=prompt) == "모델은 빠릅니다. 둘째입니다."
    with pytest.raises(InvalidAnswer, match="repeats the instructions"):
        parse_section_answer(json.dumps({"sentences": ["결과를 쓰세요."]}), instructions=prompt)
    # Sentences the leakage check flags as addressed to the writer go too (real 1.5B output).
    kept = "LazyLLM은 프리필링 단계를 2.34배 빠르게 합니다."
    vacuous = json.dumps({"sentences": [
        "이 논문은 새로운 방법을 제안하고, 이 방법은 현재의 연구와 비교하여 왜 중요한지 "
        "설명합니다.", kept, "2.34x를 포함하세요."]})  # fmt: skip
    assert parse_section_answer(vacuous, lang="ko") == kept
    assert parse_section_answer(vacuous).endswith("포함하세요.")  # no lang: literal echoes only
    labelled = json.dumps({"sentences": [
        "제목: SciCode: AResearch CodingBenchmark 본문은 현재 언어 모델들을 다룹니다.", kept]})
    assert parse_section_answer(labelled, lang="ko") == kept
    # Ended early by a stop string (not the token limit): the finished sentences stay.
    assert parse_section_answer('{"sentences": ["끝난 문장입니다.", "{\\"') == "끝난 문장입니다."


def test_a_run_on_sentence_closed_by_the_grammar_keeps_its_complete_part() -> None:
    run_on = "앞 문장은 끝났습니다. " + "계속" * MAX_SENTENCE_CHARS
    answer = json.dumps({"sentences": [run_on[:MAX_SENTENCE_CHARS], "다음 문장입니다."]})
    assert parse_section_answer(answer) == "앞 문장은 끝났습니다. 다음 문장입니다."


def test_latin_start_penalty_spares_parentheses_and_started_words() -> None:
    # ids: 0 "가"  1 " Lazy"  2 "LLM"  3 "("  4 "pruning"  5 ")"  6 " is"  7 "Benchmark"
    pieces = [b"\xea\xb0\x80", b" Lazy", b"LLM", b"(", b"pruning", b")", b" is", b"Benchmark"]
    spaced = np.array([p[:1] == b" " and p[1:2].isalpha() for p in pieces])
    attached = np.array([p[:1].isalpha() for p in pieces])
    prompt = [0, 0]

    def after(answer: list[int]) -> list[float]:
        """The costs for the next token of a fresh answer that has written ``answer``."""
        penalty = LatinStartPenalty(spaced, attached, 5.0, lambda t: pieces[t])
        penalty(np.array(prompt), np.zeros(len(pieces), dtype=np.float32))
        return list(penalty(np.array(prompt + answer), np.zeros(len(pieces), dtype=np.float32)))

    assert after([]) == [0, -5, -5, 0, -5, 0, -5, -5]  # after Hangul: any Latin start costs
    assert after([1]) == [0, -10, 0, 0, 0, 0, -10, 0]  # "Lazy"+"LLM" is free, " is" costs more
    assert after([1, 2, 3]) == [0] * 8  # inside parentheses: free
    assert after([1, 2, 3, 4, 5]) == [0, -10, -10, 0, -10, 0, -10, -10]  # closed again
    assert after([1, 2, 6, 6]) == [0, -20, 0, 0, 0, 0, -20, 0]  # an English run gets dearer
    assert after([1, 2, 6, 6, 0]) == [0, -5, -5, 0, -5, 0, -5, -5]  # back in Korean
    assert after([1, 7, 7])[7] == -5  # 22 letters glued into one word: going on costs too


def test_term_copy_writes_a_source_term_where_the_model_is_unsure() -> None:
    from paperdigest.summarize.decoding import TermCopy

    # ids: 0 "이" 1 " 캤" 2 " coup" 3 "ling" 4 "coup" 5 " 결합" 6 " " 7 "핑" 8 " vision"
    pieces = [b"\xec\x9d\xb4", b" \xec\xba\xa4", b" coup", b"ling", b"coup",
              b" \xea\xb2\xb0\xed\x95\xa9", b" ", b"\xed\x95\x91", b" vision"]
    terms = {"coupling": ([2, 3], [4, 3]), "vision": ([8], [8])}
    prompt = [0, 0]
    inf = float("-inf")

    def logits(probs: dict[int, float]) -> np.ndarray:
        rest = (1 - sum(probs.values())) / (len(pieces) - len(probs))
        return np.log(np.array([probs.get(t, rest) for t in range(len(pieces))]))

    def run(steps: list[tuple[int, dict[int, float]]]) -> tuple[list[int], TermCopy]:
        """Feed the processor: each step's distribution, then the token it allowed (or the
        given one when it changed nothing); the tokens written."""
        copier = TermCopy(terms, lambda t: pieces[t])
        copier(np.array(prompt), logits({0: 0.9}))
        written = [0]  # "이"
        for planned, probs in steps:
            scores = copier(np.array(prompt + written), logits(probs))
            allowed = [t for t in range(len(pieces)) if scores[t] != inf]
            written.append(allowed[0] if len(allowed) == 1 else planned)
        return written, copier

    # Unsure (0.3) between " 캤" and the rest, " coup" at 0.2 (2/3 of the top): copied whole.
    written, copier = run([(1, {1: 0.3, 2: 0.2, 8: 0.01}), (7, {7: 0.9}), (5, {5: 0.9})])
    assert written == [0, 2, 3, 5] and copier.copied == ["coupling"]
    # Sure of its word (0.8): nothing changes, even with the term in view.
    written, copier = run([(1, {1: 0.8, 2: 0.1}), (7, {7: 0.9})])
    assert written == [0, 1, 7] and copier.copied == []
    # Unsure, but the terms are far from what the model considers (under 5% of the top).
    written, copier = run([(1, {1: 0.4, 2: 0.001, 8: 0.001}), (7, {7: 0.9})])
    assert written == [0, 1, 7] and copier.copied == []
    # After a space the term comes without one ("coup"+"ling"), and a term is copied once.
    written, copier = run([(6, {6: 0.9}), (1, {1: 0.3, 4: 0.25}), (7, {7: 0.3, 4: 0.25})])
    assert written == [0, 6, 4, 3] and copier.copied == ["coupling"]
    # Inside a word (the top token goes on with "캤"), no term is glued to it.
    written, copier = run([(1, {1: 0.9}), (7, {7: 0.3, 2: 0.25})])
    assert written == [0, 1, 7] and copier.copied == []


def test_script_guard_keeps_other_scripts_out() -> None:
    from paperdigest.summarize.decoding import ScriptGuard, holds_foreign_script

    # ids: 0 "인" 1 "ference" 2 " inference" 3 " 추론" 4 "таких" 5 "\xd0" (a piece of a
    # Cyrillic letter) 6 "の" 7 "漢" 8 "를" 9 "α" 10 " —" 11 "é"
    pieces = ["인".encode(), b"ference", b" inference", " 추론".encode(), "таких".encode(),
              b"\xd0", "の".encode(), "漢".encode(), "를".encode(), "α".encode(),
              " —".encode(), "é".encode()]
    foreign = np.array([holds_foreign_script(p) for p in pieces])
    assert foreign.tolist() == [False, False, False, False, True, True, True, True, False, False,
                                False, False]  # Hangul, Latin, Greek, punctuation pass
    guard = ScriptGuard(foreign)
    scores = guard(np.array([3, 0]), np.zeros(len(pieces)))
    allowed = {t for t in range(len(pieces)) if scores[t] != float("-inf")}
    # other scripts never; English after Korean is left to the verification ("인ference" fails it)
    assert allowed == {0, 1, 2, 3, 8, 9, 10, 11}


def test_copy_terms_are_the_sentences_terms_not_its_plain_words() -> None:
    from paperdigest.summarize.faithful import copy_terms

    sentence = (
        "Here we present ViewLens, an OCR-free model designed to better exploit the capacity of "
        "a vision encoder by coupling it directly with a language prompt, and it is robust and "
        "significantly better than diffusion-based methods."
    )
    terms = copy_terms(sentence)
    assert {"ViewLens", "OCR-free", "coupling", "encoder", "diffusion-based"} <= set(terms)
    # plain words, words the model renders reliably, verbs in -ed, adverbs: never copied
    assert not {"paper", "method", "methods", "designed", "exploit", "robust", "better",
                "significantly", "directly", "the", "with"} & set(terms)
    assert len(terms) == len(set(terms))


def test_source_numbers() -> None:
    numbers, prefixes = source_numbers("12,000 folds, 2.34x faster, Llama3-70B")
    # the numbers check's own values (text.numbers): "70B" in a name also supports 70000000000
    assert numbers == {"12,000", "12000", "2.34", "3", "70", "70000000000", "70,000,000,000"}
    assert {"1", "12", "12,", "2.", "2.3", "7"} <= prefixes and "4" not in prefixes
    # A zero-padded date inside a name comes out as written (it came out as "2024-409").
    dated, _ = source_numbers("GPT-4-Turbo-2024-04-09 is compared")
    assert {"2024", "04", "09"} <= dated


def test_number_guard_lets_only_the_papers_numbers_through() -> None:
    # ids:      0 "가"  1 "2"  2 "."  3 "3"  4 "4"  5 ","  6 "배"  7 "2024"  8 "9"
    pieces = [b"\xea\xb0\x80", b"2", b".", b"3", b"4", b",", b"\xeb\xb0\xb0", b"2024", b"9"]
    char_ids = {"2": 1, ".": 2, "3": 3, "4": 4, ",": 5, "9": 8}
    guard = NumberGuard("2.34x faster with 2 models", char_ids, np.array([7]), lambda t: pieces[t])
    inf = float("-inf")

    def step(ids: list[int]) -> list[float]:
        return list(guard(np.array(ids), np.zeros(len(pieces), dtype=np.float32)))

    assert step([0]) == [0, 0, 0, inf, inf, 0, 0, inf, inf]  # a number may start with "2" only
    assert step([0, 1]) == [0, inf, 0, inf, inf, 0, 0, inf, inf]  # "2" is complete: may end
    assert step([0, 1, 2]) == [0, inf, 0, 0, inf, 0, 0, inf, inf]  # "2." then "3" or the end
    assert step([0, 1, 2, 3]) == [inf, inf, inf, inf, 0, inf, inf, inf, inf]  # "2.3" needs "4"
    assert step([0, 1, 2, 3, 4]) == [0, inf, 0, inf, inf, 0, 0, inf, inf]  # "2.34" done


# -- GGUF headers and the model's needs ---------------------------------------------------------


def test_gguf_header_is_read_without_loading(tmp_path: Path) -> None:
    path = write_gguf(tmp_path / "tiny.gguf", tiny_meta())
    meta = lm.read_gguf_metadata(path)
    assert meta["general.name"] == "Tiny Test"
    assert meta["tokenizer.ggml.tokens"] == 4  # arrays stand as their length
    info = lm.model_info(path)
    assert (info.n_layer, info.n_head_kv, info.key_length, info.n_vocab) == (4, 2, 32, 4)
    assert info.kv_cache_bytes(1000) == 4 * 2 * (32 + 32) * 2 * 1000
    assert info.memory_needed(2000, 512) > info.memory_needed(1000, 512) > info.file_size
    with pytest.raises(ConfigError, match="not a GGUF"):
        lm.read_gguf_metadata(Path(__file__))
    truncated = tmp_path / "cut.gguf"
    truncated.write_bytes(path.read_bytes()[:60])
    with pytest.raises(ConfigError, match="not a readable GGUF"):
        lm.read_gguf_metadata(truncated)


def test_memory_check(tmp_path: Path) -> None:
    info = lm.model_info(write_gguf(tmp_path / "m.gguf", tiny_meta()))
    need = info.memory_needed(2048, 512)
    assert lm.require_memory(info, 2048, 512, need) == need
    assert lm.require_memory(info, 2048, 512, None) == need  # unknown: not refused
    with pytest.raises(ConfigError, match="not enough memory for a 2,048-token context"):
        lm.require_memory(info, 2048, 512, need - 1)


# -- assembling ----------------------------------------------------------------------------------


def test_assemble_streams_the_parts_atomically(tmp_path: Path) -> None:
    parts = []
    for n, payload in enumerate([b"a" * 1000, b"b" * 10, b"c" * 7]):
        parts.append(tmp_path / f"part{n}.bin")
        parts[-1].write_bytes(payload)
    whole = b"".join(p.read_bytes() for p in parts)
    dest = tmp_path / "models" / "m.gguf"
    seen: list[tuple[int, int]] = []
    out = lm.assemble(dest, parts=parts, size=len(whole),
                      sha256=hashlib.sha256(whole).hexdigest(),
                      progress=lambda d, t: seen.append((d, t)))  # fmt: skip
    assert out == dest and dest.read_bytes() == whole
    assert seen[-1] == (len(whole), len(whole))
    with pytest.raises(ConfigError, match="SHA-256"):
        lm.assemble(tmp_path / "bad.gguf", parts=parts, size=len(whole), sha256="0" * 64)
    with pytest.raises(ConfigError, match="add up to"):
        lm.assemble(tmp_path / "bad.gguf", parts=parts, size=len(whole) + 1)
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith((".bad", "bad"))]
    assert leftovers == []


def test_model_is_available(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(lm.MODEL_PATH_ENV, raising=False)
    assert lm.model_is_available() == lm.parts_installed()
    monkeypatch.setenv(lm.MODEL_PATH_ENV, str(tmp_path / "none.gguf"))
    assert not lm.model_is_available()
    monkeypatch.setenv(lm.MODEL_PATH_ENV, str(write_gguf(tmp_path / "m.gguf", tiny_meta())))
    assert lm.model_is_available()


def test_model_command_shows_and_removes(tmp_path: Path) -> None:
    runner = CliRunner()
    shown = runner.invoke(cli, ["model"])
    assert shown.exit_code == 0, shown.output
    assert str(lm.default_model_path()) in shown.output
    assert "not assembled yet" in shown.output
    plain = write_gguf(tmp_path / "plain.gguf", tiny_meta(chat=False))
    other = runner.invoke(cli, ["model", "show", "--model-path", str(plain)])
    assert "NO (no chat template)" in other.output
    lm.default_model_path().parent.mkdir(parents=True)
    lm.default_model_path().write_bytes(b"x")
    removed = runner.invoke(cli, ["model", "remove"])
    assert removed.exit_code == 0 and not lm.default_model_path().exists()


# -- bad input: one line, exit 2, nothing written -------------------------------------------------


def _one_line_error(result: Any) -> str:
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, result.output
    return lines[0]


@needs_llama_cpp
def test_model_path_that_does_not_exist(tmp_path: Path, day_file: Path) -> None:
    result = run_digest(tmp_path, day_file, "--model-path", str(tmp_path / "missing.gguf"))
    assert "does not exist" in _one_line_error(result)


@needs_llama_cpp
def test_gguf_that_is_not_a_chat_model(tmp_path: Path, day_file: Path) -> None:
    plain = write_gguf(tmp_path / "plain.gguf", tiny_meta(chat=False))
    result = run_digest(tmp_path, day_file, "--model-path", str(plain))
    assert "not a chat model" in _one_line_error(result)


@needs_llama_cpp
def test_too_little_memory_for_the_context(tmp_path: Path, day_file: Path) -> None:
    model = write_gguf(tmp_path / "m.gguf", tiny_meta(layers=64))
    result = run_digest(tmp_path, day_file, "--model-path", str(model), "-o", "max_memory_mb=1")
    assert "not enough memory" in _one_line_error(result)
    result = run_digest(tmp_path, day_file, "--model-path", str(model), "-o", "n_ctx=4096")
    assert "supports (2048 tokens)" in _one_line_error(result)


@needs_llama_cpp
def test_corrupt_default_model_says_how_to_reassemble(tmp_path: Path, day_file: Path) -> None:
    path = lm.default_model_path()
    path.parent.mkdir(parents=True)
    path.write_bytes(b"GGUF" + b"\0" * 100)
    message = _one_line_error(run_digest(tmp_path, day_file))
    assert "corrupt" in message and "paperdigest model assemble" in message
    # Right size, wrong bytes (a sparse file): caught by the full hash, no stamp yet.
    with path.open("r+b") as fh:
        fh.truncate(lm.DEFAULT_MODEL_SIZE)
    message = _one_line_error(run_digest(tmp_path, day_file))
    assert "SHA-256" in message and "paperdigest model assemble" in message


def test_bad_option_is_one_line(tmp_path: Path, day_file: Path) -> None:
    result = run_digest(tmp_path, day_file, "-o", "temprature=0.1")
    assert "temprature" in _one_line_error(result)


def test_missing_extra_says_what_to_install(
    tmp_path: Path, day_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "llama_cpp", None)  # as if the extra were not installed
    with pytest.raises(ConfigError, match=r"pip install 'paperdigest\[local\]'"):
        LocalSummarizer(None, {})
    message = _one_line_error(run_digest(tmp_path, day_file))
    assert "pip install 'paperdigest[local]'" in message
