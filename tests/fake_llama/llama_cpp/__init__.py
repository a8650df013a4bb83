"""A stand-in for llama-cpp-python in the smoke test's child process (tests put this folder on
PYTHONPATH): with FAKE_LLAMA_CRASH=long it dies of SIGILL on a prompt of 512+ tokens and answers
short ones, as a build using trapped AMX instructions does."""

from __future__ import annotations

import os
import signal
from typing import Any


class Llama:
    def __init__(self, model_path: str, **_kwargs: Any) -> None:
        self.model_path = model_path

    def tokenize(self, text: bytes, *_args: Any, **_kwargs: Any) -> list[int]:
        return list(range(len(text.split())))

    def create_completion(self, tokens: list[int], max_tokens: int = 16, **_: Any) -> dict:
        if len(tokens) >= 512 and os.environ.get("FAKE_LLAMA_CRASH") == "long":
            os.kill(os.getpid(), signal.SIGILL)
        return {"choices": [{"text": " ok"}], "usage": {"completion_tokens": max_tokens}}

    def close(self) -> None:
        pass
