"""The server's response cache renders each answer once, however many readers ask at once."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from paperdigest.web.cache import ResponseCache


def test_concurrent_requests_for_one_answer_render_it_once() -> None:
    calls: list[str] = []
    state = {"version": "v1"}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        calls.append(scope["path"])
        await asyncio.sleep(0.05)  # a slow render: a feed over many days
        body = f"{scope['path']} at {state['version']}".encode()
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": body})

    cache = ResponseCache(app, lambda: (state["version"], 0.0))

    async def burst(path: str, n: int) -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=cache)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            return list(await asyncio.gather(*(client.get(path) for _ in range(n))))

    answers = asyncio.run(burst("/feed.xml", 30))
    assert [r.status_code for r in answers] == [200] * 30
    assert {r.text for r in answers} == {"/feed.xml at v1"}
    assert calls == ["/feed.xml"] and cache.renders == 1
    # another answer is rendered on its own; a database change renders again, once
    asyncio.run(burst("/other", 5))
    state["version"] = "v2"
    again = asyncio.run(burst("/feed.xml", 10))
    assert {r.text for r in again} == {"/feed.xml at v2"}
    assert calls == ["/feed.xml", "/other", "/feed.xml"]


def test_a_failed_render_is_not_shared() -> None:
    calls: list[int] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        calls.append(1)
        await asyncio.sleep(0.02)
        status = 500 if len(calls) == 1 else 200
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b"x"})

    cache = ResponseCache(app, lambda: ("v", 0.0))

    async def burst() -> list[int]:
        transport = httpx.ASGITransport(app=cache)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            answers = await asyncio.gather(*(client.get("/p") for _ in range(4)))
            return [r.status_code for r in answers]

    codes = asyncio.run(burst())
    # the first render failed (not kept); the waiters then render for themselves
    assert codes.count(500) == 1 and codes.count(200) == 3
