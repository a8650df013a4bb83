"""The embedding scorer: cosine likeness of embeddings instead of BM25.

Embeddings come from any OpenAI-compatible ``POST {base_url}/embeddings`` endpoint (the
project's HTTP policy: timeout, bounded retries with backoff, ``Retry-After``, a size cap on the
answer), or from a local GGUF embedding model through llama-cpp-python (the ``local`` extra,
imported only when used).

Parts: **topic** (likeness to the profile's keywords, as one text) × 5, **seed** / **liked**
(the closest seed or liked paper) × 4, **disliked** × −4. Cosines are spread over the day
(the least alike paper 0, the most alike 1), since each model has its own cosine scale; the
authors, categories, exclusions and votes parts are the lexical scorer's.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from ..errors import ConfigError, FetchError
from ..http import HttpPolicy, make_client, request
from ..models import Paper
from .profile import SeedPaper
from .reasons import Part
from .score import DISLIKE_WEIGHT, SEED_WEIGHT, Reader

TOPIC_WEIGHT = 5.0
BATCH = 64
MAX_TEXT_CHARS = 4000
MAX_ANSWER_BYTES = 64 * 1024 * 1024
SPREAD_MIN = 1e-6


class Embedder(Protocol):
    name: str

    def embed(self, texts: Sequence[str]) -> list[list[float]]: ...

    def close(self) -> None: ...


@dataclass
class OpenAIEmbedder:
    """``POST {base_url}/embeddings`` with ``{"model", "input": [...]}``, in batches."""

    base_url: str
    model: str = ""
    api_key: str | None = None
    timeout: float = 60.0
    transport: httpx.BaseTransport | None = None
    name: str = "embedding"
    _client: httpx.Client | None = field(default=None, init=False, repr=False)

    def _http(self) -> httpx.Client:
        if self._client is None:
            headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
            self._client = make_client(
                HttpPolicy(timeout=self.timeout), transport=self.transport, headers=headers
            )
        return self._client

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        out: list[list[float]] = []
        url = self.base_url.rstrip("/") + "/embeddings"
        for start in range(0, len(texts), BATCH):
            batch = [t[:MAX_TEXT_CHARS] or " " for t in texts[start : start + BATCH]]
            body: dict[str, Any] = {"input": batch}
            if self.model:
                body["model"] = self.model
            response = request(
                self._http(), "POST", url, json=body, what="embeddings request",
                policy=HttpPolicy(timeout=self.timeout, attempts=3),
                max_bytes=MAX_ANSWER_BYTES,
            )
            out.extend(_vectors(response, len(batch), url))
        _same_size(out, url)
        return out

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


def _vectors(response: httpx.Response, expected: int, url: str) -> list[list[float]]:
    if response.status_code != 200:
        raise FetchError(f"embeddings request failed: {url}: HTTP {response.status_code}",
                         url=url)
    try:
        data = response.json()["data"]
        items = sorted(data, key=lambda item: int(item.get("index", 0)))
        vectors = [[float(x) for x in item["embedding"]] for item in items]
    except (ValueError, KeyError, TypeError, AttributeError):
        raise FetchError(f"embeddings request failed: {url}: not an embeddings answer",
                         url=url) from None
    if len(vectors) != expected:
        raise FetchError(
            f"embeddings request failed: {url}: {len(vectors)} embeddings for {expected} texts",
            url=url,
        )
    return vectors


def _same_size(vectors: Sequence[Sequence[float]], where: str) -> None:
    sizes = {len(v) for v in vectors}
    if len(sizes) > 1 or 0 in sizes:
        raise FetchError(f"embeddings from {where} have different or zero sizes: {sorted(sizes)}")


@dataclass
class GGUFEmbedder:
    """A local GGUF embedding model through llama-cpp-python (``pip install '.[local]'``)."""

    path: str
    name: str = "embedding"
    _model: Any = field(default=None, init=False, repr=False)

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        if self._model is None:
            try:
                from llama_cpp import Llama
            except ImportError:
                raise ConfigError(
                    "a GGUF embedding model needs llama-cpp-python: pip install '.[local]'"
                ) from None
            self._model = Llama(model_path=self.path, embedding=True, verbose=False)
        out = [list(map(float, self._model.embed(t[:MAX_TEXT_CHARS]))) for t in texts]
        _same_size(out, self.path)
        return out

    def close(self) -> None:
        self._model = None


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    na = math.sqrt(sum(x * x for x in a))
    nb = math.sqrt(sum(y * y for y in b))
    return dot / (na * nb) if na and nb else 0.0


def spread(values: Sequence[float]) -> list[float]:
    """Each value placed between the day's lowest (0) and highest (1)."""
    if not values:
        return []
    low, high = min(values), max(values)
    if high - low < SPREAD_MIN:
        return [1.0 if high > 0 else 0.0 for _ in values]
    return [(v - low) / (high - low) for v in values]


def _text(title: str, abstract: str) -> str:
    return f"{title}\n{abstract}".strip()


@dataclass
class EmbeddingScorer:
    embedder: Embedder
    name: str = "embedding"

    def text_parts(self, papers: Sequence[Paper], reader: Reader) -> list[list[Part]]:
        profile = reader.profile
        topic = ", ".join(
            term for term, weight in sorted(profile.keywords.items(), key=lambda kv: -kv[1])
            if weight > 0
        )
        texts = [_text(p.title, p.abstract) for p in papers]
        extra = [s.text for s in reader.seeds] + [s.text for s in reader.disliked]
        vectors = self.embedder.embed(texts + extra + ([topic] if topic else []))
        docs = vectors[: len(papers)]
        seeds = vectors[len(papers) : len(papers) + len(reader.seeds)]
        bad = vectors[len(papers) + len(reader.seeds) : len(papers) + len(extra)]
        out: list[list[Part]] = [[] for _ in papers]
        if topic:
            query = vectors[-1]
            for parts, likeness in zip(out, spread([cosine(d, query) for d in docs]),
                                       strict=True):
                parts.append(Part("topic", topic, TOPIC_WEIGHT * likeness))
        self._closest(out, docs, reader.seeds, seeds, SEED_WEIGHT, None)
        self._closest(out, docs, reader.disliked, bad, -DISLIKE_WEIGHT, "disliked")
        return out

    @staticmethod
    def _closest(
        out: list[list[Part]],
        docs: Sequence[Sequence[float]],
        seeds: Sequence[SeedPaper],
        vectors: Sequence[Sequence[float]],
        weight: float,
        kind: str | None,
    ) -> None:
        if not seeds:
            return
        best: list[tuple[float, SeedPaper]] = []
        for doc in docs:
            scored = [(cosine(doc, v), s) for v, s in zip(vectors, seeds, strict=True)]
            best.append(max(scored, key=lambda pair: pair[0]))
        for parts, likeness, (_, seed) in zip(
            out, spread([b[0] for b in best]), best, strict=True
        ):
            which = kind or ("liked" if seed.origin == "like" else "seed")
            if likeness > 0:
                parts.append(Part(which, seed.title or seed.id or "?", weight * likeness))


__all__ = ["Embedder", "EmbeddingScorer", "GGUFEmbedder", "OpenAIEmbedder", "cosine", "spread"]
