"""Parse one page of the arXiv API's Atom answer into Paper records, safely.

The answer is untrusted XML. It is parsed with lxml with entity resolution, DTD loading and
network access off, and refused outright when it declares a DOCTYPE (arXiv's feed never does;
a DOCTYPE is the door to entity expansion); its size is bounded by the caller's download cap.

An entry whose id is not an arXiv id or that has no title is skipped with a reason (like a
malformed Hugging Face item); a feed that is not XML, not an Atom feed, or lacks
``opensearch:totalResults`` is malformed (:class:`~paperdigest.errors.FormatError`); the API's
own error answer (an entry whose id is ``…/api/errors#…``) becomes :class:`ArxivAPIError` with
arXiv's message.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import lxml.etree

from ..errors import ArxivAPIError, FormatError
from ..models import Paper, one_line
from ..untrusted import LIMITS, clean_text, is_arxiv_id
from .base import is_category

NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "opensearch": "http://a9.com/-/spec/opensearch/1.1/",
    "arxiv": "http://arxiv.org/schemas/atom",
}
_ABS_ID = re.compile(r"^https?://arxiv\.org/abs/(?P<id>.+?)(?:v(?P<version>[1-9]\d{0,3}))?$")
_DECLARATION = re.compile(rb"<!(?i:doctype|entity)")
MAX_COMMENTS = 1_000
MAX_CATEGORIES = 30


@dataclass(frozen=True)
class Entry:
    """One entry of the feed: the paper and the dates that decide which listing holds it."""

    paper: Paper
    published: dt.datetime  # version 1 was received
    updated: dt.datetime  # the latest version was received


@dataclass
class Page:
    total: int  # opensearch:totalResults: every result of the query
    start: int  # opensearch:startIndex
    entries: list[Entry] = field(default_factory=list)
    count: int = 0  # <entry> elements received, the skipped ones included
    skipped: list[str] = field(default_factory=list)


def _parser() -> lxml.etree.XMLParser:
    return lxml.etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def _text(el: lxml.etree._Element | None) -> str:
    if el is None:
        return ""
    return "".join(el.itertext()).strip()


def _date(value: str) -> dt.datetime | None:
    try:
        when = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)


def _int(root: lxml.etree._Element, path: str) -> int | None:
    raw = _text(root.find(path, NS))
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


def parse_feed(body: bytes) -> Page:
    """One page of the API's answer; raises FormatError (ArxivAPIError) when unusable."""
    if _DECLARATION.search(body):
        raise FormatError("the answer declares a DOCTYPE or entities (arXiv's feed never does)")
    if not body.strip():
        raise FormatError("the answer is empty")
    try:
        root = lxml.etree.fromstring(body, parser=_parser())
    except lxml.etree.XMLSyntaxError as exc:
        raise FormatError(f"the answer is not XML: {str(exc)[:160]}") from None
    if root.tag != f"{{{NS['atom']}}}feed":
        raise FormatError(f"the answer is not an Atom feed (root <{root.tag}>)")
    entries = root.findall("atom:entry", NS)
    for entry in entries:
        if "/api/errors" in _text(entry.find("atom:id", NS)):
            message = clean_text(_text(entry.find("atom:summary", NS)), limit=300)
            raise ArxivAPIError(f"arXiv answered with an error: {message or 'no message'}")
    total = _int(root, "opensearch:totalResults")
    start = _int(root, "opensearch:startIndex")
    if total is None:
        raise FormatError("the answer has no opensearch:totalResults: not an arXiv API feed")
    page = Page(total=total, start=start or 0, count=len(entries))
    for index, entry in enumerate(entries):
        try:
            page.entries.append(parse_entry(entry, index))
        except FormatError as exc:
            page.skipped.append(exc.message)
    return page


def parse_entry(entry: lxml.etree._Element, index: int) -> Entry:
    raw_id = _text(entry.find("atom:id", NS))
    found = _ABS_ID.match(raw_id) if len(raw_id) <= 200 else None
    if found is None or not is_arxiv_id(found.group("id")):
        shown = clean_text(raw_id, limit=60)
        raise FormatError(f"entry {index} has an id that is not an arXiv abstract URL: {shown!r}")
    paper_id = found.group("id")
    version = int(found.group("version")) if found.group("version") else None
    title = _text(entry.find("atom:title", NS))
    if len(title) > LIMITS["title"]:
        raise FormatError(f"entry {index} (paper {paper_id}) has a title over the size limit")
    title = one_line(clean_text(title))
    if not title:
        raise FormatError(f"entry {index} (paper {paper_id}) has no title")
    abstract = _text(entry.find("atom:summary", NS))
    if len(abstract) > LIMITS["abstract"]:
        raise FormatError(f"entry {index} (paper {paper_id}) has an abstract over the size limit")
    published = _date(_text(entry.find("atom:published", NS)))
    updated = _date(_text(entry.find("atom:updated", NS))) or published
    if published is None or updated is None:
        raise FormatError(f"entry {index} (paper {paper_id}) has no valid published date")
    authors: list[str] = []
    for author in entry.findall("atom:author", NS)[: LIMITS["authors"]]:
        name = clean_text(_text(author.find("atom:name", NS)), limit=LIMITS["author"])
        if name:
            authors.append(name)
    primary_el = entry.find("arxiv:primary_category", NS)
    primary = primary_el.get("term", "") if primary_el is not None else ""
    categories: list[str] = [primary] if is_category(primary) else []
    for el in entry.findall("atom:category", NS)[:MAX_CATEGORIES]:
        term = el.get("term", "")
        if is_category(term) and term not in categories:
            categories.append(term)
    comment = clean_text(_text(entry.find("arxiv:comment", NS)), limit=MAX_COMMENTS)
    paper = Paper(
        id=paper_id,
        title=title,
        authors=tuple(authors),
        abstract=clean_text(abstract, one_line=False),
        published_at=published.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
        categories=tuple(categories),
        version=version,
        comments=comment or None,
        updated_at=updated.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
    )
    return Entry(paper, published, updated)
