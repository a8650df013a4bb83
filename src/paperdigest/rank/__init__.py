"""Ranking a day's papers for one reader, with a one-line reason per paper.

``load_profile(path)`` reads the reader's profile, ``build_reader(profile, store)`` resolves its
seed papers and applies the stored feedback, and ``rank_papers(papers, reader, scorer,
lang=...)`` scores, sorts and explains. :func:`make_scorer` picks the scorer from the settings:
lexical (BM25, offline, the default) or embedding (an OpenAI-compatible ``/v1/embeddings``
endpoint, or a local GGUF embedding model).
"""

from __future__ import annotations

import os

from ..errors import ConfigError
from ..settings import SCORERS
from .embed import EmbeddingScorer, GGUFEmbedder, OpenAIEmbedder
from .profile import Profile, SeedPaper, load_profile, parse_profile, strip_version
from .reader import build_reader
from .reasons import Part, explain
from .score import LexicalScorer, Ranked, Ranking, Reader, Scorer, rank_papers


def make_scorer(
    name: str = "auto",
    *,
    embed_url: str | None = None,
    embed_model: str | None = None,
    embed_gguf: str | None = None,
    api_key_env: str = "OPENAI_API_KEY",
    timeout: float = 60.0,
) -> Scorer:
    """``auto``: the embedding scorer when an endpoint or a GGUF model is configured, else
    lexical."""
    if name not in SCORERS:
        raise ConfigError(f"unknown scorer {name!r}: choose {', '.join(SCORERS)}")
    configured = bool(embed_url or embed_gguf)
    if name == "lexical" or (name == "auto" and not configured):
        return LexicalScorer()
    if embed_url:
        key = os.environ.get(api_key_env) or None
        return EmbeddingScorer(
            OpenAIEmbedder(embed_url, embed_model or "", api_key=key, timeout=timeout)
        )
    if embed_gguf:
        return EmbeddingScorer(GGUFEmbedder(embed_gguf))
    raise ConfigError(
        "the embedding scorer needs PAPERDIGEST_EMBED_URL (an OpenAI-compatible /v1 server) or "
        "PAPERDIGEST_EMBED_GGUF (a local GGUF embedding model)"
    )


def close_scorer(scorer: Scorer) -> None:
    embedder = getattr(scorer, "embedder", None)
    if embedder is not None:
        embedder.close()


__all__ = [
    "SCORERS",
    "EmbeddingScorer",
    "LexicalScorer",
    "Part",
    "Profile",
    "Ranked",
    "Ranking",
    "Reader",
    "Scorer",
    "SeedPaper",
    "build_reader",
    "close_scorer",
    "explain",
    "load_profile",
    "make_scorer",
    "parse_profile",
    "rank_papers",
    "strip_version",
]
