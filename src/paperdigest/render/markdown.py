"""The digest as Markdown, exactly in the reference format (daily_papers_ko)::

    ## Daily Papers (2024-07-22)

    ### [Title](https://arxiv.org/abs/2407.14507)

    ![](https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/2407.14507.png)

    Vote: 31

    Authors: A, B, C

    - **What's New**: ...
    - **Technical Details**: ...
    - **Performance Highlights**: ...

Papers come in vote order; each block ends with one blank line.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Sequence
from pathlib import Path

from ..models import SECTION_LABELS, Paper, Sections
from ..settings import DEFAULT_LANG
from ..untrusted import safe_url

_TITLE_SPECIAL = re.compile(r"([\\`*_\[\]<>&|])")
_SECTION_SPECIAL = re.compile(r"(\[|\]|<(?=[A-Za-z/!?]))")


def escape_inline(text: str) -> str:
    """Backslash-escape the characters that would break a link text or start markup."""
    return _TITLE_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def escape_section(text: str) -> str:
    """Section text stays as written, except that nothing in it can open an HTML tag, a link
    or an image (``[x](javascript:…)``, a remote tracking pixel): ``[``, ``]`` and a ``<`` that
    could start a tag are backslash-escaped (the parser undoes it)."""
    return _SECTION_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def link_url(url: str) -> str:
    """A URL safe inside Markdown ``(...)``: no spaces, balanced parentheses escaped."""
    return url.strip().replace(" ", "%20").replace("(", "%28").replace(")", "%29")


def media_block(paper: Paper) -> str:
    url = safe_url(paper.media_url) or ""  # a newline or a tab would break out of the line
    if not url:
        return ""
    if paper.media_is_video:
        src = html.escape(url.strip(), quote=True)
        return f'[Video]({link_url(url)})\n\n<video src="{src}" controls></video>\n\n'
    return f"![]({link_url(url)})\n\n"


def paper_block(paper: Paper, sections: Sections) -> str:
    authors = ", ".join(escape_inline(a) for a in paper.authors)
    parts = [
        f"### [{escape_inline(paper.title)}]({link_url(paper.arxiv_url)})\n\n",
        media_block(paper),
        f"Vote: {paper.upvotes}\n\n",
        f"Authors: {authors}".rstrip() + "\n\n",
    ]
    for key, text in sections.items():
        parts.append(f"- **{SECTION_LABELS[key]}**: {escape_section(text)}\n")
    parts.append("\n")
    return "".join(parts)


def render_day(day: dt.date, entries: Sequence[tuple[Paper, Sections]]) -> str:
    """The whole day's digest; ``entries`` already in the order to print (vote order)."""
    out = [f"## Daily Papers ({day.isoformat()})\n\n"]
    out.extend(paper_block(paper, sections) for paper, sections in entries)
    return "".join(out)


def digest_path(
    out_dir: str | Path, day: dt.date, lang: str, default_lang: str = DEFAULT_LANG
) -> Path:
    """``<out>/YYYY/MM/DD.md`` for the default language, ``DD.<lang>.md`` for others."""
    name = f"{day.day:02d}.md" if lang == default_lang else f"{day.day:02d}.{lang}.md"
    return Path(out_dir) / f"{day.year:04d}" / f"{day.month:02d}" / name
