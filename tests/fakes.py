"""Real loopback HTTP servers standing in for outside APIs in tests and benchmarks.

- :class:`FakeOpenAI` speaks the OpenAI chat-completions shape (``/v1/chat/completions``,
  ``/v1/models``). Answers come from a queue of scripted replies, then from a default responder.
- :class:`FakeHF` serves ``/api/daily_papers`` with real pagination (``limit``, ``p``).
- :class:`FakeArxivAPI` answers arXiv API queries (``/api/query``) with Atom pages.

Both run a ``ThreadingHTTPServer`` on 127.0.0.1 with an OS-chosen port, count requests and keep
the request bodies, so tests assert on what really crossed the wire.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse
from xml.sax.saxutils import escape

SECTION_KEYS = ("whats_new", "technical_details", "performance_highlights")


@dataclass
class Reply:
    """One scripted HTTP reply."""

    status: int = 200
    body: bytes | str | dict[str, Any] | list[Any] = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0

    def encoded(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode("utf-8")
        return json.dumps(self.body, ensure_ascii=False).encode("utf-8")


def chat_reply(content: str, *, finish_reason: str = "stop", model: str = "fake-model") -> Reply:
    return Reply(
        body={
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": finish_reason,
                }
            ],
            "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
        }
    )


def sections_reply(sections: dict[str, str], **kwargs: Any) -> Reply:
    return chat_reply(json.dumps(sections, ensure_ascii=False), **kwargs)


def title_of(request: dict[str, Any]) -> str:
    """The paper title named in a chat request's user message ('Title:' or '제목:' line)."""
    for message in request.get("messages", []):
        if message.get("role") != "user":
            continue
        for line in str(message.get("content", "")).splitlines():
            for prefix in ("제목:", "Title:"):
                if line.startswith(prefix):
                    return line[len(prefix) :].strip()
    return ""


def default_sections(request: dict[str, Any]) -> dict[str, str]:
    title = title_of(request)
    return {
        "whats_new": f"이 논문은 {title}을(를) 제안합니다.",
        "technical_details": f"{title}의 방법은 새로운 구조(architecture)를 사용합니다.",
        "performance_highlights": "실험에서 기존 방법보다 좋은 성능을 보였습니다.",
    }


class _Server:
    def __init__(self) -> None:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Real servers (uvicorn under vLLM, llama.cpp's server) set TCP_NODELAY. Without
            # it the headers and body go out as two segments and the client's delayed ACK
            # adds ~40 ms to every response on loopback: the server's cost, not the client's.
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                outer._dispatch(self, "GET", None)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                outer._dispatch(self, "POST", raw)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.lock = threading.Lock()
        self.requests: list[tuple[str, str, Any]] = []  # (method, path, parsed body or query)
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> _Server:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def _send(self, handler: BaseHTTPRequestHandler, reply: Reply) -> None:
        if reply.delay:
            time.sleep(reply.delay)
        data = reply.encoded()
        try:
            handler.send_response(reply.status)
            handler.send_header("Content-Type", reply.headers.get("Content-Type",
                                                                   "application/json"))
            handler.send_header("Content-Length", str(len(data)))
            for key, value in reply.headers.items():
                if key != "Content-Type":
                    handler.send_header(key, value)
            handler.end_headers()
            handler.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _dispatch(self, handler: BaseHTTPRequestHandler, method: str, raw: bytes | None) -> None:
        raise NotImplementedError


class FakeOpenAI(_Server):
    """An OpenAI-compatible server. ``script`` replies come first, then ``responder``."""

    def __init__(
        self,
        responder: Callable[[dict[str, Any]], Reply] | None = None,
        *,
        models: tuple[str, ...] = ("fake-model",),
        latency: float = 0.0,
    ) -> None:
        super().__init__()
        self.script: deque[Reply] = deque()
        self.responder = responder or (lambda req: sections_reply(default_sections(req)))
        self.models = models
        self.latency = latency
        self.in_flight = 0
        self.max_in_flight = 0
        # ("ask", title) as a chat request arrives, ("answer", title) as its reply is sent
        self.events: list[tuple[str, str]] = []

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1"

    @property
    def chat_requests(self) -> list[dict[str, Any]]:
        with self.lock:
            return [body for method, path, body in self.requests
                    if method == "POST" and path.endswith("/chat/completions")]

    def _dispatch(self, handler: BaseHTTPRequestHandler, method: str, raw: bytes | None) -> None:
        path = urlparse(handler.path).path
        if method == "GET" and path == "/v1/models":
            self._send(handler, Reply(body={"object": "list", "data": [
                {"id": m, "object": "model", "owned_by": "test"} for m in self.models]}))
            return
        if method != "POST" or path != "/v1/chat/completions":
            self._send(handler, Reply(404, {"error": {"message": f"no route {path}"}}))
            return
        try:
            body = json.loads(raw or b"{}")
        except json.JSONDecodeError:
            self._send(handler, Reply(400, {"error": {"message": "bad json"}}))
            return
        with self.lock:
            self.requests.append((method, path, body))
            self.events.append(("ask", title_of(body)))
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            reply = self.script.popleft() if self.script else None
        try:
            if reply is None:
                reply = self.responder(body)
            if self.latency:
                time.sleep(self.latency)
            with self.lock:  # before it leaves: no request it causes can be recorded first
                self.events.append(("answer", title_of(body)))
            self._send(handler, reply)
        finally:
            with self.lock:
                self.in_flight -= 1


def hf_item(paper_id: str, title: str, *, upvotes: int = 0, day: str = "2024-07-22",
            abstract: str = "An abstract.", authors: tuple[str, ...] = ("A. Author",),
            **extra: Any) -> dict[str, Any]:
    paper = {"id": paper_id, "title": title, "summary": abstract, "upvotes": upvotes,
             "authors": [{"name": a} for a in authors], "publishedAt": day}
    item = {"paper": paper, "title": title, "publishedAt": day,
            "thumbnail": f"https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/{paper_id}.png"}
    item.update(extra)
    return item


class FakeHF(_Server):
    """``/api/daily_papers?date=&limit=&p=`` over a dict of day -> items, paginated for real.

    ``replies`` maps a date to a scripted Reply instead (error bodies, status codes).
    """

    def __init__(self, days: dict[str, list[dict[str, Any]]] | None = None) -> None:
        super().__init__()
        self.days = days or {}
        self.replies: dict[str, deque[Reply]] = {}

    def _dispatch(self, handler: BaseHTTPRequestHandler, method: str, raw: bytes | None) -> None:
        parsed = urlparse(handler.path)
        query = {k: v[0] for k, v in parse_qs(parsed.query).items()}
        with self.lock:
            self.requests.append((method, parsed.path, query))
        if parsed.path != "/api/daily_papers":
            self._send(handler, Reply(404, {"error": "Not Found"}))
            return
        day = query.get("date", "")
        scripted = self.replies.get(day)
        if scripted:
            self._send(handler, scripted.popleft())
            return
        limit = int(query.get("limit", 50))
        page = int(query.get("p", 0))
        items = self.days.get(day, [])
        self._send(handler, Reply(body=items[page * limit : (page + 1) * limit]))


class Flaky:
    """A responder that fails a share of requests, deterministically (seeded).

    ``rates`` maps a fault to its share: ``500`` (server error), ``429`` (rate limit with
    ``Retry-After``), ``json`` (a 200 whose body is cut off), ``hang`` (answers after ``hang``
    seconds, past the client's timeout). What it did is counted in ``kinds``.

    The fault of a request depends on the seed, the request's messages and how many times the
    same messages were sent before, not on arrival order: with concurrent clients the same paper
    meets the same faults on every run, however the threads interleave.
    """

    def __init__(self, rates: dict[str, float], *, seed: int = 7, hang: float = 3.0,
                 retry_after: float = 0.2) -> None:
        self.seed = seed
        self.lock = threading.Lock()
        self.rates = rates
        self.hang = hang
        self.retry_after = retry_after
        self.kinds: dict[str, int] = {}
        self.seen: dict[str, int] = {}  # digest of the messages -> requests so far

    def pick(self, request: dict[str, Any] | None = None) -> str:
        import hashlib
        import random

        key = hashlib.sha256(
            json.dumps((request or {}).get("messages"), sort_keys=True).encode()
        ).hexdigest()
        with self.lock:
            attempt = self.seen.get(key, 0)
            self.seen[key] = attempt + 1
        roll = random.Random(f"{self.seed}:{key}:{attempt}").random()
        edge = 0.0
        kind = "ok"
        for name, rate in self.rates.items():
            edge += rate
            if roll < edge:
                kind = name
                break
        with self.lock:
            self.kinds[kind] = self.kinds.get(kind, 0) + 1
        return kind

    def __call__(self, request: dict[str, Any]) -> Reply:
        kind = self.pick(request)
        if kind == "500":
            return Reply(500, {"error": {"message": "internal error"}})
        if kind == "429":
            return Reply(429, {"error": {"message": "rate limited"}},
                         {"Retry-After": f"{self.retry_after:g}"})
        if kind == "json":
            return Reply(200, b'{"id": "x", "choices": [')
        if kind == "hang":
            return Reply(200, b"{}", delay=self.hang)
        return sections_reply(default_sections(request))


def bench_digest_args(source: Any, server: FakeOpenAI, db: Any, out: Any,
                      concurrency: int) -> list[str]:
    """`paperdigest digest` arguments the benchmarks time: the fake server, abstracts only,
    no repairs, no progress bar."""
    return ["digest", "--source", f"file:{source}", "--backend", "openai", "--base-url",
            server.base_url, "--model", "fake-model", "--concurrency", str(concurrency),
            "--db", str(db), "--out", str(out), "--no-progress", "--repairs", "0",
            "--no-fulltext"]


# -- the arXiv API (export.arxiv.org/api/query), Atom pages ----------------------------------

ATOM_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<feed xmlns="http://www.w3.org/2005/Atom" '
    'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
    'xmlns:arxiv="http://arxiv.org/schemas/atom">\n'
    "  <title>arXiv Query results</title>\n"
)


@dataclass
class ArxivPaper:
    """One paper the fake arXiv API knows (``published``: version 1, ``updated``: the latest)."""

    id: str
    title: str
    published: str  # ISO, UTC, e.g. 2024-07-18T19:00:00Z
    updated: str = ""
    version: int = 1
    abstract: str = "  We propose a method.\n  It works well on 3 benchmarks.\n"
    authors: tuple[str, ...] = ("A. Author",)
    categories: tuple[str, ...] = ("cs.CL",)  # the primary one first
    comment: str | None = None

    def entry(self) -> str:
        updated = self.updated or self.published
        authors = "".join(
            f"    <author><name>{escape(a)}</name></author>\n" for a in self.authors
        )
        cats = "".join(
            f'    <category term="{c}" scheme="http://arxiv.org/schemas/atom"/>\n'
            for c in self.categories
        )
        comment = (
            f"    <arxiv:comment>{escape(self.comment)}</arxiv:comment>\n" if self.comment else ""
        )
        return (
            "  <entry>\n"
            f"    <id>http://arxiv.org/abs/{self.id}v{self.version}</id>\n"
            f"    <updated>{updated}</updated>\n"
            f"    <published>{self.published}</published>\n"
            f"    <title>{escape(self.title)}</title>\n"
            f"    <summary>{escape(self.abstract)}</summary>\n"
            f"{authors}{comment}"
            f'    <link href="http://arxiv.org/abs/{self.id}v{self.version}" rel="alternate" '
            'type="text/html"/>\n'
            f'    <arxiv:primary_category term="{self.categories[0]}" '
            'scheme="http://arxiv.org/schemas/atom"/>\n'
            f"{cats}"
            "  </entry>\n"
        )


def atom_feed(entries: list[str], *, total: int, start: int = 0, per_page: int = 0) -> str:
    return (
        ATOM_HEAD
        + f"  <opensearch:totalResults>{total}</opensearch:totalResults>\n"
        + f"  <opensearch:startIndex>{start}</opensearch:startIndex>\n"
        + f"  <opensearch:itemsPerPage>{per_page}</opensearch:itemsPerPage>\n"
        + "".join(entries)
        + "</feed>\n"
    )


def atom_error(message: str) -> str:
    """The API's error answer: a feed with one entry whose id is .../api/errors#..."""
    entry = (
        "  <entry>\n"
        "    <id>http://arxiv.org/api/errors#incorrect_query</id>\n"
        "    <title>Error</title>\n"
        f"    <summary>{escape(message)}</summary>\n"
        "  </entry>\n"
    )
    return atom_feed([entry], total=1)


_QUERY_CATS = re.compile(r"cat:([A-Za-z.-]+)")
_QUERY_RANGE = re.compile(r"(submittedDate|lastUpdatedDate):\[(\d{12}) TO (\d{12})\]")


class FakeArxivAPI(_Server):
    """``/api/query`` over ``papers``: ``cat:`` terms OR-ed, one ``submittedDate`` or
    ``lastUpdatedDate`` range (minutes, both ends included), sorted by submission, paginated by
    ``start`` and ``max_results``. ``page_cap`` sends at most that many entries per page (as the
    real API sometimes does); ``script`` replies come first. ``arrivals`` holds
    ``(time.monotonic(), query dict)`` per request."""

    def __init__(self, papers: list[ArxivPaper] | None = None, *, page_cap: int = 0) -> None:
        super().__init__()
        self.papers = list(papers or [])
        self.page_cap = page_cap
        self.script: deque[Reply] = deque()
        self.arrivals: list[tuple[float, dict[str, str]]] = []

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/query"

    def queries(self) -> list[dict[str, str]]:
        with self.lock:
            return [q for _, q in self.arrivals]

    def gaps(self) -> list[float]:
        with self.lock:
            times = [t for t, _ in self.arrivals]
        return [b - a for a, b in itertools.pairwise(times)]

    def matching(self, query: str) -> list[ArxivPaper]:
        cats = set(_QUERY_CATS.findall(query))
        found = _QUERY_RANGE.search(query)
        out = []
        for paper in self.papers:
            if cats and not cats & set(paper.categories):
                continue
            if found:
                field_name, low, high = found.groups()
                stamp = paper.published if field_name == "submittedDate" else (
                    paper.updated or paper.published)
                minute = stamp[:16].replace("-", "").replace("T", "").replace(":", "")
                if not low <= minute <= high:
                    continue
            out.append(paper)
        return sorted(out, key=lambda p: p.published)

    def _dispatch(self, handler: BaseHTTPRequestHandler, method: str, raw: bytes | None) -> None:
        arrived = time.monotonic()
        parsed = urlparse(handler.path)
        query = {k: v[0] for k, v in parse_qs(parsed.query).items()}
        with self.lock:
            self.arrivals.append((arrived, query))
            self.requests.append((method, parsed.path, query))
            scripted = self.script.popleft() if self.script else None
        atom = {"Content-Type": "application/atom+xml; charset=utf-8"}
        if scripted is not None:
            self._send(handler, scripted)
            return
        if parsed.path != "/api/query":
            self._send(handler, Reply(404, "not found", {"Content-Type": "text/plain"}))
            return
        found = self.matching(query.get("search_query", ""))
        start = int(query.get("start", 0))
        size = int(query.get("max_results", 10))
        if self.page_cap:
            size = min(size, self.page_cap)
        page = found[start : start + size]
        body = atom_feed([p.entry() for p in page], total=len(found), start=start, per_page=size)
        self._send(handler, Reply(200, body, atom))
