"""Downloaded files and extracted text per arXiv id and version, so a rerun fetches nothing.

Layout under ``cache_dir()/fulltext/``::

    2407.14057/latest/        the id as listed (no version: whatever arXiv served first)
        html.html  pdf.pdf    the bytes as downloaded (HTTP 200 only)
        pdf.missing.json      a permanent miss (404, over the size cap), so it is not asked again
        result.json           what was extracted and used, with the reasons
    2407.14057/v2/            an explicitly versioned id
    hep-th_9901001/latest/    old-style ids: the slash becomes "_"

Every write goes through :func:`paperdigest.fsutil.write_atomic`. ``result.json`` carries the
extractor version: after an extractor change the cached downloads are extracted again, offline.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from ..config import cache_dir
from ..fsutil import write_atomic
from .document import EXTRACTOR_VERSION
from .ids import ArxivId

EXTENSIONS = {"html": "html", "pdf": "pdf"}


def default_root() -> Path:
    return cache_dir() / "fulltext"


class FulltextCache:
    def __init__(self, root: str | Path | None = None) -> None:
        self.root = Path(root) if root is not None else default_root()

    def folder(self, aid: ArxivId) -> Path:
        return self.root / aid.slug / (aid.version or "latest")

    def _raw_path(self, aid: ArxivId, source: str) -> Path:
        return self.folder(aid) / f"{source}.{EXTENSIONS[source]}"

    def raw(self, aid: ArxivId, source: str) -> bytes | None:
        try:
            return self._raw_path(aid, source).read_bytes()
        except OSError:
            return None

    def save_raw(self, aid: ArxivId, source: str, data: bytes) -> Path:
        return write_atomic(self._raw_path(aid, source), data)

    def missing(self, aid: ArxivId, source: str) -> dict[str, Any] | None:
        return _read_json(self.folder(aid) / f"{source}.missing.json")

    def save_missing(self, aid: ArxivId, source: str, info: dict[str, Any]) -> None:
        write_atomic(self.folder(aid) / f"{source}.missing.json", _dump(info))

    def result(self, aid: ArxivId) -> dict[str, Any] | None:
        data = _read_json(self.folder(aid) / "result.json")
        if data is None or data.get("extractor_version") != EXTRACTOR_VERSION:
            return None
        return data

    def save_result(self, aid: ArxivId, data: dict[str, Any]) -> None:
        payload = {**data, "extractor_version": EXTRACTOR_VERSION}
        write_atomic(self.folder(aid) / "result.json", _dump(payload))

    def clear(self, aid: ArxivId) -> None:
        shutil.rmtree(self.folder(aid), ignore_errors=True)


def _dump(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
