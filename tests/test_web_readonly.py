"""``Store(path, readonly=True)`` on a WAL database, as the web server opens it."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

import pytest

from paperdigest.errors import StoreError
from paperdigest.models import Paper
from paperdigest.store import Store
from sitedata import make_db

ROOT = Path(__file__).resolve().parents[1]


def test_reader_sees_a_live_writer(tmp_path: Path) -> None:
    path = make_db(tmp_path / "db.sqlite", english=False, hostile=False)
    writer = Store(path)
    assert writer.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    reader = Store(path, readonly=True)
    try:
        assert len(reader.days()) == 1
        writer.save_listing(dt.date(2024, 7, 23), [Paper(id="2407.1", title="T")], "t")
        assert len(reader.days()) == 2  # committed in the WAL, not yet checkpointed
        with pytest.raises(Exception, match="readonly"):
            reader.db.execute("DELETE FROM days")
    finally:
        reader.close()
        writer.close()


def test_odd_characters_in_the_path(tmp_path: Path) -> None:
    folder = tmp_path / "a b?c#d%20e"
    folder.mkdir()
    path = make_db(folder / "db?.sqlite", english=False, hostile=False)
    with Store(path, readonly=True) as ro:
        assert len(ro.day_papers(dt.date(2024, 7, 22))) == 16


def test_missing_database(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="not found"):
        Store(tmp_path / "nope.db", readonly=True)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to run a reader as another user")
def test_reader_that_cannot_create_the_shm_file() -> None:
    """A WAL database in a folder the reader may not write: -shm cannot be made, no -wal left."""
    if shutil.which("runuser") is None:
        pytest.skip("runuser is not installed")
    folder = Path(tempfile.mkdtemp(prefix="pd-ro-"))
    try:
        folder.chmod(0o755)
        db = make_db(folder / "db.sqlite", english=False, hostile=False)
        assert not db.with_name("db.sqlite-wal").exists()  # a clean close removes it
        site_packages = sysconfig.get_paths()["purelib"]
        script = (
            "import sys, datetime as dt\n"
            f"sys.path[:0] = [{str(ROOT / 'src')!r}, {site_packages!r}]\n"
            "from paperdigest.store import Store\n"
            f"s = Store({str(db)!r}, readonly=True)\n"
            "print(len(s.day_papers(dt.date(2024, 7, 22))))\n"
        )
        # the reader runs as "nobody" with a Python it can reach: the venv's base interpreter
        # may live under /root, so use the system one when it is the same minor version
        python = "/usr/bin/python3"
        if not Path(python).exists():
            pytest.skip("no /usr/bin/python3 for the other user")
        version = subprocess.run(
            [python, "-c", "import sys; print(sys.version_info[:2])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        if version != str(sys.version_info[:2]):
            pytest.skip(f"/usr/bin/python3 is {version}, not {sys.version_info[:2]}")
        if not os.access(site_packages, os.R_OK) or not _reachable_by_others(Path(site_packages)):
            pytest.skip("the venv is not readable by other users")
        result = subprocess.run(
            ["runuser", "-u", "nobody", "--", python, "-c", script],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == "16"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _reachable_by_others(path: Path) -> bool:
    return all(part.stat().st_mode & 0o001 for part in [path, *path.parents])
