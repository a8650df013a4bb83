"""The built-in summarizers, registered as a plugin (see :mod:`paperdigest.plugins`).

A summarizer target is a factory ``f(config: BackendConfig) -> Summarizer``; the backend's own
module is imported only when it is chosen (``openai`` and ``llama_cpp`` are heavy).
"""

from __future__ import annotations

from collections.abc import Callable

from ..errors import ConfigError
from .base import BackendConfig, Summarizer


def openai(config: BackendConfig) -> Summarizer:
    from .openai_compat import OpenAICompatible

    return OpenAICompatible(
        base_url=config.base_url,
        model=config.model,
        key_env=config.key_env,
        timeout=config.timeout,
        options=config.options,
    )


def local(config: BackendConfig) -> Summarizer:
    from .worker import local_summarizer  # LocalSummarizer in a worker process

    return local_summarizer(model_path=config.model_path, options=config.options)


def extractive(config: BackendConfig) -> Summarizer:
    from .extractive import ExtractiveSummarizer

    if config.options:
        raise ConfigError("the extractive backend takes no options")
    return ExtractiveSummarizer()


def register_summarizers(register: Callable[..., None]) -> None:
    here = "paperdigest.summarize.plugin"
    register("openai", f"{here}:openai", "any OpenAI-compatible server")
    register("local", f"{here}:local", "a GGUF model run in-process by llama.cpp")
    register("extractive", f"{here}:extractive", "no LLM: the abstract's sentences, in English")
