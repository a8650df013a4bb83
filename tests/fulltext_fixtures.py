"""Test papers for the full-text code: PDFs made with pymupdf, HTML in arXiv's LaTeXML shape,
and :class:`FakeArxiv`, a loopback server for ``/html/<id>`` and ``/pdf/<id>`` that records when
each request arrived. Also used by bench/fulltext_*.py.
"""

from __future__ import annotations

import html
import itertools
import random
import socket
import sys
import time
import traceback
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from urllib.parse import urlparse

import pymupdf

from fakes import Reply, _Server

# -- the paper ---------------------------------------------------------------------------------

TITLE = "LazyLLM: Dynamic Token Pruning for Efficient Long Context LLM Inference"
ABSTRACT = (
    "Serving a transformer language model runs in two stages, one after the other: a "
    "prefilling stage that builds the KV cache of the prompt and writes the first token, and a "
    "decoding stage that writes the tokens after it. We introduce LazyLLM, a method that "
    "computes the KV only for the tokens that matter for predicting the next token."
)
# Facts that live only in the body (tests look for them in the extracted text).
METHOD_FACT = "We prune 42.5% of the prompt tokens at layer 12 with a learning rate of 3e-4."
RESULT_FACT = (
    "LazyLLM accelerates the prefilling stage of Llama 2 7B by 2.34x on multi-document QA."
)
TABLE_ROWS = (
    ("Method", "TTFT speedup", "Accuracy"),
    ("Baseline", "1.00x", "71.8"),
    ("LazyLLM", "2.34x", "71.2"),
)
CAPTION = "Table 1: Time-to-first-token speedup and accuracy on LongBench (7B model)."
REFERENCE_MARK = "Vaswani, A. and Shazeer, N. Attention is all you need. NeurIPS 2017."
ACK_MARK = "We thank the anonymous reviewers and the compute grant committee."
APPENDIX_MARK = "Appendix material: extra ablation over seventeen random seeds."
HEADER_MARK = "Preprint. Under review at a workshop."

_WORDS = tuple(
    [
        "model",
        "token",
        "cache",
        "layer",
        "attention",
        "prompt",
        "pruning",
        "inference",
        "latency",
        "throughput",
        "context",
        "benchmark",
        "baseline",
        "accuracy",
        "decoding",
        "prefilling",
        "stage",
        "dynamic",
        "selection",
        "importance",
        "score",
        "transformer",
        "sequence",
        "length",
        "memory",
        "budget",
        "efficient",
        "method",
        "result",
        "evaluation",
        "training",
    ]
)


def filler(seed: int, sentences: int) -> list[str]:
    """Deterministic English-like sentences with a few numbers."""
    rng = random.Random(seed)
    out = []
    for _ in range(sentences):
        words = [rng.choice(_WORDS) for _ in range(rng.randint(9, 18))]
        if rng.random() < 0.3:
            words.insert(
                rng.randint(1, len(words) - 1), f"{rng.randint(1, 99)}.{rng.randint(0, 9)}"
            )
        out.append(" ".join(words).capitalize() + ".")
    return out


@dataclass
class Part:
    heading: str  # with its number, e.g. "3 Method"
    paragraphs: list[str]
    subsections: list[tuple[str, list[str]]] = field(default_factory=list)
    table: bool = False


def paper_parts(body_sentences: int = 6, seed: int = 1) -> list[Part]:
    def para(k: int, extra: str = "") -> list[str]:
        text = filler(seed * 100 + k, body_sentences)
        if extra:
            text.insert(len(text) // 2, extra)
        return [" ".join(text[: len(text) // 2]), " ".join(text[len(text) // 2 :])]

    return [
        Part("1 Introduction", para(1)),
        Part("2 Related Work", para(2)),
        Part("3 Method", para(3), [("3.1 Progressive Pruning", para(4, METHOD_FACT))]),
        Part("4 Experiments", para(5, RESULT_FACT), table=True),
        Part("5 Conclusion", para(6)),
    ]


# -- PDF ---------------------------------------------------------------------------------------


class _Writer:
    """Lays out lines top to bottom, in one or two columns, adding pages as needed."""

    def __init__(self, doc: pymupdf.Document, columns: int, stamp: str | None) -> None:
        self.doc = doc
        self.columns = columns
        self.stamp = stamp
        self.page: pymupdf.Page | None = None
        self.column = 0
        self.y = 0.0
        self.new_page()

    width, height, margin, top, bottom = 612.0, 792.0, 72.0, 80.0, 720.0

    @property
    def col_width(self) -> float:
        gap = 18.0
        return (self.width - 2 * self.margin - gap * (self.columns - 1)) / self.columns

    def x(self) -> float:
        return self.margin + self.column * (self.col_width + 18.0)

    def new_page(self) -> None:
        self.page = self.doc.new_page(width=self.width, height=self.height)
        number = self.doc.page_count
        self.page.insert_text((self.margin, 40), HEADER_MARK, fontsize=8, fontname="tiro")
        self.page.insert_text((self.width / 2 - 5, 760), str(number), fontsize=9, fontname="tiro")
        if number == 1 and self.stamp:
            self.page.insert_text(
                (30, 560),
                self.stamp,
                fontsize=18,
                fontname="tiro",
                rotate=90,
                color=(0.5, 0.5, 0.5),
            )
        self.column = 0
        self.y = self.top

    def advance(self, needed: float) -> None:
        if self.y + needed <= self.bottom:
            return
        if self.column + 1 < self.columns:
            self.column += 1
            self.y = self.top
        else:
            self.new_page()

    def line(self, text: str, size: float, font: str) -> None:
        self.advance(size * 1.3)
        assert self.page is not None
        self.y += size * 1.3
        self.page.insert_text((self.x(), self.y), text, fontsize=size, fontname=font)

    def wrapped(self, text: str, size: float = 10, font: str = "tiro", width: float = 0) -> None:
        width = width or self.col_width
        words = text.split()
        current = ""
        for word in words:
            trial = f"{current} {word}".strip()
            if current and pymupdf.get_text_length(trial, fontname=font, fontsize=size) > width:
                self.line(current, size, font)
                current = word
            else:
                current = trial
        if current:
            self.line(current, size, font)

    def gap(self, points: float) -> None:
        self.y += points


def make_pdf(
    parts: list[Part] | None = None,
    *,
    title: str = TITLE,
    abstract: str = ABSTRACT,
    columns: int = 1,
    stamp: str | None = "arXiv:2407.14057v2  [cs.CL]  19 Jul 2024",
    references: int = 12,
    appendix: bool = True,
    acknowledgements: bool = True,
    min_pages: int = 0,
) -> bytes:
    """A paper PDF: title, abstract, numbered sections, a table, acknowledgements, references,
    an appendix; running headers and page numbers on every page."""
    parts = parts if parts is not None else paper_parts()
    doc = pymupdf.open()
    w = _Writer(doc, 1, stamp)
    w.wrapped(title, 16, "tibo")
    w.gap(6)
    w.wrapped("Ada Lovelace, Alan Turing, Grace Hopper", 11, "tiro")
    w.gap(10)
    w.line("Abstract", 12, "tibo")
    w.wrapped(abstract, 9.5, "tiro")
    w.gap(8)
    w.columns = columns
    for part in parts:
        w.gap(6)
        w.line(part.heading, 12, "tibo")
        for paragraph in part.paragraphs:
            w.wrapped(paragraph)
            w.gap(4)
        for heading, paragraphs in part.subsections:
            w.gap(3)
            w.line(heading, 10, "tibo")
            for paragraph in paragraphs:
                w.wrapped(paragraph)
                w.gap(4)
        if part.table:
            w.gap(4)
            w.wrapped(CAPTION, 9, "tiro")
            for row in TABLE_ROWS:
                w.line("    ".join(row), 9, "tiro")
            w.gap(4)
    while min_pages and doc.page_count < min_pages:
        # more body text in the last section until the paper is long enough
        for paragraph in filler(doc.page_count * 7 + 3, 8):
            w.wrapped(paragraph)
    if acknowledgements:
        w.gap(6)
        w.line("Acknowledgements", 12, "tibo")
        w.wrapped(ACK_MARK)
    w.gap(6)
    w.line("References", 12, "tibo")
    for i in range(references):
        w.wrapped(f"[{i + 1}] {REFERENCE_MARK}" if i == 0 else f"[{i + 1}] {filler(i, 1)[0]}", 9)
    if appendix:
        w.new_page()
        w.line("A Additional Results", 12, "tibo")
        w.wrapped(APPENDIX_MARK)
    data = doc.tobytes()
    doc.close()
    return data


def make_image_only_pdf(pages: int = 2) -> bytes:
    doc = pymupdf.open()
    for _ in range(pages):
        page = doc.new_page()
        page.draw_rect(pymupdf.Rect(72, 72, 540, 720), color=(0, 0, 0), fill=(0.9, 0.9, 0.9))
    data = doc.tobytes()
    doc.close()
    return data


def make_encrypted_pdf() -> bytes:
    doc = pymupdf.open(stream=make_pdf(), filetype="pdf")
    data = doc.tobytes(encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="secret", owner_pw="owner")
    doc.close()
    return data


# -- HTML (LaTeXML shape) ----------------------------------------------------------------------


FOOTNOTE = (
    '<span class="ltx_note ltx_role_footnote"><sup class="ltx_note_mark">1</sup>'
    '<span class="ltx_note_outer"><span class="ltx_note_content">FOOTNOTE-TEXT</span></span>'
    "</span>"
)


def _tag(number: str, kind: str) -> str:
    return f'<span class="ltx_tag ltx_tag_{kind}">{html.escape(number)} </span>' if number else ""


def make_html(
    parts: list[Part] | None = None,
    *,
    title: str = TITLE,
    abstract: str = ABSTRACT,
    version: str = "v2",
    arxiv_id: str = "2407.14057",
) -> str:
    """A page shaped like arXiv's HTML (LaTeXML) rendering of the paper, site chrome included."""
    parts = parts if parts is not None else paper_parts()
    body = []
    for n, part in enumerate(parts, start=1):
        number, _, name = part.heading.partition(" ")
        paras = "".join(
            f'<div id="S{n}.p{k}" class="ltx_para"><p class="ltx_p">{html.escape(p)}'
            f'<cite class="ltx_cite ltx_citemacro_cite">[<a href="#bib.bib1" class="ltx_ref">1</a>]'
            f'</cite> with <math alttext="O(n^{{2}})" class="ltx_Math"><semantics><mi>O</mi>'
            f"</semantics></math> cost.</p></div>"
            for k, p in enumerate(part.paragraphs, start=1)
        )
        subs = ""
        for m, (heading, paragraphs) in enumerate(part.subsections, start=1):
            snum, _, sname = heading.partition(" ")
            sub_paras = "".join(
                f'<div class="ltx_para"><p class="ltx_p">{html.escape(p)}{FOOTNOTE}</p></div>'
                for p in paragraphs
            )
            subs += (
                f'<section id="S{n}.SS{m}" class="ltx_subsection"><h3 class="ltx_title '
                f'ltx_title_subsection">{_tag(snum, "subsection")}{html.escape(sname)}</h3>'
                f"{sub_paras}</section>"
            )
        table = ""
        if part.table:
            rows = "".join(
                '<tr class="ltx_tr">'
                + "".join(f'<td class="ltx_td ltx_align_center">{html.escape(c)}</td>' for c in row)
                + "</tr>"
                for row in TABLE_ROWS
            )
            cap_num, _, cap_text = CAPTION.partition(": ")
            table = (
                '<figure id="S4.T1" class="ltx_table"><figcaption class="ltx_caption '
                f'ltx_centering"><span class="ltx_tag ltx_tag_table">{html.escape(cap_num)}: '
                f"</span>{html.escape(cap_text)}</figcaption>"
                '<table class="ltx_tabular ltx_centering ltx_align_middle">'
                f'<tbody class="ltx_tbody">'
                f"{rows}</tbody></table></figure>"
            )
        body.append(
            f'<section id="S{n}" class="ltx_section"><h2 class="ltx_title ltx_title_section">'
            f"{_tag(number, 'section')}{html.escape(name)}</h2>{paras}{table}{subs}</section>"
        )
    ack = (
        '<div class="ltx_acknowledgements"><h6 class="ltx_title ltx_title_acknowledgements">'
        f"Acknowledgements</h6>{html.escape(ACK_MARK)}</div>"
    )
    bib = (
        '<section id="bib" class="ltx_bibliography"><h2 class="ltx_title '
        'ltx_title_bibliography">References</h2><ul class="ltx_biblist"><li id="bib.bib1" '
        f'class="ltx_bibitem"><span class="ltx_bibblock">{html.escape(REFERENCE_MARK)}</span></li>'
        "</ul></section>"
    )
    appendix = (
        '<section id="A1" class="ltx_appendix"><h2 class="ltx_title ltx_title_appendix">'
        f'<span class="ltx_tag ltx_tag_appendix">Appendix A </span>Extra</h2><div class="ltx_para">'
        f'<p class="ltx_p">{html.escape(APPENDIX_MARK)}</p></div></section>'
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<base href="/html/{arxiv_id}{version}/"></head>
<body>
<header class="desktop_header"><a href="https://arxiv.org/">arXiv</a> Report issue</header>
<nav class="ltx_page_navbar"><nav class="ltx_TOC"><ol><li>1 Introduction</li></ol></nav></nav>
<div class="ltx_page_main"><div class="ltx_page_content">
<article class="ltx_document ltx_authors_1line">
<h1 class="ltx_title ltx_title_document">{html.escape(title)}</h1>
<div class="ltx_authors"><span class="ltx_creator ltx_role_author">Ada Lovelace</span></div>
<div class="ltx_abstract"><h6 class="ltx_title ltx_title_abstract">Abstract</h6>
<p class="ltx_p">{html.escape(abstract)}</p></div>
{"".join(body)}
{ack}
{bib}
{appendix}
</article></div>
<footer class="ltx_page_footer"><div class="ltx_page_logo">Generated by LaTeXML</div></footer>
</div></body></html>
"""


ERROR_PAGE = """<!DOCTYPE html><html><head><title>arXiv: HTML not available</title></head>
<body><h1>No HTML for '2407.99999'</h1><p>HTML is not available for the source.
This could be due to the source files not being HTML, LaTeX, or a conversion failure.</p>
</body></html>"""

NO_SECTIONS_PAGE = """<!DOCTYPE html><html><head><title>Paper</title></head><body>
<article class="ltx_document"><h1 class="ltx_title ltx_title_document">Only a title</h1>
<div class="ltx_abstract"><p class="ltx_p">Only an abstract, nothing else.</p></div>
</article></body></html>"""


# -- the server --------------------------------------------------------------------------------


@dataclass
class Served:
    """A reply for one path. ``cut_at``: send the full Content-Length, then only this many bytes
    and drop the connection (a truncated download)."""

    status: int = 200
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    cut_at: int | None = None


def html_reply(text: str) -> Served:
    return Served(body=text.encode("utf-8"))


def pdf_reply(data: bytes) -> Served:
    return Served(body=data, content_type="application/pdf")


NOT_FOUND = Served(404, b"<html><body><h1>Not Found</h1></body></html>")


class FakeArxiv(_Server):
    """``/html/<id>`` and ``/pdf/<id>`` from ``routes`` (a path -> Served, or a list of Served
    given out in turn, the last one repeating); anything else is a 404. ``arrivals`` holds
    ``(time.monotonic(), path, user_agent)`` per request as the server received it."""

    def __init__(self, routes: dict[str, Served | list[Served]] | None = None) -> None:
        super().__init__()
        self.routes: dict[str, Served | list[Served]] = dict(routes or {})
        self.arrivals: list[tuple[float, str, str]] = []
        self.httpd.handle_error = self._handle_error  # type: ignore[method-assign]

    @staticmethod
    def _handle_error(request: object, client_address: object) -> None:
        error = sys.exc_info()[1]
        if not isinstance(error, OSError):  # a client hanging up mid-body is expected here
            traceback.print_exc()

    def paths(self) -> list[str]:
        with self.lock:
            return [p for _, p, _ in self.arrivals]

    def gaps(self) -> list[float]:
        with self.lock:
            times = [t for t, _, _ in self.arrivals]
        return [b - a for a, b in itertools.pairwise(times)]

    def _dispatch(self, handler: BaseHTTPRequestHandler, method: str, raw: bytes | None) -> None:
        arrived = time.monotonic()
        path = urlparse(handler.path).path
        with self.lock:
            self.arrivals.append((arrived, path, handler.headers.get("User-Agent", "")))
            route = self.routes.get(path, NOT_FOUND)
            if isinstance(route, list):
                served = route.pop(0) if len(route) > 1 else route[0]
            else:
                served = route
        self._serve(handler, served)

    def _serve(self, handler: BaseHTTPRequestHandler, served: Served) -> None:
        if served.cut_at is None:
            headers = {"Content-Type": served.content_type, **served.headers}
            self._send(handler, Reply(served.status, served.body, headers))
            return
        try:
            handler.send_response(served.status)
            handler.send_header("Content-Type", served.content_type)
            handler.send_header("Content-Length", str(len(served.body)))
            handler.end_headers()
            handler.wfile.write(served.body[: served.cut_at])
            handler.wfile.flush()
            handler.close_connection = True
            handler.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def serve_paper(
    server: FakeArxiv, arxiv_id: str, *, html_page: str | None = None, pdf: bytes | None = None
) -> None:
    if html_page is not None:
        server.routes[f"/html/{arxiv_id}"] = html_reply(html_page)
    if pdf is not None:
        server.routes[f"/pdf/{arxiv_id}"] = pdf_reply(pdf)
