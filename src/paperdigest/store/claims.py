"""Claims: a row per summary being made, so concurrent runs on one database split the work.

A claim is taken in the same ``BEGIN IMMEDIATE`` transaction that checks for a finished summary,
so two runs can never both decide to summarize one key; on PostgreSQL that transaction first
takes an advisory lock on the key, so runs on any number of hosts share the protocol. A claim
whose process is gone (same host, dead pid) or whose heartbeat is older than the TTL is stale
and may be taken over: a run killed with SIGKILL blocks nobody for long (another host waits
for the TTL).
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from . import Store, SummaryKey, database_errors, utcnow

CLAIM_TTL = 300.0  # seconds without a heartbeat before a claim from another host is stale
HOST = socket.gethostname()

_WHERE = (
    "paper_id = ? AND lang = ? AND backend = ? AND model = ? AND prompt_version = ? "
    "AND input_hash = ?"
)


_LOOK = (
    f"SELECT EXISTS (SELECT 1 FROM summaries WHERE {_WHERE}) AS done, "
    f"(SELECT owner FROM claims WHERE {_WHERE}) AS owner, "
    f"(SELECT heartbeat FROM claims WHERE {_WHERE}) AS heartbeat"
)


def owner_id() -> str:
    return f"{HOST}:{os.getpid()}"


def on_this_host(owner: str) -> bool:
    return owner.rpartition(":")[0] == HOST


def _key(key: SummaryKey) -> tuple[str, ...]:
    return (key.paper_id, key.lang, key.backend, key.model, key.prompt_version, key.input_hash)


def _alive(owner: str) -> bool:
    host, _, pid = owner.rpartition(":")
    if host != HOST or not pid.isdigit():
        return True  # another machine: only the heartbeat can tell
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass(frozen=True)
class ClaimResult:
    state: Literal["claimed", "done", "busy"]
    holder: str = ""  # the other run's owner when busy


@database_errors
def claim(
    store: Store,
    key: SummaryKey,
    run_id: int,
    *,
    check_done: bool = True,
    ttl: float = CLAIM_TTL,
    now: float | None = None,
    look_first: bool = False,
) -> ClaimResult:
    """Take the claim for ``key`` unless a summary exists (``done``) or a live run holds it.

    With ``look_first`` (a run that has met other runs' claims), one read outside any
    transaction answers ``done`` or ``busy`` at once; only a key that looks free costs the
    locked transaction (which looks again)."""
    current = time.time() if now is None else now
    me = owner_id()
    if look_first:
        seen = _verdict(store.db.execute(_LOOK, _key(key) * 3).fetchone(), me, current, ttl,
                        check_done)
        if seen is not None:
            return seen
    with store.transaction() as db:
        # PostgreSQL: one claimer per key at a time (SQLite's BEGIN IMMEDIATE already is)
        store.engine.serialize(db, "claim:" + "\x1f".join(_key(key)))
        # the summary and the claim read in one statement, so from one snapshot: a run saves
        # a summary before (or as) it releases its claim, so no claim and no summary means
        # nobody has made it, and a summary committed meanwhile cannot be missed
        seen = _verdict(db.execute(_LOOK, _key(key) * 3).fetchone(), me, current, ttl,
                        check_done)
        if seen is not None:
            return seen
        db.execute(
            "INSERT INTO claims (paper_id, lang, backend, model, prompt_version, input_hash, "
            "run_id, owner, claimed_at, heartbeat) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(paper_id, lang, backend, model, prompt_version, input_hash) DO UPDATE "
            "SET run_id = excluded.run_id, owner = excluded.owner, "
            "claimed_at = excluded.claimed_at, heartbeat = excluded.heartbeat",
            (*_key(key), run_id, me, utcnow(), current),
        )
    return ClaimResult("claimed")


def _verdict(row: Any, me: str, now: float, ttl: float, check_done: bool) -> ClaimResult | None:
    """``done`` or ``busy`` from a :data:`_LOOK` row; None when the key may be taken."""
    if check_done and row["done"]:
        return ClaimResult("done")
    if row["owner"] is not None and row["owner"] != me:
        fresh = now - float(row["heartbeat"]) < ttl
        if fresh and _alive(row["owner"]):
            return ClaimResult("busy", row["owner"])
    return None


@database_errors
def release(store: Store, keys: Iterable[SummaryKey]) -> None:
    me = owner_id()
    with store.transaction() as db:
        for key in keys:
            db.execute(f"DELETE FROM claims WHERE {_WHERE} AND owner = ?", (*_key(key), me))


@database_errors
def heartbeat(store: Store, keys: Iterable[SummaryKey], *, now: float | None = None) -> None:
    current = time.time() if now is None else now
    me = owner_id()
    with store.transaction() as db:
        for key in keys:
            db.execute(f"UPDATE claims SET heartbeat = ? WHERE {_WHERE} AND owner = ?",
                       (current, *_key(key), me))
