"""Where papers come from. Each source turns one day's list into ordered :class:`Paper` records.

Source specs on the command line are ``scheme`` or ``scheme:argument``; the schemes come from the
plugin registry (:mod:`paperdigest.plugins`, hook ``register_sources``). Built in:

- ``hf`` — the Hugging Face Daily Papers API (``PAPERDIGEST_HF_URL``, default https://huggingface.co)
- ``file:PATH`` — a saved response of that API
"""

from __future__ import annotations

import httpx

from ..errors import ConfigError
from ..http import HttpPolicy
from ..plugins import registry
from .base import Listing, Source


def source_names() -> list[str]:
    return list(registry().sources)


def open_source(
    spec: str,
    *,
    policy: HttpPolicy | None = None,
    transport: httpx.BaseTransport | None = None,
) -> Source:
    """Build a source from its command-line spec."""
    scheme, _, argument = spec.partition(":")
    entry = registry().sources.get(scheme)
    if entry is None or (scheme == "hf" and argument):
        others = [n for n in source_names() if n not in ("hf", "file")]
        extra = "".join(f" or '{n}'" for n in others)
        raise ConfigError(f"unknown source {spec!r}: use 'hf' or 'file:PATH'{extra}")
    factory = entry.load()
    source: Source = factory(argument, policy=policy, transport=transport)
    return source


__all__ = ["Listing", "Source", "open_source", "source_names"]
