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


# -- the cache in front of the whole app ---------------------------------------------------------


def _served(db: Any) -> tuple[Any, httpx.AsyncClient]:
    from paperdigest.web.app import create_app

    app = create_app(db)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
    return app, client


def test_a_kept_answer_is_sent_without_the_app_and_honours_validators(tmp_path: Any) -> None:
    """After the first render, GET, HEAD and If-None-Match are answered by the cache alone (the
    app behind it is not called), with the security headers and validators of the render; a
    database change reaches the app again and changes the ETag."""
    import datetime as dt

    from paperdigest.models import Paper
    from paperdigest.store import Store
    from sitedata import make_db

    db = make_db(tmp_path / "db.sqlite", english=False)
    app, client = _served(db)
    paths = ("/ko/days/2024-07-22.html", "/api/days/2024-07-22", "/api/papers/2407.14057",
             "/ko/atom/papers.xml", "/")

    async def scenario() -> None:
        firsts = {p: await client.get(p) for p in paths}
        assert all(r.status_code == 200 for r in firsts.values())
        cache = app.middleware_stack
        assert isinstance(cache, ResponseCache)
        behind = cache.app

        async def must_not_run(scope: Any, receive: Any, send: Any) -> None:
            raise AssertionError(f"the app was asked for {scope['path']}")

        cache.app = must_not_run
        for path, first in firsts.items():
            again = await client.get(path)
            assert again.status_code == 200 and again.content == first.content, path
            for name in ("etag", "last-modified", "content-type", "x-content-type-options"):
                assert again.headers[name] == first.headers[name], (path, name)
            if first.headers["content-type"].startswith("text/html"):
                assert "script-src 'self'" in again.headers["content-security-policy"]
            not_modified = await client.get(path, headers={"If-None-Match": first.headers["etag"]})
            assert not_modified.status_code == 304 and not_modified.content == b"", path
            head = await client.head(path)
            assert head.status_code == 200 and head.content == b"", path
            assert head.headers["etag"] == first.headers["etag"], path
            assert head.headers["content-length"] == str(len(first.content)), path
        # a new paper on the day: the day's answers (and the loaded day behind them) are new
        with Store(db) as store:
            papers = store.day_papers(dt.date(2024, 7, 22))
            store.save_listing(dt.date(2024, 7, 22),
                               [*papers, Paper(id="2407.20001", title="A paper added later")],
                               "t")
        asked: list[str] = []

        async def counting(scope: Any, receive: Any, send: Any) -> None:
            asked.append(scope["path"])
            await behind(scope, receive, send)

        cache.app = counting
        for path in ("/api/days/2024-07-22", "/ko/days/2024-07-22.html", "/ko/atom/papers.xml"):
            old_tag = firsts[path].headers["etag"]
            changed = await client.get(path, headers={"If-None-Match": old_tag})
            assert changed.status_code == 200, path
            assert changed.headers["etag"] != old_tag, path
            if "atom" not in path:  # the Korean feed lists only papers with a Korean summary
                assert "A paper added later" in changed.text, path
        assert asked == ["/api/days/2024-07-22", "/ko/days/2024-07-22.html", "/ko/atom/papers.xml"]
        # healthz is never kept: it is asked every time
        assert (await client.get("/healthz")).status_code == 200
        assert (await client.get("/healthz")).status_code == 200
        assert asked[-2:] == ["/healthz", "/healthz"]
        await client.aclose()

    asyncio.run(scenario())


def test_day_pages_link_the_nearest_days_with_papers(tmp_path: Any) -> None:
    import datetime as dt

    from paperdigest.store import Store
    from sitedata import make_db

    db = make_db(tmp_path / "db.sqlite", english=False)  # 07-20 (no papers), 07-22, 07-25
    with Store(db, readonly=True) as store:
        assert store.day_neighbours(dt.date(2024, 7, 22)) == ("2024-07-25", None)
        assert store.day_neighbours(dt.date(2024, 7, 25)) == (None, "2024-07-22")
        assert store.day_neighbours(dt.date(2024, 7, 21)) == ("2024-07-22", None)
        assert [d.day.isoformat() for d in store.days(limit=1)] == ["2024-07-25"]
    _, client = _served(db)

    async def pages() -> tuple[str, str]:
        async with client:
            monday = await client.get("/ko/days/2024-07-22.html")
            thursday = await client.get("/ko/days/2024-07-25.html")
            return monday.text, thursday.text

    monday, thursday = asyncio.run(pages())
    assert 'href="../days/2024-07-25.html"' in monday and "2024-07-20" not in monday
    assert 'href="../days/2024-07-22.html"' in thursday


def test_several_server_processes_agree_on_validators_and_stop_on_sigterm(tmp_path: Any) -> None:
    """``serve --workers 2``: answers from either process carry the same ETag (a 304 from one
    for the other's tag), the database change is seen by both, and SIGTERM stops them all."""
    import datetime as dt
    import signal
    import subprocess
    import sys
    import time

    import psutil

    from paperdigest.models import Paper
    from paperdigest.store import Store
    from sitedata import free_port, make_db, wait_until_serving

    db = make_db(tmp_path / "db.sqlite", english=False)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "paperdigest", "serve", "--db", str(db),
                             "--port", str(port), "--workers", "2"], stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(proc, base)
        workers = psutil.Process(proc.pid).children()
        assert len(workers) == 2
        # new connections land on either process: many of them see one ETag, and 304
        tags = set()
        for _ in range(12):
            with httpx.Client(base_url=base, timeout=10) as client:
                answer = client.get("/api/days")
                assert answer.status_code == 200
                tags.add(answer.headers["etag"])
                again = client.get("/api/days", headers={"If-None-Match": answer.headers["etag"]})
                assert again.status_code == 304
        assert len(tags) == 1
        with Store(db) as store:
            store.save_listing(dt.date(2024, 7, 26), [Paper(id="2407.20001", title="New")], "t")
        for _ in range(12):
            with httpx.Client(base_url=base, timeout=10) as client:
                changed = client.get("/api/days", headers={"If-None-Match": tags.copy().pop()})
                assert changed.status_code == 200 and "2024-07-26" in changed.text
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
        assert time.monotonic() - started < 2.5
        assert proc.returncode == 0
        assert not any(psutil.pid_exists(w.pid) and w.status() != psutil.STATUS_ZOMBIE
                       for w in workers)
    finally:
        if proc.poll() is None:
            for worker in psutil.Process(proc.pid).children():
                worker.kill()
            proc.kill()


def test_the_answers_read_most_are_rendered_before_anyone_asks(tmp_path: Any) -> None:
    """At start the server renders the home page, the feeds, the archive and the newest day by
    itself: the first reader's answer comes from the cache, the app behind it not asked."""
    from sitedata import make_db

    db = make_db(tmp_path / "db.sqlite", english=False)
    app, client = _served(db)
    wanted = ("/", "/ko/atom/papers.xml", "/ko/atom/digest.xml", "/ko/archive.html",
              "/ko/days/2024-07-25.html", "/api/days/2024-07-25", "/api/days")

    async def scenario() -> None:
        async with app.router.lifespan_context(app):
            kept: set[str] = set()
            for _ in range(600):  # until the renders are in (at most a minute)
                cache = app.middleware_stack
                if isinstance(cache, ResponseCache):
                    kept = {path for path, _ in cache._entries}
                    if kept.issuperset(wanted):
                        break
                await asyncio.sleep(0.1)
            assert kept.issuperset(wanted), kept
            assert isinstance(cache, ResponseCache)

            async def must_not_run(scope: Any, receive: Any, send: Any) -> None:
                raise AssertionError(f"the app was asked for {scope['path']}")

            cache.app = must_not_run
            for path in wanted:
                answer = await client.get(path)
                assert answer.status_code == 200 and answer.content, path
        await client.aclose()

    asyncio.run(scenario())


def test_a_server_process_that_dies_stops_the_others(tmp_path: Any) -> None:
    """With --workers, a worker killed from outside is not left half-served: the others stop
    and the server exits 1 with one line (a supervisor then restarts it whole)."""
    import signal
    import subprocess
    import sys

    import psutil

    from sitedata import free_port, make_db, wait_until_serving

    db = make_db(tmp_path / "db.sqlite", english=False)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "paperdigest", "serve", "--db", str(db),
                             "--port", str(port), "--workers", "2"], stderr=subprocess.PIPE,
                            text=True)
    try:
        wait_until_serving(proc, f"http://127.0.0.1:{port}")
        first, second = psutil.Process(proc.pid).children()
        first.send_signal(signal.SIGKILL)
        _, err = proc.communicate(timeout=30)
        assert proc.returncode == 1
        assert "a server process died" in err and "Traceback" not in err
        second.wait(timeout=10)
        assert not second.is_running()
    finally:
        if proc.poll() is None:
            for worker in psutil.Process(proc.pid).children():
                worker.kill()
            proc.kill()


def test_stopping_while_rendering_ahead_does_not_crash(tmp_path: Any) -> None:
    """An app stopped right after it starts (its render ahead still running in a request
    thread) closes its connections only once that render is done: closing one under a running
    query crashed the process (SIGSEGV). Run in a child process, so a crash fails the test."""
    import subprocess
    import sys
    from pathlib import Path

    from sitedata import make_db

    db = make_db(tmp_path / "db.sqlite", english=False)
    tests = Path(__file__).resolve().parent
    script = (
        "import sys; from fastapi.testclient import TestClient\n"
        "from paperdigest.web.app import create_app\n"
        "for _ in range(60):\n"
        "    with TestClient(create_app(sys.argv[1])) as client:\n"
        "        assert client.get('/api/days').status_code == 200\n"
        "print('stopped cleanly')\n"
    )
    done = subprocess.run([sys.executable, "-c", script, str(db)], capture_output=True,
                          text=True, timeout=300, cwd=tests)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "stopped cleanly" in done.stdout
