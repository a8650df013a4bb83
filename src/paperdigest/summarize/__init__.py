"""Summarizer backends, looked up by name.

Built-ins: ``openai`` (any OpenAI-compatible server), ``local`` (llama.cpp, the ``local`` extra),
``extractive`` (no LLM). Outside packages add backends through the entry-point group
``paperdigest.backends``: ``name = "module:factory"``, where ``factory(**config) -> Summarizer``.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any

from ..errors import ConfigError
from .base import Summarizer, SummaryRequest

BUILTIN = {
    "openai": "paperdigest.summarize.openai_compat:OpenAICompatible",
    "local": "paperdigest.summarize.worker:local_summarizer",  # LocalSummarizer in a worker
    "extractive": "paperdigest.summarize.extractive:ExtractiveSummarizer",
}


@dataclass
class BackendConfig:
    name: str = "auto"
    model: str | None = None
    base_url: str | None = None
    key_env: str = "OPENAI_API_KEY"
    model_path: str | None = None
    timeout: float = 120.0
    options: dict[str, Any] = field(default_factory=dict)


def _plugins() -> dict[str, str]:
    found: dict[str, str] = {}
    allowed = os.environ.get("PAPERDIGEST_LOAD_PLUGINS")
    names = {n.strip() for n in allowed.split(",")} if allowed is not None else None
    for ep in entry_points(group="paperdigest.backends"):
        if names is None or ep.name in names:
            found[ep.name] = ep.value
    return found


def backend_names() -> list[str]:
    return sorted({*BUILTIN, *_plugins(), "auto"})


def _load(target: str) -> Callable[..., Summarizer]:
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)  # type: ignore[no-any-return]


def local_available() -> bool:
    """The local backend can run: llama-cpp-python is installed and a model is at hand."""
    if importlib.util.find_spec("llama_cpp") is None:
        return False
    try:
        from .local_model import model_is_available
    except ImportError:
        return False
    return model_is_available()


def resolve_auto(config: BackendConfig) -> str:
    """Which backend ``auto`` means here: a configured server, else the local model, else none."""
    if config.base_url or os.environ.get("OPENAI_BASE_URL") or os.environ.get(config.key_env):
        return "openai"
    if config.model_path or local_available():
        return "local"
    return "extractive"


def make_summarizer(config: BackendConfig) -> Summarizer:
    name = resolve_auto(config) if config.name == "auto" else config.name
    targets = {**BUILTIN, **_plugins()}
    if name not in targets:
        raise ConfigError(f"unknown backend {name!r}: choose one of {', '.join(backend_names())}")
    factory = _load(targets[name])
    if name == "openai":
        return factory(
            base_url=config.base_url,
            model=config.model,
            key_env=config.key_env,
            timeout=config.timeout,
            options=config.options,
        )
    if name == "local":
        return factory(model_path=config.model_path, options=config.options)
    if name == "extractive":
        if config.options:
            raise ConfigError("the extractive backend takes no options")
        return factory()
    return factory(**{k: v for k, v in vars(config).items() if k != "name" and v})


__all__ = ["BackendConfig", "Summarizer", "SummaryRequest", "backend_names", "make_summarizer"]
