"""Summarizer backends, looked up by name in the plugin registry.

Built-ins (:mod:`.plugin`): ``openai`` (any OpenAI-compatible server), ``local`` (llama.cpp, the
``local`` extra), ``extractive`` (no LLM). Outside packages register more through the hook
``register_summarizers`` (:mod:`paperdigest.plugins`): ``register(name, factory)`` with
``factory(config: BackendConfig) -> Summarizer``. The older entry-point group
``paperdigest.backends`` (``name = "module:factory"``, ``factory(**config)``) still works.
"""

from __future__ import annotations

import importlib.util
import os

from ..errors import ConfigError
from ..plugins import registry
from .base import BackendConfig, Summarizer, SummaryRequest


def backend_names() -> list[str]:
    return sorted({*registry().summarizers, "auto"})


def local_available() -> bool:
    """The local backend can run: llama-cpp-python is installed and a model is at hand."""
    if importlib.util.find_spec("llama_cpp") is None:
        return False
    try:
        from .local_model import model_is_available
    except ImportError:
        return False
    return model_is_available()


def resolve_auto(config: BackendConfig) -> tuple[str, str]:
    """Which backend ``auto`` means here, and why: a configured server, else the local model,
    else extractive."""
    if config.base_url:
        return "openai", "--base-url is set"
    if os.environ.get("OPENAI_BASE_URL"):
        return "openai", "OPENAI_BASE_URL is set"
    if os.environ.get(config.key_env):
        return "openai", f"{config.key_env} is set"
    if config.model_path:
        return "local", "--model-path is set"
    if local_available():
        return "local", "no server is configured and the local model is installed"
    return "extractive", (
        "no server is configured (--base-url, OPENAI_BASE_URL or "
        f"{config.key_env}) and the local model is not installed"
    )


def make_summarizer(config: BackendConfig) -> Summarizer:
    name = resolve_auto(config)[0] if config.name == "auto" else config.name
    entry = registry().summarizers.get(name)
    if entry is None:
        raise ConfigError(f"unknown backend {name!r}: choose one of {', '.join(backend_names())}")
    factory = entry.load()
    if entry.plugin == "backends":  # the older entry-point group: keyword arguments
        summarizer: Summarizer = factory(
            **{k: v for k, v in vars(config).items() if k != "name" and v}
        )
    else:
        summarizer = factory(config)
    return summarizer


__all__ = ["BackendConfig", "Summarizer", "SummaryRequest", "backend_names", "make_summarizer"]
