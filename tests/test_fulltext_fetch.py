"""Fetching from a loopback arXiv: the HTML → PDF → abstract chain, reasons, cache, limits."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import fulltext_fixtures as F
from fulltext_fixtures import NOT_FOUND, FakeArxiv, Served, html_reply, pdf_reply
from paperdigest.config import cache_dir
from paperdigest.errors import ArxivIdError
from paperdigest.fulltext import ArxivFetcher
from paperdigest.fulltext.fetch import shared_limiter, user_agent
from paperdigest.http import HttpPolicy, RateLimiter

QUICK = HttpPolicy(timeout=5.0, attempts=3, backoff_base=0.05, jitter=0.0)
ID = "2407.14057"

Make = Callable[..., ArxivFetcher]


@pytest.fixture
def arxiv() -> Iterator[FakeArxiv]:
    with FakeArxiv() as server:
        yield server  # type: ignore[misc]


@pytest.fixture
def make(arxiv: FakeArxiv) -> Iterator[Make]:
    made: list[ArxivFetcher] = []

    def factory(**kwargs: object) -> ArxivFetcher:
        kwargs.setdefault("interval", 0.0)
        kwargs.setdefault("policy", QUICK)
        fetcher = ArxivFetcher(arxiv.url, **kwargs)  # type: ignore[arg-type]
        made.append(fetcher)
        return fetcher

    yield factory
    for fetcher in made:
        fetcher.close()


def test_html_first_with_reason_version_user_agent_and_a_free_rerun(
    arxiv: FakeArxiv, make: Make
) -> None:
    arxiv.routes[f"/html/{ID}"] = html_reply(F.make_html(version="v2"))
    arxiv.routes[f"/pdf/{ID}"] = pdf_reply(F.make_pdf())
    result = make().get(ID)
    assert result.source == "html"
    assert result.reason.startswith("html: ok")
    assert result.version == "v2"  # from the page's <base href>
    assert result.document is not None
    assert [s.heading for s in result.document.sections][:2] == ["Abstract", "1 Introduction"]
    assert arxiv.paths() == [f"/html/{ID}"]  # the PDF is not needed
    agent = arxiv.arrivals[0][2]
    assert agent == user_agent() and "paperdigest/" in agent and "arXiv" in agent

    folder = cache_dir() / "fulltext" / ID / "latest"
    assert (folder / "html.html").read_bytes() == F.make_html(version="v2").encode("utf-8")
    assert (folder / "result.json").exists()

    again = make().get(ID)  # a new fetcher, as in the next run
    assert again.from_cache and again.source == "html" and again.reason == result.reason
    assert again.document == result.document
    assert len(arxiv.arrivals) == 1  # the rerun fetched nothing


def test_pdf_when_there_is_no_html(arxiv: FakeArxiv, make: Make) -> None:
    arxiv.routes[f"/pdf/{ID}"] = pdf_reply(F.make_pdf())
    result = make().get(ID)
    assert result.source == "pdf"
    assert result.reason.startswith("html: HTTP 404; pdf: ok")
    assert result.version == "v2"
    assert result.document is not None
    assert F.RESULT_FACT in result.document.section_text()
    assert arxiv.paths() == [f"/html/{ID}", f"/pdf/{ID}"]
    assert make().get(ID).from_cache
    assert len(arxiv.arrivals) == 2


@pytest.mark.parametrize(
    ("html", "pdf", "reasons"),
    [
        (
            NOT_FOUND,
            Served(body=b"%PDF-1.5\n1 0 obj garbage", content_type="application/pdf"),
            ["html: HTTP 404", "pdf: the PDF is broken"],
        ),
        (
            html_reply(F.NO_SECTIONS_PAGE),
            NOT_FOUND,
            ["html: the HTML page has no sections", "pdf: HTTP 404"],
        ),
        (NOT_FOUND, NOT_FOUND, ["html: HTTP 404", "pdf: HTTP 404"]),
        (
            html_reply(F.ERROR_PAGE),
            pdf_reply(F.make_encrypted_pdf()),
            ["html: not an arXiv paper page", "pdf: the PDF is encrypted"],
        ),
        (NOT_FOUND, pdf_reply(F.make_image_only_pdf()), ["pdf: the PDF has almost no text"]),
        (NOT_FOUND, html_reply("<html><body>Please log in</body></html>"), ["pdf: not a PDF file"]),
    ],
    ids=[
        "broken-pdf",
        "html-without-sections",
        "404",
        "error-page+encrypted",
        "image-only",
        "html-instead-of-pdf",
    ],
)
def test_fallback_to_the_abstract_with_the_reason(
    arxiv: FakeArxiv, make: Make, html: Served, pdf: Served, reasons: list[str]
) -> None:
    arxiv.routes[f"/html/{ID}"] = html
    arxiv.routes[f"/pdf/{ID}"] = pdf
    result = make().get(ID)
    assert result.source == "abstract" and result.document is None
    for reason in reasons:
        assert reason in result.reason
    assert all(a.permanent for a in result.attempts)
    # a permanent failure is remembered too: the rerun asks nothing
    again = make().get(ID)
    assert again.from_cache and again.source == "abstract" and again.reason == result.reason
    assert len(arxiv.arrivals) == 2


def test_retry_after_on_429_is_honoured(arxiv: FakeArxiv, make: Make) -> None:
    arxiv.routes[f"/html/{ID}"] = [
        Served(429, b"slow down", headers={"Retry-After": "1"}),
        html_reply(F.make_html()),
    ]
    result = make().get(ID)
    assert result.source == "html"
    assert arxiv.paths() == [f"/html/{ID}", f"/html/{ID}"]
    assert arxiv.gaps()[0] >= 0.98


def test_503_is_retried_with_backoff(arxiv: FakeArxiv, make: Make) -> None:
    arxiv.routes[f"/html/{ID}"] = [
        Served(503, b"busy"),
        Served(503, b"busy"),
        html_reply(F.make_html()),
    ]
    assert make().get(ID).source == "html"
    assert len(arxiv.arrivals) == 3


def test_truncated_download_is_retried_then_reported(arxiv: FakeArxiv, make: Make) -> None:
    page = F.make_html().encode("utf-8")
    arxiv.routes[f"/html/{ID}"] = [
        Served(body=page, cut_at=len(page) // 2),
        html_reply(F.make_html()),
    ]
    assert make().get(ID).source == "html"
    assert len(arxiv.arrivals) == 2

    other = "2407.14058"
    arxiv.routes[f"/html/{other}"] = Served(body=page, cut_at=1000)
    fetcher = make()
    result = fetcher.get(other)
    assert result.source == "abstract"
    assert "cut short after" in result.reason
    assert len(arxiv.arrivals) == 2 + QUICK.attempts
    assert not (cache_dir() / "fulltext" / other / "latest" / "result.json").exists()
    # arXiv now counts as down for this fetcher: the next paper does not wait for retries
    third = fetcher.get("2407.14059")
    assert third.source == "abstract" and "unreachable" in third.reason
    assert len(arxiv.arrivals) == 2 + QUICK.attempts
    # a transient failure is not cached: a later run tries again
    arxiv.routes[f"/html/{other}"] = html_reply(F.make_html())
    assert make().get(other).source == "html"


def test_size_cap_stops_the_download(arxiv: FakeArxiv, make: Make) -> None:
    big = F.make_pdf(F.paper_parts(body_sentences=40))
    arxiv.routes[f"/pdf/{ID}"] = pdf_reply(big)
    result = make(max_bytes=len(big) // 2).get(ID)
    assert result.source == "abstract"
    assert f"over the {len(big) // 2:,}-byte limit" in result.reason
    assert len(arxiv.arrivals) == 2  # refused, not retried
    assert not (cache_dir() / "fulltext" / ID / "latest" / "pdf.pdf").exists()


def test_size_cap_holds_without_a_content_length(arxiv: FakeArxiv, make: Make) -> None:
    from paperdigest.errors import TooLarge
    from paperdigest.http import make_client, request

    # a chunked body (no Content-Length): the stream is read only up to the cap
    def chunked(handler) -> None:  # type: ignore[no-untyped-def]
        handler.send_response(200)
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        try:
            for _ in range(200):
                chunk = b"x" * 10_000
                handler.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            handler.wfile.write(b"0\r\n\r\n")
        except OSError:
            handler.close_connection = True  # the client hung up at its cap, as it should

    arxiv._serve = lambda handler, served: chunked(handler)  # type: ignore[method-assign]
    with make_client() as client, pytest.raises(TooLarge, match="stopped reading"):
        request(client, "GET", f"{arxiv.url}/pdf/{ID}", max_bytes=50_000)


def test_versioned_and_old_style_ids(arxiv: FakeArxiv, make: Make) -> None:
    arxiv.routes[f"/html/{ID}v1"] = html_reply(F.make_html(version="v1"))
    arxiv.routes["/pdf/hep-th/9901001"] = pdf_reply(F.make_pdf(stamp=None))
    fetcher = make()
    v1 = fetcher.get(f"{ID}v1")
    assert v1.source == "html" and v1.version == "v1" and v1.arxiv_id == f"{ID}v1"
    old = fetcher.get("hep-th/9901001")
    assert old.source == "pdf" and old.version is None
    assert arxiv.paths() == [f"/html/{ID}v1", "/html/hep-th/9901001", "/pdf/hep-th/9901001"]
    root = cache_dir() / "fulltext"
    assert (root / ID / "v1" / "html.html").exists()
    assert (root / "hep-th_9901001" / "latest" / "pdf.pdf").exists()
    with pytest.raises(ArxivIdError):
        fetcher.get("not/an id")


def test_refresh_fetches_again(arxiv: FakeArxiv, make: Make) -> None:
    arxiv.routes[f"/html/{ID}"] = html_reply(F.make_html())
    fetcher = make()
    fetcher.get(ID)
    assert fetcher.get(ID, refresh=True).from_cache is False
    assert len(arxiv.arrivals) == 2


def test_spacing_holds_across_threads_and_fetchers(arxiv: FakeArxiv, make: Make) -> None:
    """Server-side arrival times of 8 papers fetched by 4 threads through 2 fetchers."""
    interval = 0.3
    ids = [f"2407.1410{i}" for i in range(8)]
    for i, paper in enumerate(ids):
        if i % 2:
            arxiv.routes[f"/html/{paper}"] = html_reply(F.make_html())
        else:  # these need a second request, for the PDF
            arxiv.routes[f"/pdf/{paper}"] = pdf_reply(F.make_pdf())
    fetchers = [make(interval=interval), make(interval=interval)]
    assert fetchers[0].limiter is fetchers[1].limiter  # one limiter per host in the process
    results: dict[str, str] = {}

    def work(k: int) -> None:
        for paper in ids[k::4]:
            results[paper] = fetchers[k % 2].get(paper).source

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    assert results == {p: ("html" if i % 2 else "pdf") for i, p in enumerate(ids)}
    gaps = arxiv.gaps()
    assert len(gaps) == 12 - 1  # 4 HTML + 4 (404 + PDF) requests
    # each gap holds up to the server's scheduling jitter (threads here also parse PDFs),
    # and the span of all of them holds exactly
    assert min(gaps) >= interval - 0.05, gaps
    assert sum(gaps) >= len(gaps) * interval - 0.01, gaps
    assert elapsed < 11 * interval + 2.0  # spaced, not stalled
    assert fetchers[0].limiter.requests == 12


def test_rate_limiter_unit_clock() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(3.0, clock=lambda: now[0], sleep=sleep)
    starts = []
    for _ in range(3):
        with limiter.slot():
            starts.append(now[0])
            now[0] += 0.5  # the request takes 0.5 s
    assert starts == [0.0, 3.0, 6.0]
    limiter.defer(10.0)  # a Retry-After seen by someone
    with limiter.slot():
        starts.append(now[0])
    assert starts[-1] == pytest.approx(16.5)
    assert limiter.waited == pytest.approx(sum(slept))


def test_shared_limiter_is_per_host_and_interval() -> None:
    a = shared_limiter("http://127.0.0.1:1/x", 0.5)
    assert shared_limiter("http://127.0.0.1:1", 0.5) is a
    assert shared_limiter("http://127.0.0.1:2", 0.5) is not a


def test_unwritable_cache_falls_back_with_a_reason(
    arxiv: FakeArxiv, make: Make, tmp_path: Path
) -> None:
    from paperdigest.fulltext import FulltextInput
    from paperdigest.fulltext.cache import FulltextCache
    from paperdigest.models import Paper

    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    arxiv.routes[f"/html/{ID}"] = html_reply(F.make_html())
    builder = FulltextInput(
        make(cache=FulltextCache(blocker / "cache")), budget=6000, count_tokens=len
    )
    paper = Paper(id=ID, title=F.TITLE, abstract=F.ABSTRACT)
    text = builder(paper)
    assert text == f"Title: {F.TITLE}\n\nAbstract:\n{F.ABSTRACT}"
    assert "cannot write" in builder.built[ID].result.reason


@pytest.mark.parametrize(
    ("served", "reason"),
    [
        (Served(body=b"not gzip at all", headers={"Content-Encoding": "gzip"}), "DecodingError"),
        (Served(302, b"", headers={"Location": f"/html/{ID}"}), "TooManyRedirects"),
    ],
    ids=["bad-gzip", "redirect-loop"],
)
def test_garbled_responses_fall_back_without_a_crash(
    arxiv: FakeArxiv, make: Make, served: Served, reason: str
) -> None:
    arxiv.routes[f"/html/{ID}"] = served
    result = make().get(ID)
    assert result.source == "abstract"
    assert result.reason.startswith("html: ") and reason in result.reason
