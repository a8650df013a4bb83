"""arXiv identifiers: new style (``2407.14057``, ``2407.14057v2``) and old style
(``hep-th/9901001``, ``math.AG/0601001v3``), also given as ``arXiv:…`` or an arxiv.org URL."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import ArxivIdError

_NEW = re.compile(r"(?P<base>\d{4}\.\d{4,5})(?P<version>v[1-9]\d{0,3})?")
_OLD = re.compile(r"(?P<base>[a-z][a-z-]*(?:\.[A-Z]{2})?/\d{7})(?P<version>v[1-9]\d{0,3})?")
_URL = re.compile(
    r"^(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html)/(?P<rest>.+?)(?:\.pdf)?/?$",
    re.IGNORECASE,
)



@dataclass(frozen=True)
class ArxivId:
    base: str  # without version: "2407.14057" or "hep-th/9901001"
    version: str | None = None  # "v2", or None for "the latest"

    @property
    def text(self) -> str:
        return self.base + (self.version or "")

    @property
    def slug(self) -> str:
        """A folder name for the cache: old-style ids have a slash."""
        return self.base.replace("/", "_")

    def __str__(self) -> str:
        return self.text


def parse_arxiv_id(text: str) -> ArxivId:
    """Parse an id, ``arXiv:`` id or arxiv.org URL; raise :class:`ArxivIdError` otherwise."""
    raw = text.strip()
    value = raw
    match = _URL.match(value)
    if match:
        value = match.group("rest")
    if value.lower().startswith("arxiv:"):
        value = value[len("arxiv:") :]
    found = _NEW.fullmatch(value)
    if found and _new_style_ok(found.group("base")):
        return ArxivId(found.group("base"), found.group("version"))
    found = _OLD.fullmatch(value)
    if found:
        return ArxivId(found.group("base"), found.group("version"))
    if not raw:
        raise ArxivIdError("an empty string is not an arXiv id")
    raise ArxivIdError(
        f"{raw!r} is not an arXiv id (expected e.g. 2407.14057, 2407.14057v2 or hep-th/9901001)"
    )


def _new_style_ok(base: str) -> bool:
    """YYMM is a real month from 0704 on; 4-digit numbers until 1412, 5 digits from 1501."""
    yymm, number = base.split(".")
    month = int(yymm[2:])
    if not 1 <= month <= 12 or yymm < "0704":
        return False
    return len(number) == (4 if yymm < "1501" else 5)


def find_version(text: str, base: str) -> str | None:
    """The first ``<base>vN`` mentioned in ``text`` (arXiv stamps it on pages), as ``vN``."""
    match = re.search(re.escape(base) + r"(v[1-9]\d{0,3})\b", text)
    return match.group(1) if match else None
