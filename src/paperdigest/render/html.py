"""The digest as HTML pages: a static site (``paperdigest site``) and the web server's pages.

Layout, the same on disk and on the server, so every link is relative::

    index.html                      the default language's latest day
    assets/style.css, site.js, search.js
    <lang>/index.html               latest day
    <lang>/archive.html             every day, by month
    <lang>/days/YYYY-MM-DD.html     one day's cards (and .json beside it)
    <lang>/papers/ID.html           one paper: summaries in each language, abstract, votes by day
    <lang>/weeks/2024-W30.html      a week's top papers by votes (months/2024-07.html: a month's)
    <lang>/search.html              offline search over <lang>/search-index.js
    <lang>/atom/papers.xml, digest.xml

Every text from a paper or a model goes through Jinja2 autoescaping; URLs taken from the data are
kept only when they are plain http(s). Writes are atomic and skipped when a file is unchanged, so
a rebuild touches only what changed.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..fsutil import write_atomic
from ..store import Store
from .json_day import (
    DEFAULT_LANG,
    Day,
    languages,
    load_day,
    load_paper,
    load_top,
    paper_slug,
    periods,
    render_day_json,
)
from .pages import STATIC_FILES, Pages, neighbours, static_file

_LANG_CODE = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})?")
SEARCH_TEXT_CHARS = 300  # of the summary (What's New first), per paper, shown in results
# Searched, not shown: the rest of the summary and the abstract. Budget: at most this many
# characters per paper (about 2 KB of index each); 365 days x 30 papers with Korean summaries
# measure 22.2 MB (4.8 MB gzipped; bench/RESULTS.md), loaded only by the search page.
SEARCH_FIND_CHARS = 3_000
SEARCH_ORIGINAL_CHARS = 2_000  # of those, kept for the English abstract on other languages' pages


# -- the offline search index --------------------------------------------------------------------


def search_records(loaded: Iterable[Day]) -> list[list[Any]]:
    """One row per paper (its newest day): [id, title, authors, day, votes, text, find]:
    ``text`` is shown in results, ``find`` (the rest of the summary and the abstract) is only
    searched, so the static search finds what the server's FTS5 search finds."""
    seen: set[str] = set()
    rows: list[list[Any]] = []
    for day in loaded:  # newest day first
        for e in day.entries:
            if e.paper.id in seen:
                continue
            seen.add(e.paper.id)
            if e.summary is not None:
                text = " ".join(t for _, t in e.summary.sections.items())
            else:
                text = e.paper.abstract
            text = " ".join(text.split())
            find = ""
            if len(text) > SEARCH_TEXT_CHARS:
                find = text[SEARCH_TEXT_CHARS:]
                text = text[:SEARCH_TEXT_CHARS].rstrip() + "…"
            if e.summary is not None:
                # both languages: the rest of the summary, then the English original (its
                # abstract keeps at least SEARCH_ORIGINAL_CHARS of the budget)
                abstract = " ".join(e.paper.abstract.split())
                room = SEARCH_FIND_CHARS - min(len(abstract), SEARCH_ORIGINAL_CHARS)
                find = find[:room].strip() + " " + abstract
            find = find.strip()[:SEARCH_FIND_CHARS]
            rows.append(
                [
                    e.paper.id,
                    e.paper.title,
                    ", ".join(e.paper.authors),
                    day.iso,
                    e.paper.upvotes,
                    text,
                    find,
                ]
            )
    return rows


def render_search_index(lang: str, rows: list[list[Any]]) -> str:
    """A script (not JSON: ``fetch`` fails on ``file://``) that sets ``window.PD_SEARCH_INDEX``."""
    fields = ["id", "title", "authors", "day", "votes", "text", "find"]
    payload: dict[str, Any] = {"v": 2, "lang": lang, "fields": fields}
    payload["papers"] = rows
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    # "<" as \u003c: no "</script>" even if the file is ever inlined; U+2028/9 for old parsers.
    body = body.replace("<", "\\u003c")
    body = body.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return f"window.PD_SEARCH_INDEX={body};\n"


# -- paper pages: rendered again only when they changed ---------------------------------------

MANIFEST = ".paperdigest-pages.json"


def render_version() -> str:
    """A hash of the renderer's code, templates and assets: pages made by another are stale."""
    import hashlib
    from importlib import resources

    digest = hashlib.sha256()
    root = resources.files("paperdigest").joinpath("render")
    for sub in ("", "templates", "static"):
        folder = root.joinpath(sub) if sub else root
        for item in sorted(folder.iterdir(), key=lambda x: x.name):
            if item.is_file() and item.name.endswith((".py", ".html", ".css", ".js")):
                digest.update(item.name.encode() + b"\0" + item.read_bytes())
    return digest.hexdigest()[:16]


def paper_stamps(store: Store) -> dict[str, str]:
    """For each paper, a hash of everything its page shows: its row, the days it was listed
    (votes, and each day's fetch time, which moves its rank), its summaries and their checks,
    and its inputs' provenance. One query for all papers."""
    import hashlib

    joined = store.engine.group_concat("x", ",")  # SQLite's group_concat, PostgreSQL's string_agg
    rows = store.db.execute(
        f"""
        SELECT p.id,
          coalesce(p.updated_at, '') || '|' || coalesce(p.categories, '') || '|' ||
          coalesce(CAST(p.version AS TEXT), '') || '|' || coalesce(p.comments, ''),
          (SELECT {joined} FROM (
              SELECT d.day || ':' || d.upvotes || ':' || d.position || ':' || y.fetched_at AS x
              FROM day_papers d JOIN days y ON y.day = d.day WHERE d.paper_id = p.id
              ORDER BY d.day) AS listed),
          (SELECT {joined} FROM (
              SELECT s.id || ':' || s.status || ':' || s.created_at || ':' ||
                     coalesce(c.checked_at, '') AS x
              FROM summaries s LEFT JOIN summary_checks c ON c.summary_id = s.id
              WHERE s.paper_id = p.id ORDER BY s.id) AS made),
          (SELECT max(updated_at) FROM fulltext_inputs f WHERE f.paper_id = p.id)
        FROM papers p
        """
    ).fetchall()
    return {
        str(r[0]): hashlib.sha256("|".join(str(v) for v in r).encode()).hexdigest()[:20]
        for r in rows
    }


class _Manifest:
    """``<out>/.paperdigest-pages.json``: the stamp each paper page was made from."""

    def __init__(self, out_dir: Path, version: str) -> None:
        self.path = out_dir / MANIFEST
        self.out_dir = out_dir
        self.version = version
        self.old: dict[str, str] = {}
        self.new: dict[str, str] = {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if isinstance(data, dict) and data.get("version") == version:
                pages = data.get("pages")
                if isinstance(pages, dict):
                    self.old = {str(k): str(v) for k, v in pages.items()}
        except (OSError, ValueError):
            pass

    def unchanged(self, rel: str, stamp: str) -> bool:
        if self.old.get(rel) == stamp and (self.out_dir / rel).is_file():
            self.new[rel] = stamp
            return True
        return False

    def record(self, rel: str, stamp: str) -> None:
        self.new[rel] = stamp

    def save(self) -> None:
        if self.new == self.old and self.path.exists():
            return
        data = {"version": self.version, "pages": dict(sorted(self.new.items()))}
        write_atomic(self.path, json.dumps(data, separators=(",", ":")) + "\n", durable=False)


# -- the static site ----------------------------------------------------------------------------


@dataclass
class SiteReport:
    out_dir: Path
    langs: list[str]
    days: int
    papers: int
    written: int = 0
    unchanged: int = 0
    files: list[Path] = field(default_factory=list)


class _Writer:
    def __init__(self, out_dir: Path, report: SiteReport) -> None:
        self.out_dir = out_dir
        self.report = report

    def keep(self, rel: str) -> None:
        """A page known to be current: not rendered, not written."""
        self.report.unchanged += 1
        self.report.files.append(self.out_dir / rel)

    def __call__(self, rel: str, data: str | bytes) -> None:
        path = self.out_dir / rel
        payload = data.encode("utf-8") if isinstance(data, str) else data
        try:
            if path.stat().st_size == len(payload) and path.read_bytes() == payload:
                self.report.unchanged += 1
                self.report.files.append(path)
                return
        except OSError:
            pass
        # the site can be built again: atomic for readers, without an fsync per page (a
        # year's cold build writes ~12,000 files; fsync-bound it took minutes, not seconds)
        write_atomic(path, payload, durable=False)
        self.report.written += 1
        self.report.files.append(path)


def build_site(
    store: Store,
    out_dir: str | Path,
    *,
    langs: Sequence[str] | None = None,
    base_url: str | None = None,
    default_lang: str = DEFAULT_LANG,
) -> SiteReport:
    """Write the whole site for every language into ``out_dir``."""
    from .atom import render_feeds

    out = Path(out_dir)
    all_langs = list(langs) if langs else languages(store, default_lang)
    for lang in all_langs:  # a language is a folder name: "../../x" must not leave --out
        if not _LANG_CODE.fullmatch(lang):
            raise ConfigError(f"{lang[:20]!r} is not a language code (e.g. ko, en, pt-BR)")
    days = store.days()
    report = SiteReport(out, all_langs, len(days), 0)
    write = _Writer(out, report)
    pages = Pages(langs=all_langs, base_url=base_url)

    for name in STATIC_FILES:
        write(f"assets/{name}", static_file(name))

    # Paper pages (one per paper and language: ~11,000 for a year) are rendered again only when
    # what they show changed in the database or the renderer changed (the manifest's stamps).
    try:
        stamps = paper_stamps(store)
    except sqlite3.OperationalError:  # a read-only database from before m009: render them all
        stamps = {}
    manifest = _Manifest(out, f"{render_version()}|{base_url}|{','.join(all_langs)}")

    paper_ids: set[str] = set()
    for lang in all_langs:
        loaded: list[Day] = []
        for info in days:
            day = load_day(store, info.day, lang)
            loaded.append(day)
            paper_ids.update(e.paper.id for e in day.entries)
            newer, older = neighbours(days, info.day)
            write(
                f"{lang}/days/{day.iso}.html",
                pages.day(day, lang=lang, depth=2, newer=newer, older=older),
            )
            write(f"{lang}/days/{day.iso}.json", render_day_json(day))
        for paper_id in sorted({e.paper.id for day in loaded for e in day.entries}):
            rel = f"{lang}/papers/{paper_slug(paper_id)}.html"
            stamp = stamps.get(paper_id)
            if stamp is not None and manifest.unchanged(rel, stamp):
                write.keep(rel)
                continue
            view = load_paper(store, paper_id, lang, all_langs)
            if view is not None:
                write(rel, pages.paper(view, lang=lang))
                if stamp is not None:
                    manifest.record(rel, stamp)
        day_dates = [info.day for info in days]
        for kind in ("week", "month"):
            found = periods(day_dates, kind)
            for i, period in enumerate(found):
                write(
                    f"{lang}/{period.path}",
                    pages.period(
                        period,
                        load_top(store, period, lang),
                        lang=lang,
                        newer=found[i - 1] if i > 0 else None,
                        older=found[i + 1] if i + 1 < len(found) else None,
                    ),
                )
        latest = loaded[0] if loaded else None
        older = days[1].day.isoformat() if len(days) > 1 else None
        write(
            f"{lang}/index.html",
            pages.day(latest, lang=lang, depth=1, page="index", older=older),
        )
        if lang == all_langs[0]:
            write("index.html", pages.day(latest, lang=lang, depth=0, page="index", older=older))
        write(f"{lang}/archive.html", pages.archive(days, lang=lang))
        write(f"{lang}/search.html", pages.search(lang=lang))
        write(f"{lang}/search-index.js", render_search_index(lang, search_records(loaded)))
        papers_xml, digest_xml = render_feeds(loaded, lang=lang, base_url=base_url, pages=pages)
        write(f"{lang}/atom/papers.xml", papers_xml)
        write(f"{lang}/atom/digest.xml", digest_xml)
    report.papers = len(paper_ids)
    manifest.save()
    return report


__all__ = [
    "SiteReport",
    "build_site",
    "render_search_index",
    "search_records",
]
