"""Each registered check, with summaries written to pass and to fail it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from foonet import ABSTRACT, GOOD
from paperdigest.checks import CHECKS, CheckInput, Problem, check_names, register_check, run_checks
from paperdigest.models import Sections
from paperdigest.text.meaning import NOTHING_FAITHFUL

SOURCE = f"Title: FooNet: Lazy Token Pruning\n\nAbstract:\n{ABSTRACT}"



def problems(sections: dict[str, str], **kwargs: object) -> list[Problem]:
    return run_checks(sections, SOURCE, lang="ko", abstract=ABSTRACT, **kwargs)  # type: ignore[arg-type]


def only(check: str, sections: dict[str, str], lang: str = "ko") -> list[Problem]:
    return run_checks(sections, SOURCE, lang=lang, abstract=ABSTRACT, only=[check])


def test_a_faithful_korean_summary_passes_every_check() -> None:
    assert problems(GOOD) == []
    assert run_checks(Sections(**GOOD), SOURCE, lang="ko", abstract=ABSTRACT) == []


def test_the_registry_lists_the_builtin_checks() -> None:
    assert check_names()[:6] == [
        "numbers",
        "names",
        "language",
        "structure",
        "leakage",
        "key_figures",
    ]
    assert all(CHECKS[name].description for name in check_names())


# -- numbers -------------------------------------------------------------------------------------


def test_numbers_check() -> None:
    bad = dict(GOOD, performance_highlights=GOOD["performance_highlights"].replace("2.34", "3.12"))
    found = only("numbers", bad)
    assert [p.check for p in found] == ["numbers"]
    assert "Performance Highlights" in found[0].message and "3.12배" in found[0].message
    assert found[0].section == "performance_highlights"
    assert only("numbers", GOOD) == []


# -- names ---------------------------------------------------------------------------------------


def test_names_check() -> None:
    bad = dict(GOOD, whats_new=GOOD["whats_new"].replace("FooNet", "LazyLLM"))
    (found,) = only("names", bad)
    assert "LazyLLM" in found.message and "What's New" in found.message
    assert only("names", GOOD) == []


# -- language ------------------------------------------------------------------------------------


def test_language_check_fails_an_english_section() -> None:
    bad = dict(GOOD, technical_details="It computes the KV cache only for important tokens.")
    (found,) = only("language", bad)
    assert found.section == "technical_details"
    assert "Technical Details is not written in Korean" in found.message


def test_language_check_fails_a_summary_below_60_percent() -> None:
    heavy = (  # 42% Hangul: each section passes the 30% floor, the summary fails 60%
        "Phi-3 모델의 안전성을 높이기 위해 Safety Dataset Curation과 Red Teaming 단계를 "
        "반복적으로 거칩니다."
    )
    mostly = {k: heavy for k in GOOD}
    (found,) = only("language", mostly)
    assert found.section is None and "at least 60%" in found.message


def test_language_check_ignores_english_in_parentheses_and_follows_lang() -> None:
    with_terms = dict(
        GOOD,
        whats_new="새로운 방법(dynamic token pruning for efficient long context inference)입니다.",
    )
    assert only("language", with_terms) == []
    english = {k: "FooNet accelerates the prefilling stage by 2.34x." for k in GOOD}
    assert only("language", english, lang="en") == []
    assert only("language", GOOD, lang="en") != []


def test_the_papers_own_terms_in_english_do_not_count_against_korean() -> None:
    # The faithful writer copies a term it cannot render ("prefilling", "multi-document"):
    # Korean with the paper's terms in it is Korean. The same share of plain English words,
    # or terms the paper does not have, is not.
    termed = "multi-document question-answering 작업에서 FooNet은 prefilling 단계를 빠르게 합니다."
    assert only("language", {k: termed for k in GOOD}) == []
    plain = "this is only for the very long 작업에서 FooNet은 some other 단계를 빠르게 합니다."
    (found,) = only("language", {k: plain for k in GOOD})
    assert found.section is None and "at least 60%" in found.message
    foreign = "cross-lingual retrieval-augmented 작업에서 FooNet은 decoding 단계를 빠르게 합니다."
    assert only("language", {k: foreign for k in GOOD}) != []
    # An English sentence of the abstract is still English: its plain words count.
    copied = {k: "FooNet accelerates the prefilling stage of the model by 2.34x." for k in GOOD}
    assert [p.section for p in only("language", copied)] == list(GOOD)


# -- structure -----------------------------------------------------------------------------------


def test_structure_check_reports_missing_empty_short_and_long_sections() -> None:
    missing = {k: v for k, v in GOOD.items() if k != "technical_details"}
    assert [p.message for p in only("structure", missing)] == [
        "the Technical Details section is missing."
    ]
    empty = dict(GOOD, whats_new="  ")
    assert "What's New section is empty" in only("structure", empty)[0].message
    short = dict(GOOD, whats_new="새 방법입니다.")
    assert "too short" in only("structure", short)[0].message
    long = dict(GOOD, technical_details="긴 문장입니다. " * 200)
    assert "too long" in only("structure", long)[0].message
    assert only("structure", GOOD) == []


def test_structure_check_reports_copied_sections() -> None:
    copied = dict(GOOD, technical_details=GOOD["whats_new"])
    (found,) = only("structure", copied)
    assert "What's New and Technical Details repeat each other (100%" in found.message
    near = dict(GOOD, performance_highlights=GOOD["technical_details"] + " 정확도도 유지합니다.")
    assert "repeat each other" in only("structure", near)[0].message
    # the faithful writer's honest "nothing faithful here" in two sections is no copy
    nothing = NOTHING_FAITHFUL["ko"]
    twice = dict(GOOD, whats_new=nothing, performance_highlights=nothing)
    assert only("structure", twice) == []


# -- leakage -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "leak",
    [
        "제목: {title}",
        '{"whats_new": "새로운 방법"}',
        "As an AI language model, I cannot read papers.",
        "AI 언어 모델로서 요약해 드리겠습니다.",
        "주어진 논문 텍스트만을 근거로 요약합니다.",  # a sentence of prompts/ko.toml
        "[논문 제목]을 제안합니다.",
        "...",
    ],
)
def test_leakage_check_fails(leak: str) -> None:
    bad = dict(GOOD, whats_new=leak)
    found = only("leakage", bad)
    assert found and found[0].section == "whats_new", leak


def test_leakage_check_passes_clean_text() -> None:
    assert only("leakage", GOOD) == []
    assert only("leakage", dict(GOOD, whats_new="배치 크기 < 32에서 (e.g., 3비트) 빠릅니다.")) == []


# Sentences the embedded 1.5B model really wrote (2024-07-22): one paraphrases the section's
# instruction, one says nothing, one repeats the repair feedback back as an order.
@pytest.mark.parametrize(
    ("text", "what"),
    [
        ("이 논문은 새로운 방법을 제안하고, 이 방법은 현재의 연구와 비교하여 왜 중요한지 "
         "설명합니다.", "restates the instructions"),
        ("결과는 실험 결과와 동일합니다. 2.34x를 포함하세요.", "restates the instructions"),
        ("FooNet은 프리필링을 빠르게 합니다. 2.34x를 포함하세요.", "an instruction"),
        ("The paper proposes a new method and explains why it matters.", "restates"),
        ("FooNet is fast. Include the numbers from the paper text.", "an instruction"),
        ("이는 2.34x라는 수치가 제시되었지만, 그 내용을 포함하도록 수정했습니다.", "revision"),
        ("I have revised the summary: FooNet is 2.34x faster.", "revision"),
        ("FooNet은 빠릅니다. 제목: FooNet 본문은 프리필링을 다룹니다.", "a prompt label"),
        ("문제: Technical Details 부분이 너무 짧습니다. FooNet은 빠릅니다.", "a prompt label"),
        ("FooNet은 빠릅니다. Technical Details 부분이 너무 짧습니다.", "sections"),
        ("새로 제안된 내용과 발견한 것에 대해 설명합니다.", "restates the instructions"),
    ],
)
def test_leakage_flags_sentences_addressed_to_the_writer(text: str, what: str) -> None:
    lang = "en" if text.isascii() else "ko"
    found = only("leakage", dict(GOOD, performance_highlights=text), lang=lang)
    assert found and found[0].section == "performance_highlights"
    assert what in found[0].message


def test_leakage_keeps_plain_sentences_without_names_or_numbers() -> None:
    plain = dict(
        GOOD,
        performance_highlights="FooNet은 이전에 발표된 방법보다 2.34배 빠르며, 저자들은 학습 "
        "방법을 수정하여 데이터셋의 오류를 고쳤습니다.",
        whats_new="이러한 모델은 긴 시퀀스의 이미지 입력이나 동영상 입력을 자세히 이해할 수 "
        "있게 합니다.",
        technical_details="실험 결과, 새로운 모델은 다양한 아랍어 텍스트 및 글꼴에서 뛰어난 "
        "인식률을 보여줍니다.",
    )
    assert only("leakage", plain) == []


def test_leakage_has_no_false_alarm_on_the_reference_or_the_abstracts() -> None:
    import json

    from conftest import REFERENCE as SHARED_REFERENCE
    from conftest import SHARED_DAY
    from paperdigest.render.markdown_parse import read_digest

    if not SHARED_REFERENCE.exists() or not SHARED_DAY.exists():
        pytest.skip("../shared is not present")
    abstracts = {
        item["paper"]["id"]: item["paper"]["summary"]
        for item in json.loads(SHARED_DAY.read_text(encoding="utf-8"))
    }
    for entry in read_digest(SHARED_REFERENCE).entries:
        korean = run_checks(entry.sections, abstracts[entry.id], lang="ko",
                            abstract=abstracts[entry.id], only=["leakage"])
        assert korean == [], entry.id
    for paper_id, abstract in abstracts.items():  # English sentences written by the authors
        english = {key: abstract for key in GOOD}
        assert run_checks(english, abstract, lang="en", abstract=abstract,
                          only=["leakage"]) == [], paper_id


# -- key figures ---------------------------------------------------------------------------------


def test_key_figures_check() -> None:
    vague = dict(GOOD, performance_highlights="정확도를 유지하면서 추론 속도를 크게 높였습니다.")
    (found,) = only("key_figures", vague)
    assert "2.34x" in found.message
    assert only("key_figures", GOOD) == []
    in_english = dict(GOOD, performance_highlights="It is 2.34 times faster.")
    assert only("key_figures", in_english) == []


def test_key_figures_need_a_reported_result() -> None:
    survey = "We survey self-feedback methods and propose a taxonomy of twelve approaches."
    vague = dict(GOOD, performance_highlights="여러 방법을 체계적으로 분류하여 정리했습니다.")
    assert run_checks(vague, survey, lang="ko", abstract=survey, only=["key_figures"]) == []


# -- the registry is open ----------------------------------------------------------------------


@pytest.fixture
def extra_check() -> Iterator[str]:
    @register_check("no_hype", "no marketing words")
    def no_hype(item: CheckInput) -> list[Problem]:
        return [
            Problem("no_hype", f"{key} says 혁신적", key)
            for key, text in item.present()
            if "혁신적" in text
        ]

    yield "no_hype"
    del CHECKS["no_hype"]


def test_a_registered_check_runs_with_the_others(extra_check: str) -> None:
    hype = dict(GOOD, whats_new=GOOD["whats_new"] + " FooNet은 혁신적인 결과입니다.")
    assert [p.check for p in problems(hype)] == [extra_check]
    assert problems(hype, only=["numbers"]) == []
