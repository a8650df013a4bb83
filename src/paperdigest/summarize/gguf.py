"""The GGUF header of a model file, read directly (no ``llama_cpp``), and what the model needs:
a chat template, and memory for a given context. A model that cannot run is refused before
anything heavy is loaded."""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from ..errors import ConfigError

# -- the GGUF header --------------------------------------------------------------------------

_SCALARS: dict[int, str] = {
    0: "<B",
    1: "<b",
    2: "<H",
    3: "<h",
    4: "<I",
    5: "<i",
    6: "<f",
    7: "<?",
    10: "<Q",
    11: "<q",
    12: "<d",
}
_STRING, _ARRAY = 8, 9


class _Reader:
    def __init__(self, fh: BinaryIO) -> None:
        self.fh = fh

    def take(self, fmt: str) -> Any:
        size = struct.calcsize(fmt)
        data = self.fh.read(size)
        if len(data) != size:
            raise ValueError("the file ends inside its header")
        return struct.unpack(fmt, data)[0]

    def string(self) -> str:
        length = self.take("<Q")
        if length > 1 << 26:
            raise ValueError("a header string is implausibly long")
        data = self.fh.read(length)
        if len(data) != length:
            raise ValueError("the file ends inside its header")
        return data.decode("utf-8", errors="replace")

    def value(self, kind: int) -> Any:
        """One value; an array (a token list, say) is skipped and stands as its length."""
        if kind == _STRING:
            return self.string()
        if kind in _SCALARS:
            return self.take(_SCALARS[kind])
        if kind != _ARRAY:
            raise ValueError(f"unknown value type {kind}")
        item_kind, count = self.take("<I"), self.take("<Q")
        if item_kind == _STRING:
            for _ in range(count):
                self.fh.seek(self.take("<Q"), os.SEEK_CUR)
        elif item_kind in _SCALARS:
            self.fh.seek(struct.calcsize(_SCALARS[item_kind]) * count, os.SEEK_CUR)
        else:
            for _ in range(count):
                self.value(item_kind)
        return count


def read_gguf_metadata(path: Path) -> dict[str, Any]:
    """The key/value metadata of a GGUF file (arrays reduced to their length), header only."""
    try:
        with path.open("rb") as fh:
            reader = _Reader(fh)
            if fh.read(4) != b"GGUF":
                raise ConfigError(f"{path} is not a GGUF model file")
            version = reader.take("<I")
            if version not in (2, 3):
                raise ConfigError(f"{path} is GGUF version {version}; versions 2 and 3 are read")
            reader.take("<Q")  # tensor count
            kv_count = reader.take("<Q")
            meta: dict[str, Any] = {}
            for _ in range(kv_count):
                key = reader.string()
                meta[key] = reader.value(reader.take("<I"))
            return meta
    except ConfigError:
        raise
    except OSError as exc:
        raise ConfigError(f"cannot read model file {path}: {exc.strerror}") from None
    except (ValueError, struct.error) as exc:
        raise ConfigError(f"{path} is not a readable GGUF model file ({exc})") from None


@dataclass(frozen=True)
class ModelInfo:
    """What a run needs to know about a GGUF model before loading it."""

    path: Path
    file_size: int
    name: str
    architecture: str
    context_length: int
    n_layer: int
    n_embd: int
    n_head: int
    n_head_kv: int
    key_length: int
    value_length: int
    n_vocab: int
    chat_template: str | None

    @classmethod
    def from_metadata(cls, path: Path, meta: dict[str, Any]) -> ModelInfo:
        arch = str(meta.get("general.architecture", ""))

        def num(key: str, default: int = 0) -> int:
            value = meta.get(f"{arch}.{key}", default)
            return int(value) if isinstance(value, int | float) else default

        n_embd, n_head = num("embedding_length"), num("attention.head_count")
        n_head_kv = num("attention.head_count_kv", n_head)
        head_dim = n_embd // n_head if n_head else 0
        template = meta.get("tokenizer.chat_template")
        return cls(
            path=path,
            file_size=path.stat().st_size,
            name=str(meta.get("general.name", path.stem)),
            architecture=arch,
            context_length=num("context_length"),
            n_layer=num("block_count"),
            n_embd=n_embd,
            n_head=n_head,
            n_head_kv=n_head_kv,
            key_length=num("attention.key_length", head_dim),
            value_length=num("attention.value_length", head_dim),
            n_vocab=int(meta.get("tokenizer.ggml.tokens", 0) or num("vocab_size")),
            chat_template=template if isinstance(template, str) and template.strip() else None,
        )

    def kv_cache_bytes(self, n_ctx: int) -> int:
        """Keys and values of every layer for ``n_ctx`` tokens, stored as f16."""
        per_token = self.n_layer * self.n_head_kv * (self.key_length + self.value_length) * 2
        return per_token * n_ctx

    def memory_needed(self, n_ctx: int, n_batch: int) -> int:
        """Estimated resident memory to run with ``n_ctx``: weights, KV cache, compute buffers."""
        logits = self.n_vocab * n_batch * 4  # f32 logits of one batch
        activations = self.n_embd * n_batch * 4 * 16 + self.n_head * n_batch * n_batch * 4
        return self.file_size + self.kv_cache_bytes(n_ctx) + logits + activations + (64 << 20)


def model_info(path: Path) -> ModelInfo:
    return ModelInfo.from_metadata(path, read_gguf_metadata(path))


def require_chat_model(info: ModelInfo) -> None:
    if info.chat_template is None:
        raise ConfigError(
            f"{info.path} is not a chat model (its GGUF metadata has no tokenizer.chat_template): "
            "use an instruct/chat GGUF"
        )


def available_memory() -> int | None:
    """Bytes this process may still use: MemAvailable, lowered by a cgroup limit if one is set."""
    found: int | None = None
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    found = int(line.split()[1]) * 1024
                    break
    except (OSError, ValueError, IndexError):
        return None
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        used = Path("/sys/fs/cgroup/memory.current").read_text().strip()
        if limit != "max" and found is not None:
            found = min(found, int(limit) - int(used))
    except (OSError, ValueError):
        pass
    return found


def require_memory(
    info: ModelInfo, n_ctx: int, n_batch: int, available: int | None, *, what: str = "available"
) -> int:
    """The estimate for ``n_ctx``; ConfigError when ``available`` bytes cannot hold it."""
    needed = info.memory_needed(n_ctx, n_batch)
    if available is not None and needed > available:
        raise ConfigError(
            f"not enough memory for a {n_ctx:,}-token context with {info.path.name}: it needs "
            f"about {gb(needed)}, {gb(available)} is {what} (use a smaller -o n_ctx=N or "
            "free some memory)"
        )
    return needed


def gb(n: int) -> str:
    return f"{n / (1 << 30):.1f} GB" if n >= 1 << 30 else f"{n / (1 << 20):.0f} MB"
