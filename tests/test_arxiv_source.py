"""The arxiv: source against a loopback arXiv API: windows, paging, spacing, errors."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from fakes import ArxivPaper, FakeArxivAPI, Reply, atom_error, atom_feed
from paperdigest.errors import ConfigError, FetchError
from paperdigest.http import HttpPolicy, RateLimiter
from paperdigest.sources.arxiv_api import ArxivSource, parse_categories
from paperdigest.sources.arxiv_atom import parse_feed
from paperdigest.sources.arxiv_days import has_listing, listing_window

MONDAY = dt.date(2024, 7, 22)  # window: Thu 2024-07-18 18:00Z .. Fri 2024-07-19 18:00Z (EDT)
AFTER = lambda: dt.datetime(2024, 7, 30, tzinfo=dt.UTC)  # noqa: E731 - every listing is out
FAST = HttpPolicy(attempts=3, backoff_base=0.01, backoff_max=0.05, jitter=0.0)


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


# -- the day rule -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "start", "end"),
    [
        # summer (EDT, UTC-4): Monday holds Thursday 14:00 .. Friday 14:00
        ("2024-07-22", "2024-07-18T18:00Z", "2024-07-19T18:00Z"),
        ("2024-07-23", "2024-07-19T18:00Z", "2024-07-22T18:00Z"),  # Tuesday: over the weekend
        ("2024-07-24", "2024-07-22T18:00Z", "2024-07-23T18:00Z"),
        ("2024-07-26", "2024-07-24T18:00Z", "2024-07-25T18:00Z"),  # Friday
        # winter (EST, UTC-5)
        ("2024-01-08", "2024-01-04T19:00Z", "2024-01-05T19:00Z"),
        # the window across the switch to summer time (Sunday 2024-03-10)
        ("2024-03-12", "2024-03-08T19:00Z", "2024-03-11T18:00Z"),
    ],
)
def test_listing_window_follows_the_1400_eastern_cutoffs(day: str, start: str, end: str) -> None:
    window = listing_window(dt.date.fromisoformat(day))
    assert (window.start, window.end) == (utc(start), utc(end))
    assert window.holds(utc(start)) and not window.holds(utc(end))


def test_weekends_have_no_listing_and_the_query_range_is_in_gmt_minutes() -> None:
    assert not has_listing(dt.date(2024, 7, 20)) and not has_listing(dt.date(2024, 7, 21))
    with pytest.raises(ValueError):
        listing_window(dt.date(2024, 7, 21))
    window = listing_window(MONDAY)
    assert window.query_range() == "[202407181800 TO 202407191759]"
    assert window.announced == utc("2024-07-22T00:00Z")  # Sunday 20:00 EDT
    assert "Thu 2024-07-18 14:00" in window.describe()


def test_categories_are_checked_and_spelt_one_way() -> None:
    assert parse_categories("cs.IR, cs.CL,cs.IR") == ("cs.CL", "cs.IR")
    assert parse_categories("hep-th,astro-ph.GA") == ("astro-ph.GA", "hep-th")
    with pytest.raises(ConfigError, match="not an arXiv category"):
        parse_categories("cs.CL,cs CL")
    with pytest.raises(ConfigError, match="needs categories"):
        parse_categories("")


# -- paging, spacing, fields ---------------------------------------------------------------------


def day_papers() -> list[ArxivPaper]:
    """Monday's listing: 7 new papers in cs.CL/cs.IR, and some that are not."""
    papers = [
        ArxivPaper(f"2407.1{n:04d}", f"Paper {n}\n  with a wrapped title",
                   published=f"2024-07-18T{18 + n // 2:02d}:{(n * 7) % 60:02d}:00Z")
        for n in range(6)
    ]
    papers.append(ArxivPaper(  # cross-listed to cs.IR, primary elsewhere, in a second version
        "2407.19999", "Cross-listed retrieval", published="2024-07-19T17:59:30Z",
        updated="2024-07-19T17:59:59Z", version=2, categories=("cs.LG", "cs.IR"),
        authors=("Jane Doe", "Kim Lee"), comment="12 pages, 3 figures",
        abstract="  Dense retrieval\n  at scale.\n"))
    papers += [
        ArxivPaper("2407.10100", "Too early", published="2024-07-18T17:59:00Z"),
        ArxivPaper("2407.20000", "Too late", published="2024-07-19T18:00:00Z"),
        ArxivPaper("2407.10200", "Other field", published="2024-07-19T10:00:00Z",
                   categories=("math.AP",)),
        # a replacement: first submitted long before, new version inside the window
        ArxivPaper("2406.05555", "Replaced paper", published="2024-06-03T10:00:00Z",
                   updated="2024-07-19T12:00:00Z", version=3),
    ]
    return papers


@pytest.fixture
def api() -> Iterator[FakeArxivAPI]:
    with FakeArxivAPI(day_papers()) as server:
        yield server


def source(api: FakeArxivAPI, **kwargs: object) -> ArxivSource:
    options: dict[str, object] = {
        "api_url": api.api_url, "policy": FAST, "page_size": 3,
        "limiter": RateLimiter(0.15), "now": AFTER,
    }
    options.update(kwargs)
    return ArxivSource(("cs.CL", "cs.IR"), **options)  # type: ignore[arg-type]


def test_a_day_over_several_pages_spaced_and_complete(api: FakeArxivAPI) -> None:
    listing = source(api, limiter=RateLimiter(0.3)).fetch(MONDAY)
    queries = api.queries()
    assert [q["start"] for q in queries] == ["0", "3", "6"]
    assert {q["max_results"] for q in queries} == {"3"}
    assert queries[0]["search_query"] == (
        "(cat:cs.CL OR cat:cs.IR) AND submittedDate:[202407181800 TO 202407191759]"
    )
    assert {(q["sortBy"], q["sortOrder"]) for q in queries} == {("submittedDate", "ascending")}
    # The client spaces the starts 0.3 s apart. Arrivals jitter on a loaded machine (one request
    # late makes the next gap short: 0.39 s then 0.16 s was seen), so the spacing is asserted
    # over the whole run: unspaced requests arrive within a few milliseconds of each other.
    gaps = api.gaps()
    assert len(gaps) == 2 and sum(gaps) >= 0.8 * 0.3 * len(gaps), gaps

    ids = [p.id for p in listing.papers]
    assert ids == [f"2407.1{n:04d}" for n in range(6)] + ["2407.19999"]
    assert listing.source == "arxiv:cs.CL,cs.IR" and listing.day == MONDAY
    cross = listing.papers[-1]
    assert cross.categories == ("cs.LG", "cs.IR") and cross.primary_category == "cs.LG"
    assert cross.version == 2 and cross.comments == "12 pages, 3 figures"
    assert cross.authors == ("Jane Doe", "Kim Lee")
    assert cross.abstract == "Dense retrieval\n  at scale."
    assert cross.published_at == "2024-07-19T17:59:30Z"
    assert cross.updated_at == "2024-07-19T17:59:59Z"
    assert listing.papers[0].title == "Paper 0 with a wrapped title"
    assert all(p.list_date == MONDAY for p in listing.papers)


def test_pages_advance_by_the_entries_actually_received() -> None:
    with FakeArxivAPI(day_papers(), page_cap=2) as api:
        listing = source(api, page_size=3, limiter=RateLimiter(0)).fetch(MONDAY)
        assert [q["start"] for q in api.queries()] == ["0", "2", "4", "6"]
    assert len(listing.papers) == 7


def test_replacements_only_when_asked(api: FakeArxivAPI) -> None:
    plain = source(api, limiter=RateLimiter(0)).fetch(MONDAY)
    assert "2406.05555" not in [p.id for p in plain.papers]
    assert all("lastUpdatedDate" not in q["search_query"] for q in api.queries())
    with_replaced = source(api, include_replaced=True, limiter=RateLimiter(0)).fetch(MONDAY)
    ids = [p.id for p in with_replaced.papers]
    assert ids[-1] == "2406.05555" and ids.count("2407.19999") == 1
    assert with_replaced.papers[-1].version == 3
    assert any("lastUpdatedDate:[202407181800 TO 202407191759]" in q["search_query"]
               for q in api.queries())
    assert with_replaced.notes == ("1 replacement(s) included",)


def test_a_weekend_is_empty_without_a_request(api: FakeArxivAPI) -> None:
    listing = source(api).fetch(dt.date(2024, 7, 21))
    assert listing.papers == () and api.queries() == []
    assert "no listing on Sundays" in listing.notes[0]


def test_an_empty_weekday_is_an_error(api: FakeArxivAPI) -> None:
    with pytest.raises(FetchError) as caught:
        source(api).fetch(dt.date(2024, 7, 10))
    message = caught.value.message
    assert "no new papers in cs.CL, cs.IR for 2024-07-10" in message
    assert "\n" not in message and "holiday" in message


def test_a_listing_not_announced_yet_is_an_error(api: FakeArxivAPI) -> None:
    before = lambda: dt.datetime(2024, 7, 21, 23, 0, tzinfo=dt.UTC)  # noqa: E731
    with pytest.raises(FetchError, match="not out yet"):
        source(api, now=before).fetch(MONDAY)
    assert api.queries() == []


def test_the_api_error_body_is_one_clear_line(api: FakeArxivAPI) -> None:
    api.script.append(Reply(400, atom_error("incorrect query: unbalanced brackets"),
                            {"Content-Type": "application/atom+xml"}))
    with pytest.raises(FetchError) as caught:
        source(api).fetch(MONDAY)
    message = caught.value.message
    assert "HTTP 400: arXiv answered with an error: incorrect query: unbalanced" in message
    assert "\n" not in message and len(api.queries()) == 1  # a 400 is not retried


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("<feed xmlns='http://www.w3.org/2005/Atom'><entry>", "not XML"),
        ('{"papers": []}', "not XML"),
        ("<html><body>busy</body></html>", "not an Atom feed"),
        (atom_feed([], total=0).replace("<opensearch:totalResults>0</opensearch:totalResults>",
                                        ""), "no opensearch:totalResults"),
        ('<?xml version="1.0"?><!DOCTYPE feed [<!ENTITY a "aaaaaaaaaa">'
         '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><feed>&b;</feed>', "DOCTYPE"),
        ("", "empty"),
    ],
)
def test_a_malformed_feed_is_one_clear_line(api: FakeArxivAPI, body: str, expected: str) -> None:
    api.script.append(Reply(200, body, {"Content-Type": "application/atom+xml"}))
    with pytest.raises(FetchError) as caught:
        source(api).fetch(MONDAY)
    assert "malformed feed" in caught.value.message and expected in caught.value.message
    assert "\n" not in caught.value.message


def test_503_with_retry_after_is_waited_for_then_read(api: FakeArxivAPI) -> None:
    api.script.append(Reply(503, "busy", {"Retry-After": "1", "Content-Type": "text/plain"}))
    listing = source(api, page_size=10).fetch(MONDAY)
    starts = [q["start"] for q in api.queries()]
    assert starts == ["0", "0"]  # the same page asked again
    assert api.gaps()[0] >= 0.9  # after the server's Retry-After, not the 0.01 s backoff
    assert len(listing.papers) == 7


def test_a_server_that_stays_down_is_one_line_after_bounded_tries(api: FakeArxivAPI) -> None:
    api.script.extend(Reply(503, "down", {"Content-Type": "text/plain"}) for _ in range(5))
    with pytest.raises(FetchError, match=r"failed after 3 tries.*HTTP 503"):
        source(api).fetch(MONDAY)
    assert len(api.queries()) == 3


def test_an_empty_page_before_the_end_is_asked_again(api: FakeArxivAPI) -> None:
    api.script.append(Reply(200, atom_feed([], total=7), {"Content-Type": "application/atom+xml"}))
    listing = source(api, limiter=RateLimiter(0)).fetch(MONDAY)
    assert [q["start"] for q in api.queries()] == ["0", "0", "3", "6"]
    assert len(listing.papers) == 7
    api.script.extend(
        Reply(200, atom_feed([], total=7), {"Content-Type": "application/atom+xml"})
        for _ in range(3)
    )
    with pytest.raises(FetchError, match="kept sending an empty page at start=0 of 7"):
        source(api, limiter=RateLimiter(0)).fetch(MONDAY)


def test_bad_entries_are_skipped_with_the_reason() -> None:
    good = ArxivPaper("2407.10001", "Good", published="2024-07-19T10:00:00Z").entry()
    bad_id = good.replace("2407.10001v1", "not-an-id").replace("Good", "Bad id")
    no_title = good.replace("<title>Good</title>", "<title>  </title>")
    page = parse_feed(atom_feed([good, bad_id, no_title], total=3).encode())
    assert [e.paper.id for e in page.entries] == ["2407.10001"] and page.count == 3
    assert "not an arXiv abstract URL" in page.skipped[0] and "no title" in page.skipped[1]
