"""Atomic file writes: a temporary file in the same folder, fsync, then rename.

Files get the mode a plain ``open()`` would give them (``0666`` less the umask: 0644 under the
usual 022), so a site or digest folder served by a web server running as another user can be
read; ``secret=True`` keeps a file 0600 whatever the umask.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from .errors import InputError, WriteError


def current_umask() -> int:
    """The process's umask, read without changing it (Linux ``/proc``), else set and restored."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)  # pragma: no cover - not Linux
    os.umask(mask)  # pragma: no cover
    return mask  # pragma: no cover


def file_mode(*, secret: bool = False) -> int:
    """The mode for a new file: 0600 for secrets, else 0666 less the umask."""
    return 0o600 if secret else 0o666 & ~current_umask()


def write_atomic(
    path: str | Path, data: str | bytes, *, secret: bool = False, durable: bool = True
) -> Path:
    """Write ``data`` to ``path`` so readers see the old file or the new one, never a part.

    The file's mode is :func:`file_mode` (the umask honoured; 0600 when ``secret``).
    ``durable=False`` skips the fsync: still atomic for readers, but a power cut may lose the
    new file; for many files that can be made again (the static site's pages)."""
    path = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise WriteError(f"cannot write {path}: {exc.strerror}") from None
    try:
        os.fchmod(fd, file_mode(secret=secret))
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise WriteError(f"cannot write {path}: {exc.strerror}") from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path


def read_text(path: str | Path, *, what: str = "file") -> str:
    """A UTF-8 text file (a BOM is fine), or an InputError that says what is wrong and where."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{what} not found: {path}") from None
    except IsADirectoryError:
        raise InputError(f"{path} is a folder, not a {what}") from None
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(f"{path} is not UTF-8 (line {line}, byte {exc.start})") from None
