"""The reader's profile: a TOML file of weighted keywords, followed authors, seed papers,
categories and exclusions. Unknown keys, wrong types and unreadable seed files are one-line
:class:`~paperdigest.errors.ConfigError`\\ s (exit 2).

    authors = ["Jane Doe"]
    seeds = ["2406.05555"]            # arXiv ids, no version needed
    seed_files = ["library.bib"]      # BibTeX or Zotero CSV export
    categories = ["cs.SD"]
    exclude = ["survey"]
    [keywords]                        # term or phrase = weight
    audio = 2.0
    "speech recognition" = 1.5

Seed files are untrusted and bounded: at most :data:`MAX_SEED_FILE_BYTES` per file and
:data:`MAX_SEEDS` entries in all; each field is cleaned and cut to the usual limits. Relative
``seed_files`` paths are read from the profile's folder.
"""

from __future__ import annotations

import csv
import io
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..untrusted import LIMITS, clean_text, is_arxiv_id

MAX_PROFILE_BYTES = 256 * 1024
MAX_SEED_FILE_BYTES = 8 * 1024 * 1024
MAX_SEEDS = 2000
MAX_KEYWORDS = 500
MAX_WEIGHT = 100.0

KEYS = ("authors", "seeds", "seed_files", "categories", "exclude", "keywords")
_CATEGORY = re.compile(r"^[a-z\-]+(\.[A-Za-z\-]+)?$")
_VERSION = re.compile(r"v\d+$")


@dataclass(frozen=True)
class SeedPaper:
    """A paper the reader keeps: an arXiv id, its text when known, or both."""

    id: str | None
    title: str = ""
    abstract: str = ""
    origin: str = ""  # "profile", a seed file's name, or "like" (feedback)

    @property
    def text(self) -> str:
        return f"{self.title}\n{self.abstract}".strip()


@dataclass(frozen=True)
class Profile:
    keywords: dict[str, float] = field(default_factory=dict)
    authors: tuple[str, ...] = ()
    seeds: tuple[str, ...] = ()  # arXiv ids without version
    seed_papers: tuple[SeedPaper, ...] = ()  # read from seed_files
    categories: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    name: str = "profile"

    @property
    def empty(self) -> bool:
        return not (self.keywords or self.authors or self.seeds or self.seed_papers
                    or self.categories)


def strip_version(paper_id: str) -> str:
    return _VERSION.sub("", paper_id)


def arxiv_id(text: str) -> str | None:
    """``text`` as an arXiv id without version (``arXiv:`` and URL prefixes allowed), or None."""
    text = text.strip()
    for prefix in ("https://arxiv.org/abs/", "http://arxiv.org/abs/", "arxiv:", "arXiv:"):
        if text.startswith(prefix):
            text = text[len(prefix):]
    return strip_version(text) if is_arxiv_id(text) else None


def _read_capped(path: Path, limit: int, what: str, size: str) -> bytes:
    """The bytes of ``path``, read no further than ``limit`` (ConfigError past it, or when the
    file cannot be read; ``size`` is ``limit`` as the message shows it)."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(limit + 1)
    except OSError as exc:
        raise ConfigError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    if len(raw) > limit:
        raise ConfigError(f"{what} {path} is larger than {size}")
    return raw


def load_profile(path: str | Path) -> Profile:
    """Read and check a profile file (and its seed files)."""
    path = Path(path)
    where = str(path)
    raw = _read_capped(path, MAX_PROFILE_BYTES, "profile", f"{MAX_PROFILE_BYTES // 1024} KB")
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"profile {where} is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"profile {where} is not valid TOML: {exc}") from None
    return parse_profile(data, where=where, base=path.parent, name=path.stem)


def parse_profile(
    data: dict[str, Any], *, where: str = "profile", base: Path | None = None,
    name: str = "profile",
) -> Profile:
    unknown = sorted(set(data) - set(KEYS))
    if unknown:
        raise ConfigError(
            f"{where}: unknown key(s) {', '.join(map(repr, unknown))} (a profile has "
            f"{', '.join(KEYS)})"
        )
    keywords = _keywords(data.get("keywords", {}), where)
    authors = _strings(data, "authors", where, LIMITS["author"])
    seeds: list[str] = []
    for text in _strings(data, "seeds", where, 64):
        found = arxiv_id(text)
        if found is None:
            raise ConfigError(f"{where}: seeds: {text!r} is not an arXiv id")
        seeds.append(found)
    categories = _strings(data, "categories", where, 40)
    for cat in categories:
        if not _CATEGORY.match(cat):
            raise ConfigError(f"{where}: categories: {cat!r} is not an arXiv category (cs.CL)")
    exclude = _strings(data, "exclude", where, 200)
    papers: list[SeedPaper] = []
    for file_name in _strings(data, "seed_files", where, 1000):
        file_path = Path(file_name).expanduser()
        if not file_path.is_absolute() and base is not None:
            file_path = base / file_path
        papers.extend(read_seed_file(file_path, room=MAX_SEEDS - len(papers)))
    return Profile(
        keywords=keywords,
        authors=tuple(authors),
        seeds=tuple(dict.fromkeys(seeds)),
        seed_papers=tuple(papers),
        categories=tuple(categories),
        exclude=tuple(exclude),
        name=name,
    )


def _strings(data: dict[str, Any], key: str, where: str, limit: int) -> list[str]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: {key} must be a list of strings")
    if len(value) > MAX_KEYWORDS:
        raise ConfigError(f"{where}: {key} has more than {MAX_KEYWORDS} entries")
    out = []
    for item in value:
        text = clean_text(item, limit=limit)
        if not text:
            raise ConfigError(f"{where}: {key} has an empty entry")
        out.append(text)
    return out


def _keywords(value: Any, where: str) -> dict[str, float]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: keywords must be a table of term = weight")
    if len(value) > MAX_KEYWORDS:
        raise ConfigError(f"{where}: keywords has more than {MAX_KEYWORDS} entries")
    out: dict[str, float] = {}
    for term, weight in value.items():
        if isinstance(weight, bool) or not isinstance(weight, int | float):
            raise ConfigError(f"{where}: keywords.{term!r} must be a number, not {weight!r}")
        if not -MAX_WEIGHT <= float(weight) <= MAX_WEIGHT:
            raise ConfigError(f"{where}: keywords.{term!r} = {weight} is outside ±{MAX_WEIGHT:g}")
        text = clean_text(term, limit=200)
        if not text:
            raise ConfigError(f"{where}: keywords has an empty term")
        out[text] = float(weight)
    return out


# -- seed files ----------------------------------------------------------------------------------


def read_seed_file(path: Path, *, room: int = MAX_SEEDS) -> list[SeedPaper]:
    """The papers of a BibTeX (``.bib``) or Zotero CSV (``.csv``) export, at most ``room``."""
    size = f"{MAX_SEED_FILE_BYTES // (1024 * 1024)} MB"
    raw = _read_capped(path, MAX_SEED_FILE_BYTES, "seed file", size)
    text = raw.decode("utf-8-sig", errors="replace")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        papers = parse_zotero_csv(text, origin=path.name)
    elif suffix in (".bib", ".bibtex"):
        papers = parse_bibtex(text, origin=path.name)
    else:
        raise ConfigError(f"seed file {path}: expected a .bib (BibTeX) or .csv (Zotero) export")
    return papers[: max(0, room)]


_ARXIV_IN_TEXT = re.compile(
    r"(?:arxiv(?:\.org/(?:abs|pdf)/|:\s*|\s+))(\d{4}\.\d{4,5}(?:v\d+)?|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})",
    re.IGNORECASE,
)
_DOI_ARXIV = re.compile(r"10\.48550/arxiv\.(\d{4}\.\d{4,5})", re.IGNORECASE)


def find_arxiv_id(*fields: str) -> str | None:
    """An arXiv id named in any of the fields (``arXiv:2406.05555``, an arxiv.org URL, the
    arXiv DOI), without version."""
    for text in fields:
        if not text:
            continue
        match = _DOI_ARXIV.search(text) or _ARXIV_IN_TEXT.search(text)
        found = arxiv_id(match.group(1)) if match else None
        if found is not None:
            return found
    return None


def _seed(title: str, abstract: str, found: str | None, origin: str) -> SeedPaper | None:
    title = clean_text(title, limit=LIMITS["title"])
    abstract = clean_text(abstract, limit=LIMITS["abstract"])
    if not title and not abstract and found is None:
        return None
    return SeedPaper(id=found, title=title, abstract=abstract, origin=origin)


def parse_zotero_csv(text: str, *, origin: str = "zotero.csv") -> list[SeedPaper]:
    """Zotero's CSV export: ``Title``, ``Abstract Note``, ``Url``, ``Extra``, ``DOI`` columns."""
    csv.field_size_limit(LIMITS["abstract"] * 2)
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or "Title" not in reader.fieldnames:
        raise ConfigError(f"seed file {origin}: not a Zotero CSV export (no 'Title' column)")
    papers: list[SeedPaper] = []
    try:
        for row in reader:
            if len(papers) >= MAX_SEEDS:
                break
            cells = {str(k): str(v or "") for k, v in row.items() if k is not None}
            found = find_arxiv_id(
                cells.get("Url", ""), cells.get("Extra", ""), cells.get("DOI", ""),
                cells.get("Archive Location", ""),
            )
            seed = _seed(cells.get("Title", ""), cells.get("Abstract Note", ""), found, origin)
            if seed is not None:
                papers.append(seed)
    except csv.Error as exc:
        raise ConfigError(f"seed file {origin}: malformed CSV: {exc}") from None
    return papers


_ENTRY = re.compile(r"@\s*([A-Za-z]+)\s*[{(]")
_FIELD = re.compile(r"\s*([A-Za-z][\w\-]*)\s*=\s*")


def parse_bibtex(text: str, *, origin: str = "library.bib") -> list[SeedPaper]:
    """BibTeX entries (``title``, ``abstract``, ``eprint``, ``url``, ``doi``, ``journal``).
    A malformed entry is skipped; ``@comment``, ``@string`` and ``@preamble`` are ignored."""
    papers: list[SeedPaper] = []
    pos = 0
    while len(papers) < MAX_SEEDS:
        match = _ENTRY.search(text, pos)
        if match is None:
            break
        kind = match.group(1).lower()
        body, pos = _balanced(text, match.end() - 1)
        if kind in ("comment", "string", "preamble") or body is None:
            continue
        fields = _bib_fields(body)
        found = find_arxiv_id(
            f"arXiv:{fields['eprint']}" if "eprint" in fields else "",
            fields.get("url", ""), fields.get("doi", ""), fields.get("journal", ""),
            fields.get("note", ""),
        )
        seed = _seed(fields.get("title", ""), fields.get("abstract", ""), found, origin)
        if seed is not None:
            papers.append(seed)
    return papers


def _balanced(text: str, start: int) -> tuple[str | None, int]:
    """The text inside the brace (or parenthesis) at ``start`` and the position after it."""
    opening = text[start]
    closing = "}" if opening == "{" else ")"
    depth = 0
    for i in range(start, min(len(text), start + 200_000)):
        ch = text[i]
        if ch == opening or (opening == "(" and ch == "{"):
            depth += 1
        elif ch == closing or (opening == "(" and ch == "}"):
            depth -= 1
            if depth == 0:
                return text[start + 1 : i], i + 1
    return None, start + 1


def _bib_fields(body: str) -> dict[str, str]:
    """``key = {value}`` / ``"value"`` / ``number`` pairs after the citation key."""
    fields: dict[str, str] = {}
    comma = body.find(",")
    i = comma + 1 if comma >= 0 else 0
    while i < len(body):
        match = _FIELD.match(body, i)
        if match is None:
            nxt = body.find(",", i)
            if nxt < 0:
                break
            i = nxt + 1
            continue
        name = match.group(1).lower()
        i = match.end()
        if i >= len(body):
            break
        if body[i] == "{":
            value, i = _balanced(body, i)
        elif body[i] == '"':
            end = body.find('"', i + 1)
            value, i = (body[i + 1 : end], end + 1) if end > 0 else (None, len(body))
        else:
            end = body.find(",", i)
            end = len(body) if end < 0 else end
            value, i = body[i:end].strip(), end
        if value is not None:
            fields[name] = _detex(value)
        comma = body.find(",", i)
        i = len(body) if comma < 0 else comma + 1
    return fields


def _detex(value: str) -> str:
    """Braces and simple TeX commands out of a BibTeX value."""
    value = re.sub(r"\\[a-zA-Z]+\s*", "", value)
    return " ".join(value.replace("{", "").replace("}", "").split())


__all__ = [
    "Profile",
    "SeedPaper",
    "arxiv_id",
    "find_arxiv_id",
    "load_profile",
    "parse_bibtex",
    "parse_profile",
    "parse_zotero_csv",
    "read_seed_file",
    "strip_version",
]
