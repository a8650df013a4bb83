"""The built-in sources, registered as a plugin (see :mod:`paperdigest.plugins`)."""

from __future__ import annotations

from collections.abc import Callable


def register_sources(register: Callable[..., None]) -> None:
    register(
        "hf",
        "paperdigest.sources.hf_daily:from_spec",
        "the Hugging Face Daily Papers API (PAPERDIGEST_HF_URL)",
    )
    register(
        "file",
        "paperdigest.sources.file_snapshot:from_spec",
        "file:PATH, a saved response of that API",
    )
    register(
        "arxiv",
        "paperdigest.sources.arxiv_api:from_spec",
        "arxiv:CAT,CAT, arXiv's listing of a day in those categories (PAPERDIGEST_ARXIV_API_URL)",
    )
