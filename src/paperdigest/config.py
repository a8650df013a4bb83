"""Where things live. ``PAPERDIGEST_HOME`` moves everything (database, cache) under one folder."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP = "paperdigest"


def home() -> Path | None:
    value = os.environ.get("PAPERDIGEST_HOME")
    return Path(value).expanduser() if value else None


def data_dir() -> Path:
    base = home()
    return base if base else Path(platformdirs.user_data_dir(APP))


def cache_dir() -> Path:
    base = home()
    return base / "cache" if base else Path(platformdirs.user_cache_dir(APP))


def default_db_path() -> Path:
    value = os.environ.get("PAPERDIGEST_DB")
    return Path(value).expanduser() if value else data_dir() / "paperdigest.db"
