"""The openai backend speaks the two endpoints it needs over HTTP itself: what each answer of an
OpenAI-compatible server becomes (a summary, a retry, a configuration error, a failed paper or
a server in trouble), against a loopback server."""

from __future__ import annotations

import json

import pytest

from fakes import FakeOpenAI, Reply, chat_reply, default_sections, sections_reply
from paperdigest.errors import (
    BackendError,
    BackendUnavailable,
    ConfigError,
    InvalidAnswer,
    ServerTrouble,
)
from paperdigest.models import Paper
from paperdigest.prompts import load_prompts
from paperdigest.summarize.base import SummaryRequest
from paperdigest.summarize.openai_compat import OpenAICompatible

PAPER = Paper(id="2407.00001", title="Sparse attention for long documents",
              abstract="We prune tokens.")


def request() -> SummaryRequest:
    return SummaryRequest(PAPER, "Title: Sparse attention\nWe prune tokens.", load_prompts("en"))


def backend(server: FakeOpenAI, **kwargs: object) -> OpenAICompatible:
    return OpenAICompatible(base_url=server.base_url, timeout=5.0, **kwargs)  # type: ignore[arg-type]


def test_a_summary_with_the_schema_the_key_and_the_usage() -> None:
    with FakeOpenAI() as server:
        llm = backend(server, model="fake-model")
        sections = llm.summarize(request())
        (body,) = server.chat_requests
    assert sections.whats_new
    assert body["model"] == "fake-model" and body["response_format"]["type"] == "json_schema"
    assert llm.usage.http_requests == 1 and llm.usage.tokens == 20


def test_the_only_model_served_is_chosen_and_several_are_refused() -> None:
    with FakeOpenAI(models=("only-one",)) as server:
        assert backend(server).model_id == "only-one"
    with FakeOpenAI(models=("a", "b")) as server, pytest.raises(ConfigError, match="2 models"):
        backend(server)
    with FakeOpenAI(models=()) as server, pytest.raises(ConfigError, match="serves no model"):
        backend(server)


def test_a_server_refusing_schemas_is_asked_for_a_json_object() -> None:
    with FakeOpenAI() as server:
        server.script.append(Reply(400, {"error": {"message": "response_format not supported"}}))
        llm = backend(server, model="fake-model")
        assert llm.summarize(request()).whats_new
        assert llm.summarize(request()).whats_new  # and it stays in that mode
        kinds = [b["response_format"]["type"] for b in server.chat_requests]
    assert kinds == ["json_schema", "json_object", "json_object"]


@pytest.mark.parametrize(
    ("reply", "error", "message"),
    [
        (Reply(401, {"error": {"message": "bad key"}}), ConfigError, "rejected the API key"),
        (Reply(404, {"error": {"message": "no model"}}), ConfigError, "not found at"),
        (Reply(400, {"error": {"message": "context too long"}}), BackendError,
         "refused the request: context too long"),
        (Reply(403, "forbidden"), BackendError, "answered HTTP 403"),
        (Reply(200, b'{"id": "x", "choices": ['), InvalidAnswer, "not JSON"),
        (Reply(200, {"choices": []}), InvalidAnswer, "no choices"),
        (chat_reply("{}", finish_reason="length"), InvalidAnswer, "cut off"),
    ],
)
def test_what_an_answer_becomes(reply: Reply, error: type[Exception], message: str) -> None:
    with FakeOpenAI() as server:
        server.script.append(reply)
        with pytest.raises(error, match=message):
            backend(server, model="fake-model").summarize(request())
        assert len(server.chat_requests) == 1  # none of these is asked again


def test_retryable_statuses_are_asked_again_after_retry_after() -> None:
    with FakeOpenAI() as server:
        server.script.extend([Reply(503, {"error": {"message": "busy"}}),
                              Reply(429, {"error": {"message": "slow down"}},
                                    {"Retry-After": "0.05"})])
        assert backend(server, model="fake-model").summarize(request()).whats_new
        assert len(server.chat_requests) == 3
    with FakeOpenAI() as server:
        server.script.extend([Reply(429, {"error": {"message": "slow down"}})] * 2)
        with pytest.raises(BackendError, match=r"rate limited by .*slow down"):
            backend(server, model="fake-model", max_retries=1).summarize(request())


def test_an_oversized_answer_is_not_read_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    from paperdigest.summarize import openai_compat

    monkeypatch.setattr(openai_compat, "MAX_ANSWER_BYTES", 2000)
    big = json.dumps({k: "x" * 3000 for k in default_sections({})})
    with FakeOpenAI() as server:
        server.script.append(sections_reply(json.loads(big)))
        with pytest.raises(InvalidAnswer, match="larger than 2000 bytes"):
            backend(server, model="fake-model").summarize(request())


def test_no_answer_is_server_trouble_or_unavailable() -> None:
    llm = OpenAICompatible(base_url="http://127.0.0.1:9/v1", model="m", timeout=2.0)
    with pytest.raises(ServerTrouble, match=r"cannot reach the LLM server at http://127\.0\.0\.1:9/v1"):
        llm.summarize(request())
    with pytest.raises(BackendUnavailable, match="cannot reach"):
        OpenAICompatible(base_url="http://127.0.0.1:9/v1", timeout=2.0)  # listing the models
    with FakeOpenAI(latency=1.5) as server:
        slow = OpenAICompatible(base_url=server.base_url, model="m", timeout=0.3)
        with pytest.raises(ServerTrouble, match=r"did not answer within 0.3s \(timed out\)"):
            slow.summarize(request())
