"""A cheap closed-loop HTTP/1.1 load generator: one asyncio process, raw keep-alive connections.

``bench/server_load.py`` used 50 Python threads with one ``httpx.Client`` each; on a 2-core
machine those threads take a large share of the CPU the server needs. Here each of ``clients``
coroutines keeps one TCP connection open and sends its next request when the last answer is read
(closed loop, as the threads did). A request's time is from writing the request to having read
the whole body; each answer's status is recorded and its body length is checked against
``Content-Length`` (chunked bodies are read and counted too). An answer that cannot be read (the
connection dropped, a malformed head, a timeout) counts as status -1 with its time kept, and the
connection is opened again.

    run(host, port, [(kind, path), ...], clients=50) -> [(kind, ms, status, body bytes), ...]
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

MAX_HEAD = 64 * 1024


class BadAnswer(Exception):
    pass


async def _read_answer(reader: asyncio.StreamReader) -> tuple[int, int, bool]:
    """(status, body length, keep-alive) of one answer, its body read and discarded."""
    head = await reader.readuntil(b"\r\n\r\n")
    if len(head) > MAX_HEAD:
        raise BadAnswer("head too long")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1."):
        raise BadAnswer(f"bad status line {lines[0][:80]!r}")
    status = int(parts[1])
    length: int | None = None
    chunked = False
    close = False
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value.strip())
        elif name == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
        elif name == "connection" and value.strip().lower() == "close":
            close = True
    if chunked:
        size = 0
        while True:
            line = await reader.readuntil(b"\r\n")
            n = int(line.split(b";", 1)[0], 16)
            if n:
                size += len(await reader.readexactly(n))
            await reader.readexactly(2)
            if n == 0:
                break
        return status, size, not close
    if length is None:
        if status in (204, 304) or 100 <= status < 200:
            return status, 0, not close
        raise BadAnswer("no Content-Length")
    body = await reader.readexactly(length)  # fails unless exactly `length` bytes arrive
    return status, len(body), not close


async def _client(host: str, port: int, jobs: asyncio.Queue[tuple[str, str, str]],
                  out: list[tuple[str, float, int, int]], timeout: float) -> None:
    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None
    while True:
        try:
            kind, method, path = jobs.get_nowait()
        except asyncio.QueueEmpty:
            break
        request = (f"{method} {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
                   "Accept-Encoding: identity\r\n\r\n").encode("latin-1")
        started = time.perf_counter()
        status, size = -1, 0
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(host, port)
            assert reader is not None
            writer.write(request)
            if method == "HEAD":
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout)
                status, keep = int(head.split(b" ", 2)[1]), True
            else:
                status, size, keep = await asyncio.wait_for(_read_answer(reader), timeout)
            if not keep:
                writer.close()
                writer = None
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError,
                TimeoutError, BadAnswer, ValueError):
            status = -1
            if writer is not None:
                writer.close()
                writer = None
        out.append((kind, (time.perf_counter() - started) * 1000, status, size))
    if writer is not None:
        writer.close()


async def _run(host: str, port: int, plan: Sequence[tuple[str, str]], clients: int,
               timeout: float, method: str) -> list[tuple[str, float, int, int]]:
    jobs: asyncio.Queue[tuple[str, str, str]] = asyncio.Queue()
    for kind, path in plan:
        jobs.put_nowait((kind, method, path))
    out: list[tuple[str, float, int, int]] = []
    await asyncio.gather(*(_client(host, port, jobs, out, timeout) for _ in range(clients)))
    return out


def run(host: str, port: int, plan: Sequence[tuple[str, str]], *, clients: int = 50,
        timeout: float = 120.0, method: str = "GET") -> list[tuple[str, float, int, int]]:
    """Each (kind, path) of ``plan`` once, ``clients`` at a time; (kind, ms, status, bytes)."""
    return asyncio.run(_run(host, port, plan, clients, timeout, method))


__all__ = ["run"]
