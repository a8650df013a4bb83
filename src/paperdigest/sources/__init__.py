"""Where papers come from. Each source turns one day's list into ordered :class:`Paper` records.

Source specs on the command line:

- ``hf`` — the Hugging Face Daily Papers API (``PAPERDIGEST_HF_URL``, default https://huggingface.co)
- ``file:PATH`` — a saved response of that API
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from typing import Protocol

import httpx

from ..errors import ConfigError
from ..http import HttpPolicy
from ..models import Paper


@dataclass(frozen=True)
class Listing:
    """One day's list as a source gave it, in vote order (ties keep the source's order)."""

    day: dt.date
    papers: tuple[Paper, ...]
    source: str
    skipped: tuple[str, ...] = ()  # malformed items left out, with the reason


class Source(Protocol):
    name: str

    def fetch(self, day: dt.date | None) -> Listing:
        """Return the list for ``day`` (``None``: the source's own day, where it has one)."""
        ...


def open_source(
    spec: str,
    *,
    policy: HttpPolicy | None = None,
    transport: httpx.BaseTransport | None = None,
) -> Source:
    """Build a source from its command-line spec."""
    from .file_snapshot import FileSource
    from .hf_daily import HFDailySource

    if spec == "hf":
        base = os.environ.get("PAPERDIGEST_HF_URL", "https://huggingface.co")
        return HFDailySource(base, policy=policy, transport=transport)
    if spec.startswith("file:"):
        path = spec[len("file:") :]
        if not path:
            raise ConfigError(
                "--source file: needs a path, e.g. file:saved/hf-daily-2024-07-22.json"
            )
        return FileSource(path)
    raise ConfigError(f"unknown source {spec!r}: use 'hf' or 'file:PATH'")


__all__ = ["Listing", "Source", "open_source"]
