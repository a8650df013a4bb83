"""paperdigest: daily research-paper digests in your own language, checked against the papers.

The public surface is what ``__all__`` names; everything else may change between versions.
Names load on first use, so ``import paperdigest`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "AppError": "paperdigest.errors",
    "BackendConfig": "paperdigest.summarize",
    "DigestOptions": "paperdigest.digest",
    "Paper": "paperdigest.models",
    "Sections": "paperdigest.models",
    "Store": "paperdigest.store",
    "Summarizer": "paperdigest.summarize.base",
    "Summary": "paperdigest.models",
    "SummaryRequest": "paperdigest.summarize.base",
    "make_summarizer": "paperdigest.summarize",
    "open_source": "paperdigest.sources",
    "run_checks": "paperdigest.checks",
    "run_digest": "paperdigest.digest",
}

__all__ = sorted([*_EXPORTS, "__version__"])


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'paperdigest' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
