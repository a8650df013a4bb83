"""The digest folder's front page (<out>/README.md): the latest day in full, every day by month
with a link per language; kept current by digest/daily, atomically, only when it changed."""

from __future__ import annotations

import os
from pathlib import Path

from click.testing import CliRunner

from conftest import SHARED_DAY
from paperdigest.cli import cli
from paperdigest.render.readme import MARKER, render_readme, update_readme


def _digest(out: Path, db: Path, *extra: str) -> None:
    args = ["digest", "--source", f"file:{SHARED_DAY}", "--backend", "extractive", "--lang",
            "en", "--db", str(db), "--out", str(out), *extra]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.stderr


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_digest_keeps_the_front_page(tmp_path: Path) -> None:
    out, db = tmp_path / "digests", tmp_path / "p.db"
    _digest(out, db)
    readme = out / "README.md"
    text = readme.read_text(encoding="utf-8")
    day = (out / "2024/07/22.en.md").read_text(encoding="utf-8")
    assert MARKER in text
    assert "read: the abstract (16)" in day  # the footer says what the summaries read
    assert "[en](2024/07/22.en.md)" in text
    assert day.rstrip("\n") in text  # the latest day in full
    assert "### 2024-07 (1" in text and "- 2024-07-22: [en](2024/07/22.en.md)" in text
    before = readme.stat().st_mtime_ns
    os.utime(readme, ns=(before - 10**9, before - 10**9))
    _digest(out, db)  # nothing changed: not rewritten
    assert readme.stat().st_mtime_ns == before - 10**9
    assert not list(out.glob(".*tmp*")) and not list(out.glob("*.tmp"))

    elsewhere = tmp_path / "site" / "FRONT.md"
    _digest(out, db, "--readme", str(elsewhere))
    assert "[en](../digests/2024/07/22.en.md)" in elsewhere.read_text(encoding="utf-8")

    off = tmp_path / "off"
    _digest(off, tmp_path / "q.db", "--readme", "off")
    assert (off / "2024/07/22.en.md").exists() and not (off / "README.md").exists()


def test_months_languages_and_latest(tmp_path: Path) -> None:
    out = tmp_path / "d"
    assert render_readme(out) is None and update_readme(out) is None
    _write(out / "2024/07/22.md", "## Daily Papers (2024-07-22)\n\n한국어\n")
    _write(out / "2024/07/22.en.md", "## Daily Papers (2024-07-22)\n\nEnglish\n")
    _write(out / "2024/08/05.en.md", "## Daily Papers (2024-08-05)\n\nAugust in English\n")
    _write(out / "2024/08/06.md", "## Daily Papers (2024-08-06)\n\n8월 6일\n")
    _write(out / "2024/08/notes.md", "not a day")
    _write(out / "2024/02/31.md", "no such day")
    assert update_readme(out) == out / "README.md"
    text = (out / "README.md").read_text(encoding="utf-8")
    assert "**최신: 2024-08-06** · [ko](2024/08/06.md)" in text
    assert "8월 6일" in text and "August in English" not in text  # only the latest day in full
    months = [line for line in text.splitlines() if line.startswith("### ")]
    assert months == ["### 2024-08 (2일)", "### 2024-07 (1일)"]
    assert "- 2024-07-22: [ko](2024/07/22.md) · [en](2024/07/22.en.md)" in text
    assert text.index("2024-08-06: ") < text.index("2024-08-05: ")
    assert "notes" not in text and "02/31" not in text
    assert update_readme(out) is None  # unchanged: not written again
