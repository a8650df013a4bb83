"""What an extractor returns: a paper's sections with their headings, in reading order."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

EXTRACTOR_VERSION = "1"  # bump when extraction changes: cached texts are then extracted again



@dataclass(frozen=True)
class Section:
    heading: str  # as the paper writes it, numbering included ("4 Experiments")
    text: str  # paragraphs separated by blank lines; subsection headings on their own lines

    def to_json(self) -> dict[str, str]:
        return {"heading": self.heading, "text": self.text}


@dataclass(frozen=True)
class Document:
    source: str  # "html" | "pdf"
    sections: tuple[Section, ...]
    title: str = ""
    version: str | None = None  # "v2" when the file says which version it is
    notes: tuple[str, ...] = field(default=(), compare=False)  # what was dropped, for reports

    @property
    def chars(self) -> int:
        return sum(len(s.text) for s in self.sections)

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source, "sections": [s.to_json() for s in self.sections]}

    def section_text(self) -> str:
        return "\n\n".join(f"## {s.heading}\n{s.text}" for s in self.sections)


def clean_heading(text: str) -> str:
    return " ".join(text.split()).strip()
