"""Where things live. ``PAPERDIGEST_HOME`` moves everything (database, cache) under one folder."""

from __future__ import annotations

from pathlib import Path

import platformdirs

from .settings import value

APP = "paperdigest"


def home() -> Path | None:
    configured = value("home")
    return Path(configured).expanduser() if configured else None


def data_dir() -> Path:
    base = home()
    return base if base else Path(platformdirs.user_data_dir(APP))


def cache_dir() -> Path:
    base = home()
    return base / "cache" if base else Path(platformdirs.user_cache_dir(APP))


def default_db_path() -> Path:
    configured = value("db")
    return Path(configured).expanduser() if configured else data_dir() / "paperdigest.db"
