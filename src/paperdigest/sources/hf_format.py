"""Parse the Hugging Face ``daily_papers`` JSON shape into Paper records.

Only ``paper.id`` and a title are required; every other field is optional and type-checked.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from ..errors import FormatError
from ..models import Paper, one_line

THUMBNAIL_PATTERN = "https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/{id}.png"
_ID_OK = re.compile(r"^[A-Za-z0-9.\-/]+$")



def _str(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _int(value: Any) -> int:
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return max(0, value)
    if isinstance(value, float) and value.is_integer():
        return max(0, int(value))
    return 0


def _authors(raw: Any) -> tuple[str, ...]:
    if not isinstance(raw, list):
        return ()
    names: list[str] = []
    for author in raw:
        name = _str(author.get("name")) if isinstance(author, dict) else _str(author)
        if name:
            names.append(one_line(name))
    return tuple(names)


def _media(item: dict[str, Any], paper: dict[str, Any], paper_id: str) -> str | None:
    candidates: list[Any] = [item.get("mediaUrl")]
    for key in ("mediaUrls",):
        for holder in (item, paper):
            value = holder.get(key)
            if isinstance(value, list):
                candidates.extend(value)
    candidates.append(item.get("thumbnail"))
    urls = [u for u in (_str(c) for c in candidates) if u and u.startswith(("http://", "https://"))]
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
    if not _ID_OK.match(paper_id) or ".." in paper_id:
        raise FormatError(f"item {index} has a malformed paper id {paper_id!r}")
    title = _str(item.get("title")) or _str(paper.get("title"))
    if not title:
        raise FormatError(f"item {index} (paper {paper_id}) has no title")
    abstract = paper.get("summary")
    return Paper(
        id=paper_id,
        title=one_line(title),
        authors=_authors(paper.get("authors")),
        abstract=abstract.strip() if isinstance(abstract, str) else "",
        upvotes=_int(paper.get("upvotes")),
        media_url=_media(item, paper, paper_id),
        published_at=_str(paper.get("publishedAt")),
        list_date=list_date,
        github_url=_str(paper.get("githubRepo")),
        project_url=_str(paper.get("projectPage")),
    )


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
    data: Any, list_date: dt.date | None, skipped: list[str] | None = None
) -> list[Paper]:
    """Parse a whole page (a JSON array). Duplicate ids keep their first occurrence.

    A malformed item raises :class:`FormatError`, unless ``skipped`` is given: then the item is
    left out and the reason appended there.
    """
    if not isinstance(data, list):
        raise FormatError(f"expected a JSON array of papers, got a {type(data).__name__}")
    seen: set[str] = set()
    papers: list[Paper] = []
    for index, item in enumerate(data):
        try:
            paper = parse_item(item, index, list_date)
        except FormatError as exc:
            if skipped is None:
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
