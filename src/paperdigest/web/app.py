"""A read-only web server over the database: the static site's pages, a JSON API and search.

Every request thread gets its own read-only SQLite connection (``Store(path, readonly=True)``),
so the server never writes and never blocks a running ``digest``. Pages are rendered on request
from the same templates as ``paperdigest site``; the search page asks ``/api/search`` (FTS5)
instead of loading the offline index. The OpenAPI docs at ``/docs`` and ``/redoc`` load their
scripts from this server (``fastapi-offline``), not from a CDN.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import re
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

import anyio.to_thread
from fastapi import Body, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from fastapi_offline import FastAPIOffline
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__
from ..errors import AppError, SearchQueryError, SearchUnavailable, StoreError
from ..render.atom import digest_feed, papers_feed
from ..render.json_day import (
    DEFAULT_LANG,
    Day,
    Period,
    arxiv_url,
    day_dict,
    hf_url,
    load_day,
    load_paper,
    load_top,
    paper_slug,
    periods,
    safe_url,
    summary_dict,
)
from ..render.pages import STATIC_FILES, Pages, static_file, ui_strings
from ..render.provenance import load_record
from ..store import Store
from ..store.engine import is_postgres_url
from ..store.search import MAX_LIMIT, search
from .cache import (
    ASGIApp,
    DatabaseVersion,
    Message,
    PostgresVersion,
    Receive,
    ResponseCache,
    Scope,
    Send,
    render_ahead,
)

_LANG = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})?$")
_LANGS_TTL = 30.0  # seconds to cache the list of languages
_FEED_DAYS = 30
_QUIET_SECONDS = 3.0  # a changed database is rendered ahead once it has not changed for this
_STOP_SECONDS = 1.0  # at shutdown, how long a render ahead may take to finish its answer
_LOADED_DAYS = 96  # loaded days kept (about 0.2 MB each with 30 papers and their summaries)
CSP = (
    "default-src 'none'; img-src https: http: data:; media-src https: http:; "
    "style-src 'self'; script-src 'self'; connect-src 'self'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


class ApiError(Exception):
    """An API answer other than 200: status and a message for the ``detail`` field."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class Stores:
    """One read-only Store per thread, opened on first use, all closed at shutdown."""

    def __init__(self, path: str | Path, opener: Callable[[], Store] | None = None) -> None:
        self.path = path
        self.opener = opener or (lambda: Store(path, readonly=True))
        self._local = threading.local()
        self._lock = threading.Lock()
        self._all: list[Store] = []

    def get(self) -> Store:
        store: Store | None = getattr(self._local, "store", None)
        if store is None:
            store = self.opener()
            self._local.store = store
            with self._lock:
                self._all.append(store)
        return store

    def close(self) -> None:
        with self._lock:
            for store in self._all:
                with contextlib.suppress(Exception):  # best effort at shutdown
                    store.close()
            self._all.clear()


def json_answer(content: Any) -> Response:
    """A JSON answer, serialized as FastAPI would (compact, UTF-8) but without its generic
    encoder: the API's answers are plain dicts, lists, strings and numbers already."""
    body = json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":"),
                      default=_iso)
    return Response(body.encode("utf-8"), media_type="application/json")


def _iso(value: object) -> str:
    if isinstance(value, dt.date):  # a date or time column read back as one (PostgreSQL)
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def security_headers(app: ASGIApp) -> ASGIApp:
    """``X-Content-Type-Options``, ``Referrer-Policy`` and, on HTML pages other than the API
    docs, a ``Content-Security-Policy`` on every answer (a plain ASGI layer: no task group
    per request as an ``@app.middleware`` function costs)."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        is_docs = scope["path"] in ("/docs", "/redoc")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                if b"x-content-type-options" not in names:
                    headers.append((b"x-content-type-options", b"nosniff"))
                if b"referrer-policy" not in names:
                    headers.append((b"referrer-policy", b"no-referrer"))
                html_page = any(name.lower() == b"content-type" and value.startswith(b"text/html")
                                for name, value in headers)
                if html_page and not is_docs and b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", CSP.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await app(scope, receive, send_with_headers)

    return wrapped


def parse_date(value: str) -> dt.date:
    try:
        if len(value) != 10:
            raise ValueError
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ApiError(400, f"not a date: {value[:40]!r} (use YYYY-MM-DD)") from None


def create_app(
    db_path: str | Path,
    *,
    default_lang: str = DEFAULT_LANG,
    open_store: Callable[[], Store] | None = None,
    feedback: Callable[[str, str], dict[str, Any]] | None = None,
) -> FastAPI:
    """The web app over the database at ``db_path``, read-only. ``open_store`` opens one
    read-only Store (the composition root passes its own; default: ``Store(db_path)``).
    ``feedback`` (a server run with a reader's profile) stores a like or a dislike: the one
    write, ``POST /api/feedback/{id}``; without it that path answers 404."""
    stores = Stores(db_path, open_store)
    stores.opener().close()  # fail now, with a clear message, if it cannot be read
    langs_cache: dict[str, Any] = {"at": 0.0, "langs": [default_lang]}
    langs_lock = threading.Lock()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        stop = asyncio.Event()
        ahead = asyncio.create_task(keep_rendered(app, stop))
        try:
            yield
        finally:
            # not cancelled: a render in a request thread would go on using its connection
            # while it is closed (a crash); told to stop, it ends after the answer it is on
            stop.set()
            done, _ = await asyncio.wait({ahead}, timeout=_STOP_SECONDS)
            if done:
                stores.close()
            else:  # still rendering: the connections are left to the process's exit
                ahead.cancel()

    def read_most() -> list[str]:
        """The answers read most: the home page, the feeds, the archive and the newest day."""
        lang = default_lang
        newest = stores.get().days(limit=1)
        paths = ["/", f"/{lang}/", f"/{lang}/atom/papers.xml", f"/{lang}/atom/digest.xml",
                 f"/{lang}/archive.html", "/api/days"]
        if newest:
            iso = newest[0].day.isoformat()
            paths += [f"/{lang}/days/{iso}.html", f"/api/days/{iso}"]
        return paths

    async def keep_rendered(app: FastAPI, stop: asyncio.Event) -> None:
        """Render the answers read most at start and again after each change of the database
        (once it has been quiet for a few seconds: a digest run writing is not chased), so the
        first readers after a change find them ready instead of all waiting for one render."""
        rendered: str | None = None
        seen, changed_at = "", 0.0
        while not stop.is_set():
            try:
                now = version()[0]
                if now != seen:
                    seen, changed_at = now, time.monotonic()
                quiet = time.monotonic() - changed_at >= _QUIET_SECONDS
                if now != rendered and (rendered is None or quiet):
                    rendered = now
                    paths = await anyio.to_thread.run_sync(read_most)
                    await render_ahead(app, paths, stop.is_set)
            except asyncio.CancelledError:
                raise
            except Exception:  # an unreadable database: readers are told when they ask
                pass
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 1.0)

    app = FastAPIOffline(
        title="paperdigest",
        version=__version__,
        description="Daily Papers digests: days, papers, summaries and full-text search. "
        "Read-only.",
        lifespan=lifespan,
    )
    version: Callable[[], tuple[str, float]]
    if is_postgres_url(db_path):
        version = PostgresVersion(lambda: stores.get().db)
    else:
        version = DatabaseVersion(Path(db_path))
    # pages, feeds and API answers are kept until the database changes (ETag, 304, HEAD). The
    # cache is the outermost layer, so a kept answer is sent before any routing or middleware
    # work; the security headers are added inside it and kept with the answer.
    inner_stack = app.build_middleware_stack

    def build_middleware_stack() -> ASGIApp:
        return ResponseCache(security_headers(inner_stack()), version=version)

    app.build_middleware_stack = build_middleware_stack  # type: ignore[method-assign]

    def langs() -> list[str]:
        with langs_lock:
            if time.monotonic() - langs_cache["at"] > _LANGS_TTL:
                found = [
                    r[0]
                    for r in stores.get().db.execute("SELECT DISTINCT lang FROM summaries")
                    if isinstance(r[0], str) and _LANG.match(r[0])
                ]
                others = sorted(lang for lang in found if lang != default_lang)
                langs_cache["langs"] = [default_lang, *others]
                langs_cache["at"] = time.monotonic()
            return list(langs_cache["langs"])

    def check_lang(lang: str) -> str:
        if lang not in langs():
            raise StarletteHTTPException(404, f"no pages in language {lang[:20]!r}")
        return lang

    renderers: dict[tuple[str, ...], Pages] = {}
    # days as loaded from the database, by database version: the day page, /api/days/D, the
    # home page and both feeds read the same recent days, so each is read once per change
    loaded_days: OrderedDict[tuple[str, dt.date, str], Day] = OrderedDict()
    loaded_lock = threading.Lock()

    def day_of(store: Store, day: dt.date, lang: str) -> Day:
        key = (version()[0], day, lang)
        with loaded_lock:
            found = loaded_days.get(key)
            if found is not None:
                loaded_days.move_to_end(key)
                return found
        found = load_day(store, day, lang)
        with loaded_lock:
            loaded_days[key] = found
            while len(loaded_days) > _LOADED_DAYS:
                loaded_days.popitem(last=False)
        return found

    def pages() -> Pages:
        """The page renderer for the current languages (made once; templates compiled once)."""
        key = tuple(langs())
        found = renderers.get(key)
        if found is None:
            found = renderers[key] = Pages(search_api="/api/search", langs=list(key))
        return found

    def html(text: str, status: int = 200) -> HTMLResponse:
        return HTMLResponse(text, status_code=status)

    # -- errors ------------------------------------------------------------------------------

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse({"detail": exc.message}, status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        for err in exc.errors():
            where = ".".join(str(x) for x in err.get("loc", ()) if x not in ("query", "path"))
            problems.append(f"{where}: {err.get('msg', 'invalid')}" if where else err.get("msg"))
        return JSONResponse({"detail": "; ".join(str(p) for p in problems)}, status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if request.url.path.startswith("/api/") or exc.status_code != 404:
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)
        parts = request.url.path.strip("/").split("/")
        lang = parts[0] if parts and parts[0] in langs() else default_lang
        # the page's language, not the English detail meant for the API
        return html(pages().not_found(ui_strings(lang)["not_found"], lang=lang), 404)

    @app.exception_handler(sqlite3.Error)
    async def database_error(request: Request, exc: sqlite3.Error) -> JSONResponse:
        return JSONResponse({"detail": f"the database cannot be read: {exc}"}, status_code=503)

    @app.exception_handler(AppError)
    async def app_error(request: Request, exc: AppError) -> JSONResponse:
        status = 503 if isinstance(exc, StoreError) else 400
        return JSONResponse({"detail": exc.message}, status_code=status)

    # -- API ---------------------------------------------------------------------------------

    @app.get("/api/days", tags=["api"], summary="Every day in the database, newest first",
             response_model=dict[str, Any])
    def api_days() -> Response:
        days = stores.get().days()
        return json_answer({
            "count": len(days),
            "days": [
                {
                    "date": d.day.isoformat(),
                    "count": d.n_papers,
                    "source": d.source,
                    "fetched_at": d.fetched_at,
                    "url": f"/api/days/{d.day.isoformat()}",
                }
                for d in days
            ],
        })

    @app.get(
        "/api/days/{date}",
        tags=["api"],
        summary="One day's papers in vote order, each with its latest summary",
        responses={400: {"description": "Not a date"}, 404: {"description": "No such day"}},
        response_model=dict[str, Any],
    )
    def api_day(
        date: str, lang: Annotated[str, Query(max_length=16)] = default_lang
    ) -> Response:
        day = parse_date(date)
        store = stores.get()
        if store.day_info(day) is None:
            raise ApiError(404, f"no list for {day.isoformat()} in the database")
        return json_answer(day_dict(day_of(store, day, lang)))

    @app.get(
        "/api/papers/{paper_id:path}",
        tags=["api"],
        summary="One paper: details, the days it was listed, its latest summary per language",
        responses={404: {"description": "No such paper"}},
        response_model=dict[str, Any],
    )
    def api_paper(paper_id: str) -> Response:
        store = stores.get()
        paper = store.paper(paper_id) if len(paper_id) <= 64 else None
        if paper is None:
            raise ApiError(404, f"no paper {paper_id[:64]!r} in the database")
        days = store.db.execute(
            "SELECT day, upvotes, position FROM day_papers WHERE paper_id = ? ORDER BY day DESC",
            (paper.id,),
        ).fetchall()
        summaries: dict[str, Any] = {}
        for lang in langs():
            summary = store.latest_summary(paper.id, lang)
            if summary is not None:
                summaries[lang] = summary_dict(summary, load_record(store, summary))
        return json_answer({
            "id": paper.id,
            "title": paper.title,
            "authors": list(paper.authors),
            "abstract": paper.abstract,
            "upvotes": paper.upvotes,
            "published_at": paper.published_at,
            "arxiv_url": arxiv_url(paper.id),
            "hf_url": hf_url(paper.id),
            "media_url": safe_url(paper.media_url),
            "github_url": safe_url(paper.github_url),
            "project_url": safe_url(paper.project_url),
            "days": [{"date": r[0], "upvotes": r[1], "position": r[2]} for r in days],
            "summaries": summaries,
        })

    @app.post(
        "/api/feedback/{paper_id:path}",
        tags=["api"],
        summary="Like or dislike a paper (servers run with --profile): the next ranking uses it",
        responses={400: {"description": "Bad verdict or unknown paper"},
                   404: {"description": "Feedback is off (no --profile)"}},
    )
    def api_feedback(
        paper_id: str, verdict: Annotated[str, Body(embed=True, max_length=16)]
    ) -> dict[str, Any]:
        if feedback is None:
            raise ApiError(404, "feedback is off: run `paperdigest serve --profile FILE`")
        if len(paper_id) > 64:
            raise ApiError(400, "not a paper id")
        return feedback(paper_id, verdict)

    @app.get(
        "/api/search",
        tags=["api"],
        summary="Full-text search (FTS5, BM25) over titles, authors, abstracts and summaries",
        description="Words are ANDed and matched as prefixes; text in double quotes is a "
        "phrase. Operators and special characters are searched as text. `snippet_html` is "
        "escaped HTML whose only tags are `<mark>` around the matches. On PostgreSQL the "
        "1,000 newest matches are ranked (more for later pages): `total_capped` is true when "
        "there are more and `total` is then a lower bound.",
        responses={400: {"description": "Empty, oversized or unsearchable query"}},
        response_model=dict[str, Any],
    )
    def api_search(
        q: Annotated[str | None, Query(description="Words to find")] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
        offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
    ) -> Response:
        if q is None:
            raise ApiError(400, "missing query: pass ?q=words")
        try:
            results = search(stores.get(), q, limit=limit, offset=offset)
        except SearchQueryError as exc:
            raise ApiError(400, exc.message) from None
        except SearchUnavailable as exc:
            raise ApiError(503, exc.message) from None
        return json_answer({
            "query": results.query,
            "total": results.total,
            "total_capped": results.total_capped,
            "limit": results.limit,
            "offset": results.offset,
            "hits": [
                {
                    "id": h.paper_id,
                    "title": h.title,
                    "authors": list(h.authors),
                    "upvotes": h.upvotes,
                    "days": list(h.days),
                    "score": round(h.score, 4),
                    "title_html": h.title_html,
                    "snippet_html": h.snippet_html,
                    "snippet": h.snippet,
                    "snippet_field": h.snippet_column,
                    "arxiv_url": arxiv_url(h.paper_id),
                    "hf_url": hf_url(h.paper_id),
                    "api_url": f"/api/papers/{h.paper_id}",
                }
                for h in results.hits
            ],
        })

    # -- pages -------------------------------------------------------------------------------

    def latest_page(lang: str, depth: int) -> HTMLResponse:
        store = stores.get()
        days = store.days(limit=2)
        latest = day_of(store, days[0].day, lang) if days else None
        older = days[1].day.isoformat() if len(days) > 1 else None
        return html(pages().day(latest, lang=lang, depth=depth, page="index", older=older))

    health: dict[str, str] = {}  # database version -> "ok" or what is wrong

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> PlainTextResponse:
        """ok only when the whole database reads back (a quick check, once per change)."""
        now, _ = version()
        if now not in health:
            try:  # a fresh connection: a long-lived one may answer from its page cache
                fresh = stores.opener()
                try:
                    verdict = fresh.health()
                finally:
                    fresh.close()
            except (sqlite3.Error, AppError) as exc:
                verdict = str(exc)
            health.clear()
            health[now] = verdict
        verdict = health[now]
        if verdict != "ok":
            return PlainTextResponse(f"database unreadable: {verdict[:200]}\n", status_code=503)
        return PlainTextResponse("ok\n")

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return Response(status_code=204)  # no icon: an empty answer, not a 404 page

    @app.get("/", include_in_schema=False)
    def home() -> HTMLResponse:
        return latest_page(default_lang, 0)

    @app.get("/index.html", include_in_schema=False)
    def home_file() -> HTMLResponse:
        return latest_page(default_lang, 0)

    @app.get("/assets/{name}", include_in_schema=False)
    def asset(name: str) -> Response:
        if name not in STATIC_FILES:
            raise StarletteHTTPException(404)
        media = "text/css" if name.endswith(".css") else "text/javascript"
        return Response(
            static_file(name),
            media_type=f"{media}; charset=utf-8",
            headers={"Cache-Control": "public, max-age=300"},
        )

    @app.get("/{lang}", include_in_schema=False)
    def lang_root(lang: str) -> RedirectResponse:
        check_lang(lang)
        return RedirectResponse(f"/{lang}/", status_code=308)

    @app.get("/{lang}/", include_in_schema=False)
    def lang_home(lang: str) -> HTMLResponse:
        return latest_page(check_lang(lang), 1)

    @app.get("/{lang}/index.html", include_in_schema=False)
    def lang_index(lang: str) -> HTMLResponse:
        return latest_page(check_lang(lang), 1)

    @app.get("/{lang}/archive.html", include_in_schema=False)
    def archive(lang: str) -> HTMLResponse:
        check_lang(lang)
        return html(pages().archive(stores.get().days(), lang=lang))

    @app.get("/{lang}/search.html", include_in_schema=False)
    def search_page(lang: str) -> HTMLResponse:
        return html(pages().search(lang=check_lang(lang)))

    @app.get("/{lang}/days/{name}", include_in_schema=False)
    def day_page(lang: str, name: str) -> Response:
        check_lang(lang)
        stem, dot, ext = name.rpartition(".")
        if not dot or ext not in ("html", "json"):
            raise StarletteHTTPException(404)
        try:
            day = parse_date(stem)
        except ApiError:
            raise StarletteHTTPException(404, f"not a date: {stem[:40]!r}") from None
        store = stores.get()
        info = store.day_info(day)
        if info is None or not info.n_papers:  # a day with no papers has no page
            raise StarletteHTTPException(404, f"no digest for {day.isoformat()}")
        loaded = day_of(store, day, lang)
        if ext == "json":
            return Response(
                json.dumps(day_dict(loaded), ensure_ascii=False, indent=1),
                media_type="application/json",
            )
        newer, older = store.day_neighbours(day)
        return html(pages().day(loaded, lang=lang, depth=2, newer=newer, older=older))

    def find_paper(store: Store, name: str) -> str | None:
        for candidate in (name, name.replace("_", "/")):
            if len(candidate) <= 64 and store.paper(candidate) is not None:
                return candidate
        return None

    @app.get("/papers/{paper_id:path}", include_in_schema=False)
    def paper_redirect(paper_id: str) -> RedirectResponse:
        """A paper's page, in the default language: /papers/2407.14057."""
        store = stores.get()
        found = find_paper(store, paper_id.removesuffix(".html"))
        if found is None:
            raise StarletteHTTPException(404, f"no paper {paper_id[:64]!r}")
        return RedirectResponse(f"/{default_lang}/papers/{paper_slug(found)}.html", 308)

    @app.get("/{lang}/papers/{name}", include_in_schema=False)
    def paper_page(lang: str, name: str) -> HTMLResponse:
        check_lang(lang)
        stem, dot, ext = name.rpartition(".")
        if not dot or ext != "html":
            raise StarletteHTTPException(404)
        store = stores.get()
        found = find_paper(store, stem)
        view = load_paper(store, found, lang, langs()) if found else None
        if view is None:
            raise StarletteHTTPException(404, f"no paper {stem[:64]!r}")
        return html(pages().paper(view, lang=lang))

    @app.get("/{lang}/weeks/{name}", include_in_schema=False)
    def week_page(lang: str, name: str) -> HTMLResponse:
        return period_page(lang, "week", name)

    @app.get("/{lang}/months/{name}", include_in_schema=False)
    def month_page(lang: str, name: str) -> HTMLResponse:
        return period_page(lang, "month", name)

    def period_page(lang: str, kind: str, name: str) -> HTMLResponse:
        check_lang(lang)
        stem, dot, ext = name.rpartition(".")
        period = Period.parse(kind, stem) if dot and ext == "html" else None
        if period is None:
            raise StarletteHTTPException(404)
        store = stores.get()
        found = periods([d.day for d in store.days()], kind)
        keys = [p.key for p in found]
        if period.key not in keys:
            raise StarletteHTTPException(404, f"no days in {period.key}")
        i = keys.index(period.key)
        newer = found[i - 1] if i > 0 else None
        older = found[i + 1] if i + 1 < len(found) else None
        tops = load_top(store, period, lang)
        return html(pages().period(period, tops, lang=lang, newer=newer, older=older))

    @app.get("/{lang}/atom/{name}", include_in_schema=False)
    def feed(lang: str, name: str) -> Response:
        check_lang(lang)
        if name not in ("papers.xml", "digest.xml"):
            raise StarletteHTTPException(404)
        store = stores.get()
        loaded = [day_of(store, d.day, lang) for d in store.days(limit=_FEED_DAYS)]
        # not the Host header: a client must not choose the links in a feed (the self link is
        # relative, or the --base-url the site was given)
        render = papers_feed if name == "papers.xml" else digest_feed
        body = render(loaded, lang=lang, base_url=None, pages=pages())
        return Response(body, media_type="application/atom+xml; charset=utf-8")

    return app


__all__ = ["ApiError", "Stores", "create_app", "parse_date"]
