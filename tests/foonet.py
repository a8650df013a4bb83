"""One made-up paper (FooNet) and summaries of it, shared by the checks, repair and digest tests."""

from __future__ import annotations

ABSTRACT = (
    "Long prompts make the prefilling stage slow. We introduce FooNet, a method that computes "
    "the KV cache only for important tokens. In the multi-document question-answering task, "
    "FooNet accelerates the prefilling stage of the LLama 2 7B model by 2.34x while "
    "maintaining accuracy."
)
# A faithful Korean summary: passes every check.
GOOD = {
    "whats_new": "FooNet은 긴 프롬프트의 프리필링(prefilling) 단계를 빠르게 하는 새로운 "
    "방법입니다. 중요한 토큰만 골라 계산합니다.",
    "technical_details": "각 생성 단계마다 다음 토큰 예측에 중요한 토큰의 KV 캐시만 계산하고 "
    "나머지 계산은 필요할 때까지 미룹니다.",
    "performance_highlights": "다중 문서 질의응답 작업에서 LLama 2 7B 모델의 프리필링 속도를 "
    "정확도를 유지하면서 2.34배 높였습니다.",
}
# The same with invented results: fails the numbers and key_figures checks.
INVENTED = dict(
    GOOD,
    performance_highlights="다중 문서 질의응답 작업에서 프리필링 속도를 3.12배 높였고 "
    "16개의 데이터셋에서 평가했습니다.",
)
