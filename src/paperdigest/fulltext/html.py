"""Sections from arXiv's HTML (LaTeXML output), parsed with lxml.

The shape relied on: ``<article class="ltx_document">`` holding ``h1.ltx_title_document``, a
``div.ltx_abstract``, then ``section.ltx_section`` elements titled by ``h2.ltx_title_section``
(numbering in ``span.ltx_tag``) with ``div.ltx_para`` paragraphs, ``section.ltx_subsection``,
figures and tables (``ltx_tabular`` rows ``ltx_tr``, cells ``ltx_td``/``ltx_th``, captions
``ltx_caption``) and ``<math alttext="…">``. Bibliography (``ltx_bibliography``), appendices
(``ltx_appendix``), acknowledgements, footnotes and the site's navigation are dropped.
"""

from __future__ import annotations

import re

import lxml.etree
import lxml.html

from ..errors import ExtractError
from .document import Document, Section, clean_heading

# Elements dropped wherever they are (by class, then by tag).
DROP_CLASSES = (
    "ltx_bibliography",
    "ltx_appendix",
    "ltx_acknowledgements",
    "ltx_acknowledgement",
    "ltx_TOC",
    "ltx_page_navbar",
    "ltx_page_logo",
    "ltx_page_header",
    "ltx_page_footer",
    "ltx_authors",
    "ltx_dates",
    "ltx_keywords",
    "ltx_classification",
    "ltx_note",
    "ltx_ERROR",
    "ltx_tag_equation",
    "ltx_rdf",
)
DROP_TAGS = ("script", "style", "nav", "button", "img", "svg", "noscript", "header", "footer")
TOP_CLASSES = ("ltx_section", "ltx_chapter")
SUB_CLASSES = ("ltx_subsection", "ltx_subsubsection", "ltx_paragraph", "ltx_subparagraph")
SKIP_HEADINGS = re.compile(
    r"^(?:[\dA-Z]+(?:\.\d+)*\.?\s+)?(?:acknowledge?ments?|author contributions?|funding|"
    r"references|bibliography)\b",
    re.IGNORECASE,
)
APPENDIX_HEADING = re.compile(r"^(?:appendix|appendices|supplementary material)\b", re.IGNORECASE)
MIN_CHARS = 400  # less text than this in all sections: not a usable paper

ROW = "\ue000"  # a private-use character marking a line break that survives collapsing
_NUMERIC_CITE = re.compile(r"^\[?[\d,;\s–-]+\]?$")
_WS = re.compile(r"[ \t\r\n\f\v\u00a0]+")


def _classes(el: lxml.etree._Element) -> set[str]:
    return set((el.get("class") or "").split())


def _has(el: lxml.etree._Element, *names: str) -> bool:
    return bool(_classes(el).intersection(names))


def _xpath_class(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def _decode(data: bytes | str) -> str:
    if isinstance(data, str):
        return data
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _page_title(root: lxml.etree._Element) -> str:
    for path in ("//title", "//h1"):
        found = root.xpath(path)
        if found:
            text = " ".join(found[0].text_content().split())
            if text:
                return text[:120]
    return ""


def _squash(text: str) -> str:
    text = _WS.sub(" ", text)
    lines = [line.strip() for line in text.split(ROW)]
    return "\n".join(line for line in lines if line)


def _remove(el: lxml.etree._Element) -> None:
    """Remove ``el`` but keep the text that follows it."""
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail or ""
    previous = el.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "") + tail
    else:
        parent.text = (parent.text or "") + tail
    parent.remove(el)


def _replace_with_text(el: lxml.etree._Element, text: str) -> None:
    parent = el.getparent()
    if parent is None:
        return
    joined = text + (el.tail or "")
    previous = el.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "") + joined
    else:
        parent.text = (parent.text or "") + joined
    parent.remove(el)


def _prepare(article: lxml.etree._Element) -> None:
    """Rewrite the tree in place: drop furniture, math to its TeX, tables and lists to lines."""
    doomed = [
        el
        for el in article.iter()
        if isinstance(el.tag, str) and (el.tag in DROP_TAGS or _has(el, *DROP_CLASSES))
    ]
    for el in doomed:
        _remove(el)
    for el in list(article.iter(lxml.etree.Comment)):
        _remove(el)
    for cite in list(article.iter("cite")):
        if _NUMERIC_CITE.match(cite.text_content().strip() or "0"):
            _remove(cite)
    for math in list(article.iter("math")):
        tex = (math.get("alttext") or math.text_content()).strip()
        _replace_with_text(math, f" {tex} " if tex else " ")
    for tabular in _outermost(article, "ltx_tabular"):
        _replace_with_text(tabular, ROW + _table_text(tabular) + ROW)
    for el in list(article.iter()):
        if not isinstance(el.tag, str):
            continue
        if el.tag == "li" or _has(el, "ltx_item"):
            el.text = ROW + "- " + (el.text or "")
        elif el.tag == "br":
            el.tail = ROW + (el.tail or "")
        elif _has(el, "ltx_tag") and el.tag == "span":
            # "1" + "Introduction" -> "1 Introduction"
            el.tail = " " + (el.tail or "")
        elif el.tag in ("figcaption", "p") or _has(el, "ltx_caption", "ltx_p"):
            el.text = ROW + (el.text or "")
            el.tail = ROW + (el.tail or "")


def _outermost(root: lxml.etree._Element, cls: str) -> list[lxml.etree._Element]:
    found = root.xpath(f".//*[{_xpath_class(cls)}]")
    return [el for el in found if not el.xpath(f"ancestor::*[{_xpath_class(cls)}]")]


def _table_text(tabular: lxml.etree._Element) -> str:
    rows = tabular.xpath(f".//*[{_xpath_class('ltx_tr')}]") or tabular.xpath(".//tr")
    lines: list[str] = []
    for row in rows:
        cells = [c for c in row if isinstance(c.tag, str) and (_has(c, "ltx_td", "ltx_th"))]
        if not cells:
            cells = [c for c in row if c.tag in ("td", "th")]
        texts = [" ".join(c.text_content().split()) for c in cells]
        if any(texts):
            lines.append(" | ".join(texts))
    if not lines:
        return " ".join(tabular.text_content().split())
    return ROW.join(lines)


def _heading_of(el: lxml.etree._Element) -> tuple[lxml.etree._Element | None, str]:
    for child in el:
        if isinstance(child.tag, str) and (
            child.tag in ("h1", "h2", "h3", "h4", "h5", "h6") or _has(child, "ltx_title")
        ):
            return child, clean_heading(child.text_content())
    return None, ""


def _blocks(el: lxml.etree._Element, skip: lxml.etree._Element | None) -> list[str]:
    """Paragraph texts of a section in order, with subsection headings as their own blocks."""
    out: list[str] = []
    if el.text and el.text.strip():
        out.append(_squash(el.text))
    for child in el:
        if child is skip:
            pass
        elif isinstance(child.tag, str) and (child.tag == "section" or _has(child, *SUB_CLASSES)):
            head, heading = _heading_of(child)
            if heading:
                out.append(heading)
            out.extend(_blocks(child, head))
        elif isinstance(child.tag, str):
            text = _squash(child.text_content())
            if text:
                out.append(text)
        if child.tail and child.tail.strip():
            out.append(_squash(child.tail))
    return out


def extract_html(data: bytes | str) -> Document:
    """Sections of an arXiv (LaTeXML) paper page; :class:`ExtractError` if it is not one."""
    text = _decode(data)
    if not text.strip():
        raise ExtractError("the HTML page is empty")
    try:
        root = lxml.html.document_fromstring(text)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise ExtractError(f"the HTML page cannot be parsed ({exc})") from None
    articles = root.xpath(f"//*[{_xpath_class('ltx_document')}]")
    if not articles:
        title = _page_title(root)
        hint = f" (page title: {title!r})" if title else ""
        raise ExtractError(f"not an arXiv paper page: no LaTeXML document in the HTML{hint}")
    article = articles[0]
    _prepare(article)

    title = ""
    found = article.xpath(f".//*[{_xpath_class('ltx_title_document')}]")
    if found:
        title = clean_heading(found[0].text_content())

    sections: list[Section] = []
    notes: list[str] = []
    for abstract in article.xpath(f".//*[{_xpath_class('ltx_abstract')}]")[:1]:
        head, _ = _heading_of(abstract)
        body = "\n\n".join(_blocks(abstract, head)).strip()
        if body:
            sections.append(Section("Abstract", body))

    tops = [
        el
        for el in article.xpath(".//*[" + " or ".join(_xpath_class(c) for c in TOP_CLASSES) + "]")
        if not el.xpath("ancestor::*[" + " or ".join(_xpath_class(c) for c in TOP_CLASSES) + "]")
    ]
    for el in tops:
        head, heading = _heading_of(el)
        if APPENDIX_HEADING.match(heading):
            notes.append(f"dropped from {heading!r} on (appendix)")
            break
        if SKIP_HEADINGS.match(heading):
            notes.append(f"dropped {heading!r}")
            continue
        body = "\n\n".join(_blocks(el, head)).strip()
        if body:
            sections.append(Section(heading or "(untitled section)", body))

    if not any(s.heading != "Abstract" for s in sections):
        title_hint = f" ({_page_title(root)!r})" if _page_title(root) else ""
        raise ExtractError(f"the HTML page has no sections{title_hint}")
    if sum(len(s.text) for s in sections if s.heading != "Abstract") < MIN_CHARS:
        raise ExtractError("the HTML page's sections hold almost no text")
    return Document("html", tuple(sections), title=title, notes=tuple(notes))
