"""HTTP caching for the read-only server: answers are kept until the database changes.

:class:`DatabaseVersion` names the database's state from ``stat`` of the file and its WAL (a
commit changes one of them), which costs microseconds. :class:`ResponseCache` is an ASGI
middleware around the app:

- ``GET`` answers with status 200 are kept (LRU, bounded in entries and bytes) with the version
  they were made at, and replayed while the version is the same: a page, a feed or an API answer
  is rendered once per database change, not once per request.
- Every cached kind of answer carries an ``ETag`` (the version and the request) and
  ``Last-Modified`` (the database's change time); ``If-None-Match`` / ``If-Modified-Since`` get
  ``304 Not Modified``.
- ``HEAD`` is answered for every ``GET`` route: the same status and headers, no body.
- One render per answer: requests for an answer that is being rendered wait for it instead of
  rendering it again (50 readers opening a feed right after a digest cost one render, not 50).

The server puts the cache outside everything else (see ``web.app``): a kept answer, or a 304 for
it, is sent after two ``stat`` calls and a dictionary look-up, before any routing, validation,
dependency or middleware work, so a reader of a cached page costs the server a fraction of a
millisecond.
"""

from __future__ import annotations

import asyncio
import email.utils
import hashlib
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

UNCACHED = ("/healthz", "/docs", "/redoc", "/openapi.json")


class DatabaseVersion:
    """The database's state as a short token, and when it last changed (epoch seconds)."""

    def __init__(self, path: Path) -> None:
        self.paths = [path, path.with_name(path.name + "-wal")]
        self._seen: tuple[tuple[int, ...], tuple[str, float]] = ((), ("", 0.0))

    def __call__(self) -> tuple[str, float]:
        parts: list[int] = []
        newest = 0.0
        for path in self.paths:
            try:
                st = os.stat(path)
            except OSError:
                parts += (-1, -1, -1)
                continue
            parts += (st.st_mtime_ns, st.st_size, st.st_ino)
            newest = max(newest, st.st_mtime)
        stats = tuple(parts)
        seen = self._seen
        if seen[0] == stats:  # the same as last time: no need to name it again
            return seen[1]
        token = hashlib.sha1(repr(stats).encode()).hexdigest()[:16]
        self._seen = (stats, (token, newest))
        return token, newest


class PostgresVersion:
    """The same for PostgreSQL: the write-ahead log position names the state (any commit moves
    it), read at most every ``every`` seconds; the change time is when it was seen to move."""

    def __init__(self, connection: Callable[[], Any], every: float = 0.5) -> None:
        self.connection = connection
        self.every = every
        self._lock = threading.Lock()
        self._seen = ("", 0.0)
        self._at = -1e9

    def __call__(self) -> tuple[str, float]:
        now = time.monotonic()
        with self._lock:
            if now - self._at < self.every:
                return self._seen
            self._at = now
        row = self.connection().execute("SELECT pg_current_wal_lsn()::text").fetchone()
        token = hashlib.sha1(str(row[0]).encode()).hexdigest()[:16]
        with self._lock:
            if token != self._seen[0]:
                self._seen = (token, time.time())
            return self._seen


class _Entry:
    __slots__ = ("body", "etag", "headers", "version")

    def __init__(self, version: str, etag: str, headers: list[tuple[bytes, bytes]],
                 body: bytes) -> None:
        self.version = version
        self.etag = etag
        self.headers = headers
        self.body = body


class ResponseCache:
    """The ASGI middleware described in the module docstring."""

    def __init__(
        self,
        app: ASGIApp,
        version: Callable[[], tuple[str, float]],
        *,
        max_entries: int = 2048,
        max_bytes: int = 64_000_000,
        max_body: int = 4_000_000,
    ) -> None:
        self.app = app
        self.version = version
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.max_body = max_body
        self._entries: OrderedDict[tuple[str, bytes], _Entry] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        self.renders = 0  # times the app was asked for a cacheable answer
        # answers being rendered now, by request and database version: later requests wait
        self._inflight: dict[tuple[tuple[str, bytes], str], asyncio.Event] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        head = scope["method"] == "HEAD"
        if head:
            scope = dict(scope, method="GET")
        path: str = scope["path"]
        if path in UNCACHED:
            await self.app(scope, receive, _without_body(send) if head else send)
            return
        key = (path, bytes(scope.get("query_string", b"")))
        version, changed = self.version()
        entry = self._lookup(key, version)
        etag = entry.etag if entry is not None else _etag(version, key)
        conditional = _conditional(scope.get("headers") or ())
        if conditional and _not_modified(conditional, etag, changed):
            modified = email.utils.formatdate(changed, usegmt=True)
            validators = [(b"etag", etag.encode()), (b"last-modified", modified.encode())]
            await _send(send, 304, validators, b"", head=True)
            return
        while entry is None and (key, version) in self._inflight:
            # the same answer is being rendered: wait for it (and if that render was not kept,
            # e.g. an error, for whoever renders it next)
            await self._inflight[(key, version)].wait()
            entry = self._lookup(key, version)
        if entry is not None:
            await _send(send, 200, entry.headers, entry.body, head=head)
            return
        done = asyncio.Event()
        self._inflight[(key, version)] = done
        try:
            self.renders += 1
            modified = email.utils.formatdate(changed, usegmt=True)
            await self._fill(scope, receive, send, key, version, etag, modified, head)
        finally:
            if self._inflight.get((key, version)) is done:
                del self._inflight[(key, version)]
            done.set()

    def _lookup(self, key: tuple[str, bytes], version: str) -> _Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry.version == version:
                self._entries.move_to_end(key)
                self.hits += 1
                return entry
            self.misses += 1
            return None

    async def _fill(self, scope: Scope, receive: Receive, send: Send, key: tuple[str, bytes],
                    version: str, etag: str, modified: str, head: bool) -> None:
        """Run the app, pass its answer on (with validators), and keep a 200 answer."""
        start: Message | None = None
        chunks: list[bytes] = []
        size = 0
        keep = True

        async def capture(message: Message) -> None:
            nonlocal start, size, keep
            if message["type"] == "http.response.start":
                start = message
                if message["status"] != 200:
                    keep = False
                    await send(message)
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            assert start is not None
            if not keep:
                await send(message if not head else {**message, "body": b""})
                return
            body = message.get("body", b"")
            chunks.append(body)
            size += len(body)
            if not message.get("more_body", False):
                headers = [(k, v) for k, v in start.get("headers", [])
                           if k.lower() not in (b"etag", b"last-modified", b"content-length")]
                headers += [(b"etag", etag.encode()), (b"last-modified", modified.encode())]
                whole = b"".join(chunks)
                headers.append((b"content-length", str(len(whole)).encode()))
                self._keep(key, _Entry(version, etag, headers, whole))
                await _send(send, 200, headers, whole, head=head)

        await self.app(scope, receive, capture)

    def _keep(self, key: tuple[str, bytes], entry: _Entry) -> None:
        if len(entry.body) > self.max_body:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= len(old.body)
            self._entries[key] = entry
            self._bytes += len(entry.body)
            while self._entries and (
                len(self._entries) > self.max_entries or self._bytes > self.max_bytes
            ):
                _, dropped = self._entries.popitem(last=False)
                self._bytes -= len(dropped.body)


async def render_ahead(app: ASGIApp, paths: list[str],
                       stopped: Callable[[], bool] = lambda: False) -> int:
    """GET each of ``paths`` through ``app`` (the whole app, so its cache keeps the answers),
    one after another until ``stopped()``, the answers thrown away; the number answered 200."""
    ok = 0
    for path in paths:
        if stopped():
            break
        ok += await _get(app, path) == 200
    return ok


async def _get(app: ASGIApp, path: str) -> int:
    status = 0
    scope: Scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
        "method": "GET", "scheme": "http", "path": path, "raw_path": path.encode(),
        "query_string": b"", "root_path": "", "headers": [(b"host", b"localhost")],
        "client": ("127.0.0.1", 0), "server": ("127.0.0.1", 80),
    }
    asked = False

    async def receive() -> Message:
        nonlocal asked
        if not asked:
            asked = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()  # no disconnect: the answer is wanted in full
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])

    await app(scope, receive, send)
    return status


def _etag(version: str, key: tuple[str, bytes]) -> str:
    digest = hashlib.sha1(key[0].encode() + b"?" + key[1]).hexdigest()[:16]
    return f'"{version}-{digest}"'


def _conditional(headers: Any) -> dict[bytes, bytes]:
    """The request's If-None-Match / If-Modified-Since headers (usually none)."""
    found: dict[bytes, bytes] = {}
    for name, value in headers:
        if name in (b"if-none-match", b"if-modified-since"):
            found[name] = value
    return found


def _not_modified(headers: dict[bytes, bytes], etag: str, changed: float) -> bool:
    match = headers.get(b"if-none-match")
    if match is not None:
        tags = [t.strip().removeprefix("W/") for t in match.decode("latin-1").split(",")]
        return etag in tags or "*" in tags
    since = headers.get(b"if-modified-since")
    if since is not None:
        try:
            when = email.utils.parsedate_to_datetime(since.decode("latin-1"))
        except (TypeError, ValueError):
            return False
        return when is not None and int(changed) <= when.timestamp()
    return False


async def _send(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes,
                *, head: bool) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if head else body})


def _without_body(send: Send) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.body":
            message = {**message, "body": b""}
        await send(message)

    return wrapped


__all__ = ["DatabaseVersion", "ResponseCache", "render_ahead"]
