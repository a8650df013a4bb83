"""``file:PATH``: a saved response of the Hugging Face daily_papers API."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path

from ..errors import ConfigError, InputError, Oversized
from ..fsutil import read_text
from ..models import Paper
from .base import Listing
from .hf_format import check_error_body, item_list_date, parse_items, vote_order


class FileSource:
    name = "file"

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def _load(self) -> list[object]:
        """The saved JSON array (an API error object or other JSON is an InputError)."""
        if not self.path.exists():
            raise ConfigError(f"saved response not found: {self.path}")
        text = read_text(self.path, what="saved API response")
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"{self.path} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
            ) from None
        except RecursionError:
            raise InputError(
                f"{self.path} is not a list of papers: JSON nested too deeply"
            ) from None
        error = check_error_body(data)
        if error is not None:
            raise InputError(f"{self.path} holds an API error, not a list: {error}")
        if not isinstance(data, list):
            raise InputError(f"{self.path}: expected a JSON array of papers")
        return data

    def _parse(
        self, data: list[object], day: dt.date | None, skipped: list[str] | None = None
    ) -> list[Paper]:
        try:
            return parse_items(data, day, [] if skipped is None else skipped, skip=Oversized)
        except InputError as exc:
            raise InputError(f"{self.path}: {exc.message}") from None

    def preflight(self) -> None:
        """Read and check the whole file now, before anything slow is set up."""
        self.papers()

    def papers(self) -> list[Paper]:
        """Every paper in the file, in file order, whatever day it lists."""
        return self._parse(self._load(), None)

    def fetch(self, day: dt.date | None) -> Listing:
        data = self._load()
        dates = Counter(d for d in (item_list_date(item) for item in data) if d is not None)
        file_day = dates.most_common(1)[0][0] if dates else None
        if day is None:
            if file_day is None:
                raise ConfigError(f"{self.path} does not say which day it lists: pass --date")
            day = file_day
        elif file_day is not None and file_day != day:
            raise ConfigError(
                f"{self.path} lists papers of {file_day.isoformat()}, not {day.isoformat()}: "
                f"pass --date {file_day.isoformat()} or another file"
            )
        skipped: list[str] = []
        papers = self._parse(data, day, skipped)
        return Listing(
            day=day,
            papers=vote_order(papers),
            source=f"file:{self.path.name}",  # the name only: a path is not published
            skipped=tuple(skipped),
        )


def from_spec(argument: str, **_: object) -> FileSource:
    """``file:PATH`` (the plugin registry's factory)."""
    if not argument:
        raise ConfigError("--source file: needs a path, e.g. file:saved/hf-daily-2024-07-22.json")
    return FileSource(argument)
