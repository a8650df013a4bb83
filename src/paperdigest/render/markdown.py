"""The digest as Markdown, exactly in the reference format (daily_papers_ko)::

    ## Daily Papers (2024-07-22)

    ### [Title](https://arxiv.org/abs/2407.14507)

    ![](https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/2407.14507.png)

    Vote: 31

    Authors: A, B, C

    - **What's New**: ...
    - **Technical Details**: ...
    - **Performance Highlights**: ...

Papers come in vote order; each block ends with one blank line. With a reader's profile, a
``Why: <reason>`` line follows the ``Authors:`` line (and the papers come in the profile's order);
papers listed but not summarized (``--summarize-top``) are listed by title after a ``---`` line.
A digest written by paperdigest ends with a footer after a ``---`` line (outside the
reference's paper blocks, so parsers of the format still read them): which backend and model
wrote the summaries and which were flagged by the checks, so a small-model digest is never taken
for a checked large-model one.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
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


def paper_block(paper: Paper, sections: Sections, why: str | None = None) -> str:
    authors = ", ".join(escape_inline(a) for a in paper.authors)
    parts = [
        f"### [{escape_inline(paper.title)}]({link_url(paper.arxiv_url)})\n\n",
        media_block(paper),
        f"Vote: {paper.upvotes}\n\n",
        f"Authors: {authors}".rstrip() + "\n\n",
    ]
    if why:
        parts.append(f"Why: {escape_inline(why)}\n\n")
    for key, text in sections.items():
        parts.append(f"- **{SECTION_LABELS[key]}**: {escape_section(text)}\n")
    parts.append("\n")
    return "".join(parts)


@dataclass(frozen=True)
class Provenance:
    """Who wrote a day's summaries, and which the checks flagged: (paper id, check names)."""

    backend: str
    model: str
    lang: str
    flagged: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # papers of an earlier digest with a new version, left out by --new-only:
    # (paper id, version now, the day of the earlier digest)
    updated: tuple[tuple[str, int, str], ...] = ()
    # what the summaries read: (input source, papers), e.g. (("html", 12), ("abstract", 4))
    inputs: tuple[tuple[str, int], ...] = ()


_READ_TEXT = {"ko": " · 읽은 내용: {items}", "en": " · read: {items}"}
_READ_ITEM = {"ko": "{what} {n}편", "en": "{what} ({n})"}


def _inputs_text(provenance: Provenance) -> str:
    from .provenance import input_label

    lang = provenance.lang if provenance.lang in _READ_TEXT else "en"
    items = ", ".join(
        _READ_ITEM[lang].format(what=input_label(source, lang), n=n)
        for source, n in provenance.inputs
    )
    return _READ_TEXT[lang].format(items=items) if items else ""


_FOOTER_TEXT = {
    "ko": (
        "요약 작성: {model} ({backend}) · 자동 검사: {n}편 중 {ok}편 통과",
        " · 검사에서 문제가 발견된 요약(주의해서 읽으세요): {items}",
    ),
    "en": (
        "Summaries written by {model} ({backend}) · automatic checks: {ok} of {n} passed",
        " · flagged by the checks (read with care): {items}",
    ),
}


_UPDATED_TEXT = {
    "ko": "이전 다이제스트에 실린 논문의 새 버전(다시 싣지 않음): {items}",
    "en": "New versions of papers in earlier digests (not listed again): {items}",
}
_UPDATED_ITEM = {"ko": "{id} v{version} ({day} 다이제스트)", "en": "{id} v{version} ({day})"}


def footer(provenance: Provenance, count: int) -> str:
    """The footer block: a rule, a visible line, and the same facts as an HTML comment."""
    head, flagged = _FOOTER_TEXT.get(provenance.lang, _FOOTER_TEXT["en"])
    line = head.format(
        model=escape_inline(provenance.model),
        backend=escape_inline(provenance.backend),
        n=count,
        ok=count - len(provenance.flagged),
    )
    line += _inputs_text(provenance)
    if provenance.flagged:
        from .provenance import reader_problem

        items = "; ".join(
            f"{pid} ({', '.join(checks)}: "
            + " ".join(reader_problem(c, provenance.lang) for c in checks)
            + ")"
            for pid, checks in provenance.flagged
        )
        line += flagged.format(items=items)
    ids = ",".join(pid for pid, _ in provenance.flagged)
    updated = ""
    if provenance.updated:
        item = _UPDATED_ITEM.get(provenance.lang, _UPDATED_ITEM["en"])
        items = ", ".join(
            item.format(id=pid, version=version, day=day)
            for pid, version, day in provenance.updated
        )
        text = _UPDATED_TEXT.get(provenance.lang, _UPDATED_TEXT["en"])
        updated = f"*{escape_inline(text.format(items=items))}*\n\n"
    return f"---\n\n*{line}*\n\n{updated}{_safe_comment(provenance, ids)}\n"


def _safe_comment(provenance: Provenance, ids: str) -> str:
    """An HTML comment with the facts; "--" cannot occur inside (it would end the comment)."""

    def clean(value: str) -> str:
        kept = "".join(ch for ch in value if ch.isalnum() or ch in "._+:/,@-")
        while "--" in kept:
            kept = kept.replace("--", "-")
        return kept

    return (
        f"<!-- paperdigest backend={clean(provenance.backend)} model={clean(provenance.model)} "
        f"flagged={clean(ids)} -->"
    )


_TITLES_ONLY = {"ko": "제목만 (요약하지 않은 논문)", "en": "Titles only (not summarized)"}


def titles_block(papers: Sequence[Paper], why: Mapping[str, str], lang: str) -> str:
    """The papers listed but not summarized, one line each, after a ``---`` line (outside the
    paper blocks, so parsers of the format skip it)."""
    lines = [f"---\n\n**{_TITLES_ONLY.get(lang, _TITLES_ONLY['en'])}**\n\n"]
    for paper in papers:
        reason = f" — Why: {escape_inline(why[paper.id])}" if why.get(paper.id) else ""
        lines.append(
            f"- [{escape_inline(paper.title)}]({link_url(paper.arxiv_url)}) · Vote: "
            f"{paper.upvotes}{reason}\n"
        )
    return "".join(lines) + "\n"


def render_day(
    day: dt.date,
    entries: Sequence[tuple[Paper, Sections]],
    provenance: Provenance | None = None,
    *,
    why: Mapping[str, str] | None = None,
    rest: Sequence[Paper] = (),
) -> str:
    """The whole day's digest; ``entries`` already in the order to print (vote order, or the
    profile's). With ``provenance``, a footer says who wrote the summaries and which were
    flagged; with ``why`` (paper id -> reason), each block has a ``Why:`` line; ``rest`` are
    listed by title only."""
    why = why or {}
    out = [f"## Daily Papers ({day.isoformat()})\n\n"]
    out.extend(paper_block(paper, sections, why.get(paper.id)) for paper, sections in entries)
    if rest:
        out.append(titles_block(rest, why, provenance.lang if provenance else "en"))
    if provenance is not None and entries:
        out.append(footer(provenance, len(entries)))
    return "".join(out)


def digest_path(
    out_dir: str | Path, day: dt.date, lang: str, default_lang: str = DEFAULT_LANG
) -> Path:
    """``<out>/YYYY/MM/DD.md`` for the default language, ``DD.<lang>.md`` for others."""
    name = f"{day.day:02d}.md" if lang == default_lang else f"{day.day:02d}.{lang}.md"
    return Path(out_dir) / f"{day.year:04d}" / f"{day.month:02d}" / name
