"""Where papers come from. Each source turns one day's list into ordered :class:`Paper` records.

Source specs on the command line are ``scheme`` or ``scheme:argument``; the schemes come from the
plugin registry (:mod:`paperdigest.plugins`, hook ``register_sources``). Built in:

- ``hf`` — the Hugging Face Daily Papers API (``PAPERDIGEST_HF_URL``, default https://huggingface.co)
- ``file:PATH`` — a saved response of that API
- ``arxiv:CAT,CAT`` — arXiv's listing of a day in those categories (:mod:`.arxiv_api`)

Several sources separated by ``+`` (or ``,``; see :mod:`.merged`) are merged into one day.
A factory that takes a ``settings`` keyword gets the run's :class:`~paperdigest.settings.Settings`.
"""

from __future__ import annotations

import inspect
from typing import Any

import httpx

from ..errors import ConfigError
from ..http import HttpPolicy
from ..plugins import registry
from ..settings import Settings
from .base import Listing, Source
from .merged import MergedSource, split_spec


def source_names() -> list[str]:
    return list(registry().sources)


def _open_one(
    spec: str,
    policy: HttpPolicy | None,
    transport: httpx.BaseTransport | None,
    settings: Settings | None,
) -> Source:
    scheme, _, argument = spec.partition(":")
    entry = registry().sources.get(scheme)
    if entry is None or (scheme == "hf" and argument):
        others = [n for n in source_names() if n not in ("hf", "file", "arxiv")]
        extra = "".join(f" or '{n}'" for n in others)
        raise ConfigError(
            f"unknown source {spec!r}: use 'hf', 'file:PATH' or 'arxiv:CAT,CAT'{extra} "
            "(several joined with '+')"
        )
    factory = entry.load()
    kwargs: dict[str, Any] = {"policy": policy, "transport": transport}
    try:
        if "settings" in inspect.signature(factory).parameters:
            kwargs["settings"] = settings
    except (TypeError, ValueError):  # a builtin or an odd callable: no settings for it
        pass
    source: Source = factory(argument, **kwargs)
    return source


def open_source(
    spec: str,
    *,
    policy: HttpPolicy | None = None,
    transport: httpx.BaseTransport | None = None,
    settings: Settings | None = None,
) -> Source:
    """Build a source from its command-line spec (several: a :class:`MergedSource`)."""
    parts = list(dict.fromkeys(split_spec(spec, source_names())))
    if len(parts) == 1:
        return _open_one(parts[0], policy, transport, settings)
    return MergedSource([(p, _open_one(p, policy, transport, settings)) for p in parts])


__all__ = ["Listing", "MergedSource", "Source", "open_source", "source_names"]
