"""Plain records that flow through a digest run: sources make Papers, summarizers make Sections."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, field_validator

from .untrusted import LIMITS, clean_text

SECTION_KEYS: tuple[str, str, str] = ("whats_new", "technical_details", "performance_highlights")
SECTION_LABELS: dict[str, str] = {
    "whats_new": "What's New",
    "technical_details": "Technical Details",
    "performance_highlights": "Performance Highlights",
}

VIDEO_EXTENSIONS = (".mp4", ".webm", ".mov", ".m4v", ".ogv")


@dataclass(frozen=True)
class Paper:
    """One paper as a source lists it. Only ``id`` and ``title`` are guaranteed."""

    id: str
    title: str
    authors: tuple[str, ...] = ()
    abstract: str = ""
    upvotes: int = 0
    media_url: str | None = None
    published_at: str | None = None  # arXiv submission date or timestamp, as given
    list_date: dt.date | None = None
    github_url: str | None = None
    project_url: str | None = None
    extra: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    # arXiv listing fields (empty for a source that does not know them): the categories with
    # the primary one first, the latest version seen, the author's comments, the last update
    categories: tuple[str, ...] = ()
    version: int | None = None
    comments: str | None = None
    updated_at: str | None = None

    @property
    def arxiv_url(self) -> str:
        return f"https://arxiv.org/abs/{self.id}"

    @property
    def primary_category(self) -> str | None:
        return self.categories[0] if self.categories else None

    @property
    def media_is_video(self) -> bool:
        if not self.media_url:
            return False
        path = self.media_url.split("?", 1)[0].lower()
        return path.endswith(VIDEO_EXTENSIONS)


_WS = re.compile(r"\s+")


def one_line(text: str) -> str:
    """Collapse all whitespace (including newlines) to single spaces."""
    return _WS.sub(" ", text).strip()


class Sections(BaseModel):
    """The three parts of a summary, validated: each a non-empty single paragraph."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    whats_new: str
    technical_details: str
    performance_highlights: str

    @field_validator("whats_new", "technical_details", "performance_highlights")
    @classmethod
    def _clean(cls, value: str) -> str:
        # a model's text is untrusted: no control or bidi-override characters, bounded size
        value = clean_text(value, limit=LIMITS["section"])
        if not value:
            raise ValueError("section is empty")
        return value

    def items(self) -> list[tuple[str, str]]:
        return [(key, getattr(self, key)) for key in SECTION_KEYS]


@dataclass(frozen=True)
class Summary:
    """A stored summary of one paper in one language."""

    paper_id: str
    lang: str
    backend: str
    model: str
    prompt_version: str
    input_hash: str
    sections: Sections
    created_at: str
    id: int | None = None
    status: str = "ok"
