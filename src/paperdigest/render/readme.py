"""The front page of a digest folder (``<out>/README.md``): what a repository of digests shows on
its home page. The latest day's digest in full, then every day by month, newest first, with a
link to each language's file. Made from the files in the folder (``YYYY/MM/DD.md`` in the
default language, ``DD.<lang>.md`` in others), so it lists every day ever written there, whichever
run wrote it; written atomically, and only when its text changed.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from ..fsutil import write_atomic
from ..settings import DEFAULT_LANG

_NAME = re.compile(r"^(?P<day>\d{2})(?:\.(?P<lang>[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})?))?\.md$")
MARKER = "<!-- paperdigest front page: rewritten after every run; edits here are lost -->"
MAX_README_DIGEST_BYTES = 2_000_000  # a digest file larger than this is linked, not inlined

_TEXT = {
    "ko": {"title": "Daily Papers 요약", "latest": "최신", "all": "모든 날짜",
           "n_days": "{n}일"},
    "en": {"title": "Daily Papers digest", "latest": "Latest", "all": "Every day",
           "n_days": "{n} days"},
}


def scan(out_dir: Path, default_lang: str = DEFAULT_LANG) -> dict[dt.date, dict[str, Path]]:
    """Every digest file under ``out_dir``: day -> language -> path."""
    found: dict[dt.date, dict[str, Path]] = {}
    for year in sorted(out_dir.glob("[0-9][0-9][0-9][0-9]")):
        for month in sorted(year.glob("[0-9][0-9]")):
            for path in sorted(month.iterdir()):
                match = _NAME.match(path.name)
                if not match or not path.is_file():
                    continue
                try:
                    day = dt.date(int(year.name), int(month.name), int(match["day"]))
                except ValueError:
                    continue
                found.setdefault(day, {})[match["lang"] or default_lang] = path
    return found


def _lang_order(langs: dict[str, Path], default_lang: str) -> list[str]:
    return sorted(langs, key=lambda lang: (lang != default_lang, lang))


def render_readme(out_dir: Path, default_lang: str = DEFAULT_LANG) -> str | None:
    """The front page's text, or None when the folder holds no digest yet."""
    days = scan(out_dir, default_lang)
    if not days:
        return None
    t = _TEXT.get(default_lang, _TEXT["en"])
    newest = max(days)
    langs = days[newest]
    first = _lang_order(langs, default_lang)[0]

    def rel(path: Path) -> str:
        return path.relative_to(out_dir).as_posix()

    def links(day: dt.date) -> str:
        order = _lang_order(days[day], default_lang)
        return " · ".join(f"[{lang}]({rel(days[day][lang])})" for lang in order)

    out = [f"# {t['title']}", "", MARKER, ""]
    out += [f"**{t['latest']}: {newest.isoformat()}** · {links(newest)}", ""]
    latest = langs[first]
    if latest.stat().st_size <= MAX_README_DIGEST_BYTES:
        out += [latest.read_text(encoding="utf-8").rstrip("\n"), ""]
    out += [f"## {t['all']}", ""]
    by_month: dict[str, list[dt.date]] = {}
    for day in sorted(days, reverse=True):
        by_month.setdefault(day.strftime("%Y-%m"), []).append(day)
    for month, month_days in by_month.items():
        out += [f"### {month} ({t['n_days'].format(n=len(month_days))})", ""]
        out += [f"- {day.isoformat()}: {links(day)}" for day in month_days]
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def update_readme(
    out_dir: str | Path, path: str | Path | None = None, default_lang: str = DEFAULT_LANG
) -> Path | None:
    """Rewrite the front page when its text changed; the path when written, else None."""
    out = Path(out_dir)
    target = Path(path) if path is not None else out / "README.md"
    text = render_readme(out, default_lang)
    if text is None:
        return None
    if target.parent.resolve() != out.resolve():
        text = _relink(text, out, target.parent)
    payload = text.encode("utf-8")
    try:
        if target.read_bytes() == payload:
            return None
    except OSError:
        pass
    write_atomic(target, payload)
    return target


def _relink(text: str, out_dir: Path, where: Path) -> str:
    """The day links of a front page written outside ``out_dir``, made relative to it."""
    import os

    prefix = Path(os.path.relpath(out_dir.resolve(), where.resolve())).as_posix()

    def fix(match: re.Match[str]) -> str:
        return f"]({prefix}/{match[1]})"

    return re.sub(r"\]\((\d{4}/\d{2}/[^)\s]+\.md)\)", fix, text)


__all__ = ["MARKER", "render_readme", "scan", "update_readme"]
