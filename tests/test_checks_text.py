"""The text measurements behind the checks: letter share, overlap, numbers, names."""

from __future__ import annotations

import pytest

from paperdigest.text import (
    find_names,
    find_numbers,
    letter_share,
    result_numbers,
    unsupported_names,
    unsupported_numbers,
    word_overlap,
)

# -- letter share --------------------------------------------------------------------------------


def test_letter_share_counts_hangul_outside_parentheses() -> None:
    assert letter_share("대형 언어 모델(Large Language Models)을 제안합니다.", "ko") == 1.0
    mixed = "LazyLLM은 prefilling 속도를 높입니다."
    share = letter_share(mixed, "ko")
    assert 0.3 < share < 0.6
    assert letter_share("This section stayed in English.", "ko") == 0.0
    assert letter_share("This section stayed in English.", "en") == 1.0
    assert letter_share("", "ko") == 0.0
    assert letter_share("(only parentheses)", "ko") == 0.0
    assert letter_share("2.34 1000 %", "ko") == 0.0  # no letters at all


def test_letter_share_nested_parentheses_and_other_scripts() -> None:
    assert letter_share("모델 (Model (nested) text) 입니다", "ko") == 1.0
    assert letter_share("これは日本語です", "ja") == 1.0
    assert letter_share("Это русский", "ru") == 1.0
    assert letter_share("Это русский", "en") == 0.0


# -- word overlap --------------------------------------------------------------------------------


def test_word_overlap() -> None:
    a = "이 모델은 2.34배 빠릅니다"
    assert word_overlap(a, a) == 1.0
    assert word_overlap(a, a + " 그리고 정확합니다") == 1.0  # a copy with an addition
    assert word_overlap(a, "완전히 다른 문장") == 0.0
    assert word_overlap("", a) == 0.0
    half = word_overlap("one two three four", "one two five six")
    assert half == pytest.approx(0.5)


# -- numbers -------------------------------------------------------------------------------------

SOURCE = (
    "Title: FooNet 2: Fast Long Context\n\nAbstract:\n"
    "FooNet accelerates the prefilling stage of the LLama 2 7B model by 2.34x. We extend the "
    "context of Llama3-70B-base from 8K to 128K tokens with a three-stage recipe. It achieves "
    "12.3% accuracy on 1,000 problems, a WER of 74.76%, audio at 44.1kHz, and trains on 4.5 "
    "million images with a 1057M-parameter decoder and a 4.4B encoder, over two decades."
)


@pytest.mark.parametrize(
    "summary",
    [
        "추론 속도가 2.34배 빨라졌습니다.",
        "It is 2.34 times faster.",
        "2.34x 더 빠릅니다.",
        "1000개의 문제",
        "1,000개 문제",
        "1천 개의 문제",
        "정확도는 12.3 %입니다.",
        "정확도는 12.3%입니다.",
        "450만 개의 이미지",
        "4.5M images",
        "8K에서 128K로 확장합니다.",
        "44.1kHz 오디오",
        "1057M 파라미터",
        "1.057B parameters",
        "4.4B 인코더",
        "세 가지 단계로 구성됩니다.",
        "3단계로 구성됩니다.",
        "두 가지 방법",  # a count of two as a word is language, never a claim
        "GPT-4와 Llama3-70B, Qwen2-72B 모델",  # digits in names belong to the names check
        "(1) 첫째 (2) 둘째 (3) 셋째",  # list markers
        "WER은 74.8%입니다.",  # a rounding written with a decimal
        "20여 년 전의 비전",  # two decades
        "LLama 2 7B 모델",
    ],
)
def test_supported_numbers(summary: str) -> None:
    assert unsupported_numbers(summary, SOURCE) == []


@pytest.mark.parametrize(
    ("summary", "flagged"),
    [
        ("추론 속도가 3.12배 빨라졌습니다.", ["3.12배"]),
        ("정확도는 12.4%입니다.", ["12.4%"]),
        ("정확도는 5%입니다.", ["5%"]),
        ("WER은 75%입니다.", ["75%"]),  # rounding to an integer is not accepted
        ("2023년에 공개되었습니다.", ["2023"]),
        ("다섯 가지 단계로 구성됩니다.", ["다섯 가지"]),
        ("16개의 데이터셋과 6개의 작업", ["16", "6"]),
        ("학습률은 5×10^{-5}입니다.", ["5×10^{-5}"]),
        ("156M 파라미터", ["156M"]),
        ("64K 토큰", ["64K"]),
        ("It is eleven times faster.", ["eleven"]),
    ],
)
def test_unsupported_numbers(summary: str, flagged: list[str]) -> None:
    assert unsupported_numbers(summary, SOURCE) == flagged


def test_number_words_in_the_source_support_digits_and_the_reverse() -> None:
    source = "We introduce a five-level taxonomy and reach Level 3 autonomy in 3 domains."
    assert unsupported_numbers("5단계 분류법", source) == []
    assert unsupported_numbers("다섯 단계의 분류법", source) == []
    assert unsupported_numbers("three domains", source) == []
    assert unsupported_numbers("세 개의 도메인", source) == []
    assert unsupported_numbers("네 개의 도메인", source) == ["네 개"]


def test_a_listed_count_supports_its_word() -> None:
    source = "We perform dataset curation, post-training, benchmarking, red teaming, and fixes."
    assert unsupported_numbers("다섯 가지 단계를 반복합니다.", source) == []
    assert unsupported_numbers("아홉 가지 단계를 반복합니다.", source) == ["아홉 가지"]


def test_korean_words_that_only_look_like_numbers() -> None:
    assert find_numbers("각 주요 문제는 세분화되어 있으며 세계 최고 수준입니다.") == []
    assert find_numbers("네, 두 대형 모델을 비교합니다.") == []


def test_find_numbers_normalises_values() -> None:
    (m,) = find_numbers("처리량이 450만 개")
    assert m.scaled == 4_500_000
    (m,) = find_numbers("128K tokens")
    assert (m.value, m.scaled) == (128, 128_000)
    a, b = find_numbers("2-4x faster")
    assert (a.value, b.value, a.unit) == (2, 4, "x")


def test_result_numbers_are_headline_figures() -> None:
    abstract = (
        "We extend the context window from 8K to 128K tokens. At batch sizes < 32 our kernel is "
        "2-4x faster than existing kernels, and throughput increases by 1.5 to 2 times. It "
        "requires less than 10 minutes for training and achieves a WER of 0.80%."
    )
    texts = [m.text for m in result_numbers(abstract)]
    assert "8K" not in texts and "128K" not in texts and "32" not in texts
    assert {"4x", "0.80%", "10 minutes"} <= set(texts)
    assert result_numbers("We propose a new survey of twelve methods.") == []


# -- names ---------------------------------------------------------------------------------------

NAME_SOURCE = (
    "Title: ChatQA 2\n\nAbstract:\nChatQA 2 is a Llama3-based model that rivals GPT-4-Turbo-2024-"
    "0409 with retrieval-augmented generation (RAG) on Gemma 2 9B and SAEs, using responsible AI "
    "benchmarks, the Flamingo design and a Word Error Rate metric."
)


@pytest.mark.parametrize(
    "summary",
    [
        "GPT-4-Turbo-2024-04-09와 비슷합니다.",
        "LLaMA3 기반의 ChatQA 모델",
        "RAG 성능",
        "Gemma-2-9B와 SAE를 사용합니다.",
        "RAI 벤치마크",  # initials of "responsible AI"
        "WER이 낮습니다.",  # initials of "Word Error Rate"
        "Flamingo 구조",
        "대형 언어 모델(LLMs)과 AI, GPU",  # field-wide acronyms
        "Self-Evaluation과 Post-Training 단계",  # title-case terms are not names
    ],
)
def test_supported_names(summary: str) -> None:
    assert unsupported_names(summary, NAME_SOURCE) == []


@pytest.mark.parametrize(
    ("summary", "flagged"),
    [
        ("Llama-3-70B-Instruct 모델", ["Llama-3-70B-Instruct"]),
        ("GPT-4o보다 낫습니다.", ["GPT-4o"]),
        ("TTFT를 줄입니다.", ["TTFT"]),
        ("Mistral 모델과 비교", ["Mistral"]),
        ("Whisper-Large 인코더", ["Whisper-Large"]),
        ("SlimPajama 데이터", ["SlimPajama"]),
        ("TRCG 모듈", ["TRCG"]),  # "the regions and contents of the generated" is no match
    ],
)
def test_unsupported_names(summary: str, flagged: list[str]) -> None:
    assert unsupported_names(summary, NAME_SOURCE) == flagged


def test_an_acronym_defined_with_the_sources_words_is_supported() -> None:
    source = "Long prompts increase the time needed to generate the first token."
    assert unsupported_names("TTFT(time-to-first-token)를 줄입니다.", source) == []
    assert unsupported_names("time to first token (TTFT)을 줄입니다.", source) == []
    assert unsupported_names("TTFT를 줄입니다.", source) == ["TTFT"]
    assert unsupported_names("TTFT(time-to-final-text)를 줄입니다.", source) == ["TTFT"]
    assert unsupported_names("TTFT(전체 처리 시간)를 줄입니다.", source) == ["TTFT"]


def test_hardware_and_compute_units_are_not_names() -> None:
    assert unsupported_names("SRAM으로 옮겨 FLOPs를 줄이고 GPU에서 실행합니다.", "A kernel.") == []


def test_find_names_skips_quantities() -> None:
    assert find_names("8K 128K 44.1kHz 4-bit 2.34x 4.4B") == []
    assert find_names("Llama3-70B와 T5, EVA2-CLIP") == ["Llama3-70B", "T5", "EVA2-CLIP"]
