"""Parse the Hugging Face ``daily_papers`` JSON shape into Paper records.

Only ``paper.id`` and a title are required; every other field is optional and type-checked.
Everything is untrusted (:mod:`paperdigest.untrusted`): the id must be an arXiv id, text is
cleaned of control and bidi-override characters, URLs that are not plain http(s) are dropped,
and an item with a field over its size limit is refused (the HF source skips it with a warning).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..errors import FormatError, Oversized
from ..models import Paper, one_line
from ..untrusted import LIMITS, clean_text, is_arxiv_id, safe_url
from .base import is_category

THUMBNAIL_PATTERN = "https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/{id}.png"
MAX_VOTES = 10**9  # a vote count above this is a broken value: capped (SQLite holds 2^63)



def _str(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _int(value: Any) -> int:
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return min(MAX_VOTES, max(0, value))
    if isinstance(value, float) and value.is_integer():
        return min(MAX_VOTES, max(0, int(value)))
    return 0


def _authors(raw: Any) -> tuple[str, ...]:
    if not isinstance(raw, list):
        return ()
    names: list[str] = []
    for author in raw[: LIMITS["authors"]]:
        name = _str(author.get("name")) if isinstance(author, dict) else _str(author)
        if name:
            name = clean_text(name, limit=LIMITS["author"])
            if name:
                names.append(name)
    return tuple(names)


def _url(value: Any) -> str | None:
    return safe_url(_str(value))


def _text(value: str, field: str, index: int, paper_id: str, *, one_line: bool = True) -> str:
    """A cleaned field; over its size limit the item is refused (skipped with a warning)."""
    limit = LIMITS[field]
    if len(value) > limit:
        raise Oversized(
            f"item {index} (paper {paper_id}) has a {len(value):,}-character {field}, over the "
            f"{limit:,}-character limit"
        )
    return clean_text(value, one_line=one_line)


def _media(item: dict[str, Any], paper: dict[str, Any], paper_id: str) -> str | None:
    candidates: list[Any] = [item.get("mediaUrl")]
    for key in ("mediaUrls",):
        for holder in (item, paper):
            value = holder.get(key)
            if isinstance(value, list):
                candidates.extend(value)
    candidates.append(item.get("thumbnail"))
    urls = [u for u in (_url(c) for c in candidates) if u]
    videos = [u for u in urls if Paper(id="x", title="x", media_url=u).media_is_video]
    if videos:
        return videos[0]
    if urls:
        return urls[-1] if _str(item.get("thumbnail")) else urls[0]
    return THUMBNAIL_PATTERN.format(id=paper_id)


def parse_item(item: Any, index: int, list_date: dt.date | None) -> Paper:
    if not isinstance(item, dict):
        raise FormatError(f"item {index} is a {type(item).__name__}, expected an object")
    paper = item.get("paper")
    if not isinstance(paper, dict):
        raise FormatError(f"item {index} has no 'paper' object")
    paper_id = _str(paper.get("id"))
    if not paper_id:
        raise FormatError(f"item {index} has no 'paper.id'")
    title = _str(item.get("title")) or _str(paper.get("title"))
    if not title:
        raise FormatError(f"item {index} (paper {clean_text(paper_id, limit=40)}) has no title")
    if not is_arxiv_id(paper_id):
        shown = clean_text(paper_id, limit=40)
        raise FormatError(f"item {index} has a paper id that is not an arXiv id: {shown!r}")
    title = one_line(_text(title, "title", index, paper_id))
    if not title:
        raise FormatError(f"item {index} (paper {paper_id}) has no title")
    abstract = paper.get("summary")
    published = _str(paper.get("publishedAt"))
    return Paper(
        id=paper_id,
        title=title,
        authors=_authors(paper.get("authors")),
        abstract=(
            _text(abstract.strip(), "abstract", index, paper_id, one_line=False)
            if isinstance(abstract, str)
            else ""
        ),
        upvotes=_int(paper.get("upvotes")),
        media_url=_media(item, paper, paper_id),
        published_at=clean_text(published, limit=64) if published else None,
        list_date=list_date,
        github_url=_url(paper.get("githubRepo")),
        project_url=_url(paper.get("projectPage")),
        categories=_categories(paper.get("arxivPrimaryCategory")),
    )


def _categories(value: Any) -> tuple[str, ...]:
    """The list's arXiv primary category (cs.CL, stat.ML, hep-th), when it gives a valid one."""
    if isinstance(value, str) and is_category(value.strip()):
        return (value.strip(),)
    return ()


def check_error_body(data: Any) -> str | None:
    """The API's error message when the body is an error object, else None."""
    if isinstance(data, dict) and "error" in data:
        return str(data.get("error") or "unknown error")
    return None


def item_list_date(item: Any) -> dt.date | None:
    if isinstance(item, dict):
        value = _str(item.get("publishedAt"))
        if value:
            try:
                return dt.date.fromisoformat(value[:10])
            except ValueError:
                return None
    return None


def parse_items(
    data: Any,
    list_date: dt.date | None,
    skipped: list[str] | None = None,
    *,
    skip: type[FormatError] = FormatError,
) -> list[Paper]:
    """Parse a whole page (a JSON array). Duplicate ids keep their first occurrence.

    A malformed item raises :class:`FormatError`, unless ``skipped`` is given: then the item is
    left out and the reason appended there (only errors of type ``skip``: a saved file skips
    only :class:`~paperdigest.errors.Oversized` items and refuses malformed ones).
    """
    if not isinstance(data, list):
        raise FormatError(f"expected a JSON array of papers, got a {type(data).__name__}")
    seen: set[str] = set()
    papers: list[Paper] = []
    for index, item in enumerate(data):
        try:
            paper = parse_item(item, index, list_date)
        except FormatError as exc:
            if skipped is None or not isinstance(exc, skip):
                raise
            skipped.append(exc.message)
            continue
        if paper.id not in seen:
            seen.add(paper.id)
            papers.append(paper)
    return papers


def vote_order(papers: list[Paper]) -> tuple[Paper, ...]:
    """Highest votes first; equal votes keep the list's order (stable sort)."""
    return tuple(sorted(papers, key=lambda p: -p.upvotes))
