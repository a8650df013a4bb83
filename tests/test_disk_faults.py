"""Issue 7 bad input: a full disk and a read-only database, on a real tiny tmpfs.

Mounting needs root (as on the CI machine); elsewhere these tests skip with the reason.
"""

from __future__ import annotations

import contextlib
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from conftest import SHARED_DAY
from fakes import FakeOpenAI
from paperdigest.cli import cli


@contextlib.contextmanager
def tiny_fs(path: Path, size: str = "512k") -> Iterator[Path]:
    path.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {proc.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def fill(fs: Path, leave: int) -> Path:
    """Fill the file system until only about ``leave`` bytes are free."""
    filler = fs / "filler"
    import os

    stat = os.statvfs(fs)
    free = stat.f_bavail * stat.f_frsize
    with open(filler, "wb") as fh:
        fh.write(b"\0" * max(0, free - leave))
    return filler


def digest(tmp_path: Path, server: FakeOpenAI, db: Path, out: Path) -> Result:
    return CliRunner().invoke(cli, [
        "digest", "--source", f"file:{SHARED_DAY}", "--backend", "openai", "--base-url",
        server.base_url, "--model", "fake-model", "--repairs", "0", "--db", str(db),
        "--out", str(out)])


def test_full_disk_for_the_digest_keeps_the_summaries(tmp_path: Path, shared_day: list) -> None:
    with tiny_fs(tmp_path / "tiny") as fs, FakeOpenAI() as server:
        filler = fill(fs, leave=2048)
        result = digest(tmp_path, server, tmp_path / "p.db", fs / "out")
        assert result.exit_code == 2
        assert "No space left on device" in result.stderr
        assert "Traceback" not in result.stderr
        assert not [p for p in fs.rglob("*") if p.name.endswith(".tmp")]
        assert not (fs / "out" / "2024" / "07" / "22.md").exists()
        assert len(server.chat_requests) == 16
        filler.unlink()  # space again: the rerun pays nothing and writes the digest
        again = digest(tmp_path, server, tmp_path / "p.db", fs / "out")
        assert again.exit_code == 0, again.stderr
        assert len(server.chat_requests) == 16
        assert (fs / "out" / "2024" / "07" / "22.md").read_text().count("\n### [") == 16


def test_full_disk_for_the_database_loses_nothing_stored(tmp_path: Path,
                                                         shared_day: list) -> None:
    with tiny_fs(tmp_path / "tiny", size="1m") as fs, FakeOpenAI() as server:
        db = fs / "p.db"
        first = CliRunner().invoke(cli, [
            "digest", "--source", f"file:{SHARED_DAY}", "--backend", "extractive", "--lang", "en",
            "--db", str(db), "--out", str(tmp_path / "out"), "--limit", "2"])
        assert first.exit_code == 0, first.stderr
        filler = fill(fs, leave=0)
        result = digest(tmp_path, server, db, tmp_path / "out2")
        assert result.exit_code == 2
        assert "the disk is full: free some space and run again" in result.stderr
        assert "Traceback" not in result.stderr
        filler.unlink()
        conn = sqlite3.connect(db)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT count(*) FROM summaries").fetchone()[0] >= 2
        conn.close()


def test_read_only_database(tmp_path: Path, shared_day: list) -> None:
    with tiny_fs(tmp_path / "ro", size="8m") as fs, FakeOpenAI() as server:
        db = fs / "p.db"
        ok = CliRunner().invoke(cli, [
            "digest", "--source", f"file:{SHARED_DAY}", "--backend", "extractive", "--lang", "en",
            "--db", str(db), "--out", str(tmp_path / "out"), "--limit", "2"])
        assert ok.exit_code == 0, ok.stderr
        subprocess.run(["mount", "-o", "remount,ro", str(fs)], check=True)
        result = digest(tmp_path, server, db, tmp_path / "out2")
        assert result.exit_code == 2
        assert f"database {db} is read-only" in result.stderr
        assert len(server.chat_requests) == 0  # refused before paying for anything
        status = CliRunner().invoke(cli, ["status", "--db", str(db), "--date", "2024-07-22"])
        assert "listed  16" in status.stdout  # reading still works
