"""Settings are declared once (paperdigest.settings): the README's table is generated from them,
and every PAPERDIGEST_* variable the code reads is one of them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from paperdigest.errors import ConfigError
from paperdigest.settings import SETTINGS, Settings, markdown_table, value

ROOT = Path(__file__).resolve().parents[1]
# read by code that is not about settings (a debugging switch of the PDF extractor)
NOT_SETTINGS = {"PAPERDIGEST_PYMUPDF_LAYOUT", "PAPERDIGEST_WHEELS"}


def test_the_readme_table_is_the_settings_table() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("<!-- settings-table:start -->\n") + len("<!-- settings-table:start -->\n")
    end = readme.index("<!-- settings-table:end -->")
    assert readme[start:end] == markdown_table(), "run: python -m paperdigest.settings"


def test_every_environment_variable_the_code_reads_is_declared() -> None:
    declared = {s.env for s in SETTINGS if s.env}
    found: set[str] = set()
    for path in (ROOT / "src" / "paperdigest").rglob("*.py"):
        found.update(re.findall(r'"(PAPERDIGEST_[A-Z_]+)"', path.read_text(encoding="utf-8")))
    assert found - declared - NOT_SETTINGS == set()


def test_given_values_beat_the_environment_which_beats_the_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert Settings.load()["lang"] == "ko"
    monkeypatch.setenv("PAPERDIGEST_LANG", "en")
    assert Settings.load()["lang"] == "en"
    assert Settings.load(lang="ja")["lang"] == "ja"
    monkeypatch.setenv("PAPERDIGEST_TIMEOUT", "soon")
    with pytest.raises(ConfigError, match="PAPERDIGEST_TIMEOUT='soon': is not a number"):
        value("timeout")
    with pytest.raises(ConfigError, match="unknown setting"):
        Settings.load(colour="blue")
