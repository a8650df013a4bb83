"""Several `paperdigest digest` processes on one PostgreSQL database split a day's papers:
each paper is summarized once, the digest is written once, and a worker killed with SIGKILL
loses only its papers in flight, which the next worker takes over. Real processes, a real
PostgreSQL (scripts/test starts one) and a loopback OpenAI-compatible server."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from fakes import FakeOpenAI, bench_digest_args, hf_item, title_of
from paperdigest.store import Store


def _day(path: Path, n: int) -> Path:
    path.write_text(json.dumps([hf_item(f"2407.{i:05d}", f"Paper {i}") for i in range(n)]))
    return path


def _digests(out: Path) -> list[Path]:
    """The day digests written under ``out`` (not its README index)."""
    return sorted(p for p in out.rglob("*.md") if p.name != "README.md")


def _worker(tmp: Path, n: int, source: Path, server: FakeOpenAI, db: str, out: Path,
            concurrency: int = 2) -> subprocess.Popen[str]:
    env = dict(os.environ, PAPERDIGEST_HOME=str(tmp / f"home{n}"))
    return subprocess.Popen(
        [sys.executable, "-m", "paperdigest",
         *bench_digest_args(source, server, db, out, concurrency)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def test_workers_split_a_day_and_write_its_digest_once(tmp_path: Path, pg_url: str) -> None:
    source = _day(tmp_path / "day.json", 12)
    out = tmp_path / "out"
    with FakeOpenAI(latency=0.3) as server:
        workers = [_worker(tmp_path, n, source, server, pg_url, out) for n in range(3)]
        results = [w.communicate(timeout=240) for w in workers]
        assert [w.returncode for w in workers] == [0, 0, 0], [r[1][-500:] for r in results]
        asked = Counter(title_of(r) for r in server.chat_requests)
    assert len(asked) == 12 and set(asked.values()) == {1}  # each paper summarized once
    with Store(pg_url, readonly=True) as store:
        assert store.count_summaries() == 12
        runs = store.runs()
        assert len(runs) == 3 and sum(r["summarized"] for r in runs) == 12
        assert all(r["summarized"] + r["reused"] == 12 for r in runs)
        assert store.db.execute("SELECT count(*) FROM digest_writes").fetchone()[0] == 1
        assert store.db.execute("SELECT count(*) FROM claims").fetchone()[0] == 0
    (digest,) = _digests(out)
    text = digest.read_text(encoding="utf-8")
    assert all(f"2407.{i:05d}" in text for i in range(12))


def test_a_killed_workers_papers_are_taken_over(tmp_path: Path, pg_url: str) -> None:
    source = _day(tmp_path / "day.json", 8)
    with FakeOpenAI(latency=2.0) as server:
        doomed = _worker(tmp_path, 0, source, server, pg_url, tmp_path / "out0", concurrency=4)
        deadline = time.monotonic() + 60
        while len(server.chat_requests) < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(server.chat_requests) == 4  # four papers claimed and in flight
        os.kill(doomed.pid, signal.SIGKILL)
        doomed.communicate(timeout=30)
        with Store(pg_url, readonly=True) as store:
            left = store.db.execute("SELECT count(*) FROM claims").fetchone()[0]
            assert left == 4 and store.count_summaries() == 0  # its claims outlive it
        heir = _worker(tmp_path, 1, source, server, pg_url, tmp_path / "out1", concurrency=4)
        _, err = heir.communicate(timeout=240)
        assert heir.returncode == 0, err[-800:]
        asked = Counter(title_of(r) for r in server.chat_requests)
    # the lost papers are asked again, once; the others once in all
    assert len(asked) == 8 and sorted(asked.values()) == [1] * 4 + [2] * 4
    with Store(pg_url, readonly=True) as store:
        assert store.count_summaries() == 8
        assert store.db.execute("SELECT count(*) FROM claims").fetchone()[0] == 0


def test_backfill_workers_hand_days_over_and_every_digest_is_complete(
    tmp_path: Path, pg_url: str
) -> None:
    """Two `backfill` workers over three days: a worker whose day has only the other's papers
    left goes on with the next day and completes the day when they are stored; every day's
    digest is written once, complete."""
    from fakes import FakeHF

    days = {f"2024-07-0{d}": [hf_item(f"2407.{d}{i:04d}", f"Paper {d}-{i}",
                                      day=f"2024-07-0{d}") for i in range(6)]
            for d in (1, 2, 3)}
    out = tmp_path / "out"
    with FakeHF(days) as hf, FakeOpenAI(latency=0.3) as server:
        workers = []
        for n in range(2):
            env = dict(os.environ, PAPERDIGEST_HOME=str(tmp_path / f"home{n}"),
                       PAPERDIGEST_HF_URL=hf.url)
            workers.append(subprocess.Popen(
                [sys.executable, "-m", "paperdigest", "backfill", "--from", "2024-07-01",
                 "--to", "2024-07-03", "--source", "hf", "--backend", "openai", "--base-url",
                 server.base_url, "--model", "fake-model", "--concurrency", "2", "--db", pg_url,
                 "--out", str(out), "--no-progress", "--repairs", "0", "--no-fulltext"],
                env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
        results = [w.communicate(timeout=300) for w in workers]
        assert [w.returncode for w in workers] == [0, 0], [r[1][-800:] for r in results]
        asked = Counter(title_of(r) for r in server.chat_requests)
    assert len(asked) == 18 and set(asked.values()) == {1}
    with Store(pg_url, readonly=True) as store:
        assert store.db.execute("SELECT count(*) FROM digest_writes").fetchone()[0] == 3
        # one run per worker and day, each complete: a day whose last papers the other
        # worker was making stayed open while this one went on, and was completed with them
        statuses = Counter(r["status"] for r in store.runs(limit=50))
        assert statuses == {"ok": 6}
    files = _digests(out)
    assert len(files) == 3
    for d, path in zip((1, 2, 3), files, strict=True):
        text = path.read_text(encoding="utf-8")
        assert all(f"2407.{d}{i:04d}" in text for i in range(6)), path
