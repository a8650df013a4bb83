"""What comes from outside, made safe before it is stored, printed or published.

Everything a source or a model hands over is untrusted: a list item may carry a 1 MB abstract,
a newline in a URL, a terminal escape, an RTL override or credentials in a URL. The rules, each
applied where the text enters (sources, the summarizer's answer, settings that hold URLs):

- **Size limits** (:data:`LIMITS`): a field over its limit is cut (text) or refused (ids and
  URLs); a list response over ``response_bytes`` is refused with one message.
- **Text** (:func:`clean_text`): control characters, terminal escape sequences and bidi
  overrides are removed; one-line fields have their whitespace collapsed.
- **arXiv ids** (:func:`is_arxiv_id`): new style (``2407.14057``) and old style
  (``hep-th/9901001``), with or without a version; anything else is refused.
- **URLs** (:func:`safe_url`): http or https with a host, no whitespace, no control characters,
  no credentials, at most ``url`` characters; anything else is dropped.
- **Secrets** (:func:`redact_url`, :func:`redact`): credentials in a URL (``user:pass@``) and
  secret-looking query parameters are removed before a URL is stored, printed or published.

Every function here is linear in its input (no backtracking regular expression can go
quadratic on these patterns), so a 1 MB field costs milliseconds.
"""

from __future__ import annotations

import re
import urllib.parse

__all__ = [
    "LIMITS",
    "clean_text",
    "is_arxiv_id",
    "public_source",
    "redact",
    "redact_url",
    "safe_url",
]

# Size limits on incoming fields, in characters (bytes for responses). Real values are far
# smaller: arXiv caps abstracts at 1,920 characters and titles at a few hundred.
LIMITS: dict[str, int] = {
    "title": 1_000,
    "abstract": 20_000,
    "author": 300,
    "authors": 500,  # names per paper
    "url": 2_000,
    "section": 8_000,  # one section of a model's answer
    "response_bytes": 50_000_000,  # one list response from a source
}

# Terminal escape sequences (CSI and OSC) first, then single characters: C0 controls but tab
# and newline, DEL, C1 controls, and the bidi embeddings, overrides and isolates.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]{0,64}[ -/]{0,16}[@-~]|\x1b\][^\x07\x1b]{0,4096}(?:\x07|\x1b\\)?"
)
_CONTROLS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)
_NEW_ID = re.compile(r"\d{4}\.\d{4,5}(?:v[1-9]\d{0,3})?")
_OLD_ID = re.compile(r"[a-z][a-z-]{0,20}(?:\.[A-Z]{2})?/\d{7}(?:v[1-9]\d{0,3})?")
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]{0,20}://)[^/\s@?#]{0,512}@")
_SECRET_PARAMS = re.compile(
    r"(?i)([?&;](?:token|access_token|api_key|apikey|key|secret|password|passwd|pwd|sig|"
    r"signature|auth|authorization|code)=)[^&#\s]{1,2048}"
)


def clean_text(text: str, *, limit: int | None = None, one_line: bool = True) -> str:
    """``text`` without control characters, escapes and bidi overrides; cut to ``limit``.

    ``one_line`` collapses all whitespace (newlines included) to single spaces; otherwise tabs
    become spaces and lines are kept."""
    if limit is not None and len(text) > limit * 2:
        text = text[: limit * 2]  # the cleaning below only shortens: bound its cost first
    text = _CONTROLS.sub("", _ESCAPES.sub("", text))
    text = " ".join(text.split()) if one_line else text.replace("\t", " ").strip()
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def is_arxiv_id(text: str) -> bool:
    """Whether ``text`` is an arXiv id, new or old style, with or without a version."""
    return bool(_NEW_ID.fullmatch(text) or _OLD_ID.fullmatch(text))


def safe_url(url: str | None) -> str | None:
    """``url`` when it is an http(s) URL fit for a page or a feed, else None.

    Refused: other schemes (``javascript:``, ``file:``, ``data:``), whitespace or control
    characters anywhere (a newline would end a Markdown line and start raw HTML), no host,
    credentials, a bad port, more than ``LIMITS["url"]`` characters."""
    if not url or len(url) > LIMITS["url"]:
        return None
    if any(c.isspace() or not c.isprintable() for c in url):
        return None
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    if parts.username is not None or parts.password is not None:
        return None
    if port is not None and not 0 < port < 65536:
        return None
    return url


def redact_url(url: str) -> str:
    """``url`` without credentials (``user:pass@``) or secret query parameters (``?token=``)."""
    return redact(url)


def redact(text: str) -> str:
    """``text`` with the credentials of every URL in it removed (see :func:`redact_url`)."""
    if "://" in text:
        text = _USERINFO.sub(r"\1", text)
    if "=" in text:
        text = _SECRET_PARAMS.sub(r"\1***", text)
    return text


def public_source(source: str) -> str:
    """A source as it may be stored and published: no credentials, and a ``file:`` source by
    its file name only (a local path tells readers about the machine)."""
    source = redact(source)
    if source.startswith("file:"):
        name = source[5:].replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
        return f"file:{name}"
    return source
