"""Self-feedback checks: every summary is checked against the exact text its model was given.

A check is a pure function with a name: it takes a :class:`CheckInput` (the sections, the source
text, the summary's language, the abstract) and returns :class:`Problem` records, each with a
message readable by a person and by the model asked to repair the summary. Built-in checks:

========== =====================================================================================
numbers    every number in the summary is in the source (2.34x = 2.34배, 1,000 = 1000 ...)
names      model, dataset and method names and acronyms in the summary are in the source
language   the summary is written in its language (Korean: ≥ 60% Hangul letters outside (...))
structure  three sections, non-empty, within length bounds, not copies of each other
leakage    no prompt text, placeholders, JSON fragments or "as an AI" phrases, and no sentence
           addressed to the writer (an order, or the instructions paraphrased without a name,
           term or number of the paper)
key_figures Performance Highlights gives one of the abstract's result figures, when it has any
script     no letters of a script other than the summary's own and Latin (a Cyrillic "видео")
fragments  every sentence is finished (Korean: a predicate ending) and says something
direction  no claim whose direction (better/worse, faster/slower, a negation) contradicts the
           sentence of the text it is about (found by their shared terms and numbers)
vacuous    no sentence that fits any paper: without a term, name or number of the text, and
           (Korean) made only of words every summary uses
topic      the summary names the paper's own method, model or dataset (else: another paper?)
========== =====================================================================================

The built-in checks are a plugin (:mod:`.builtin`, hook ``register_checks``); outside packages
register more the same way (:mod:`paperdigest.plugins`), and code in the same process can use the
:func:`register_check` decorator. Every check, wherever it comes from, takes part in
:func:`checks_version`.
"""

from __future__ import annotations

import hashlib
import importlib.util
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..models import SECTION_KEYS, Sections
from ..plugins import Registry, registry

__all__ = [
    "CHECKS",
    "Check",
    "CheckInput",
    "Problem",
    "check_names",
    "register_check",
    "run_checks",
]


@dataclass(frozen=True)
class Problem:
    """One failed check: which check, what is wrong (``message``, what people read: the CLI's
    ``flagged:`` lines, reports) and what the model should do about it (``advice``, only in the
    feedback of a repair round: :attr:`feedback`)."""

    check: str
    message: str
    section: str | None = None  # a section key when the problem is in one section
    advice: str = ""

    @property
    def feedback(self) -> str:
        """The finding and the instruction, as a repair prompt gives them to the model."""
        return f"{self.message} {self.advice}".strip()

    def to_dict(self) -> dict[str, str]:
        data = {"check": self.check, "message": self.message}
        if self.advice:
            data["advice"] = self.advice
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, str]) -> Problem:
        return cls(
            str(data["check"]),
            str(data["message"]),
            data.get("section"),
            str(data.get("advice", "")),
        )


@dataclass(frozen=True)
class CheckInput:
    """What every check sees. ``sections`` maps each section key to its text ('' if missing)."""

    sections: Mapping[str, str]
    source_text: str
    lang: str
    abstract: str

    def present(self) -> list[tuple[str, str]]:
        """(key, text) of the sections that have text, in digest order."""
        return [(k, self.sections[k]) for k in SECTION_KEYS if self.sections.get(k, "").strip()]


CheckFn = Callable[[CheckInput], Iterable[Problem]]


@dataclass(frozen=True)
class Check:
    name: str
    description: str
    fn: CheckFn
    module: str = ""  # where ``fn`` is defined: its code is part of the checks version
    plugin: str = ""  # the plugin that registered it ("" for register_check in this process)


CHECKS: dict[str, Check] = {}
_loaded_from: Registry | None = None
_load_lock = threading.Lock()


def _load_registered() -> None:
    """Fill :data:`CHECKS` from the plugin registry (built-ins first), keeping the checks added
    in this process; again whenever the registry was reloaded."""
    global _loaded_from
    current = registry()
    with _load_lock:
        if _loaded_from is current:
            return
        found = {
            e.name: Check(e.name, e.description, e.load(), e.module, e.plugin)
            for e in current.checks.values()
        }
        added = {k: c for k, c in CHECKS.items() if not c.plugin and k not in found}
        CHECKS.clear()
        CHECKS.update(found)
        CHECKS.update(added)
        _loaded_from = current


def register_check(name: str, description: str) -> Callable[[CheckFn], CheckFn]:
    """Decorator: add a check under ``name`` in this process (replacing one of that name)."""

    def decorate(fn: CheckFn) -> CheckFn:
        _load_registered()
        CHECKS[name] = Check(name, description, fn, fn.__module__)
        return fn

    return decorate


def check_names() -> list[str]:
    _load_registered()
    return list(CHECKS)


_PACKAGE = Path(__file__).resolve().parent.parent


@lru_cache(maxsize=16)
def _fingerprint(modules: tuple[str, ...]) -> str:
    """Hash of what the checks judge by: the code of every module a check lives in, the text
    layer they measure with, and the prompts (the leakage check compares summaries with the
    prompts' own words)."""
    files = [
        *sorted((_PACKAGE / "checks").glob("*.py")),
        *sorted((_PACKAGE / "text").glob("*.py")),
        *sorted((_PACKAGE / "prompts").glob("*.py")),
        *sorted((_PACKAGE / "prompts").glob("*.toml")),
    ]
    for module in modules:
        try:
            spec = importlib.util.find_spec(module)
        except (ImportError, ValueError):
            spec = None
        if spec is not None and spec.origin and Path(spec.origin).is_file():
            files.append(Path(spec.origin))
    digest = hashlib.sha256()
    for path in dict.fromkeys(files):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def checks_version() -> str:
    """Changes whenever the checks could judge a stored summary differently (an upgrade of
    paperdigest, a check registered or removed, a plugin check's code changed): stored results
    of another version are stale, and a rerun checks the summary again (no LLM call)."""
    names = ",".join(check_names())
    modules = tuple(sorted({c.module for c in CHECKS.values() if c.module}))
    return hashlib.sha256(f"{_fingerprint(modules)}|{names}".encode()).hexdigest()[:16]


def _as_mapping(sections: Sections | Mapping[str, str]) -> dict[str, str]:
    if isinstance(sections, Sections):
        return dict(sections.items())
    return {k: " ".join(str(sections[k] or "").split()) for k in SECTION_KEYS if k in sections}


def run_checks(
    sections: Sections | Mapping[str, str],
    source_text: str,
    *,
    lang: str,
    abstract: str | None = None,
    only: Iterable[str] | None = None,
) -> list[Problem]:
    """Run every registered check (or those named in ``only``); the problems found, in order.

    ``source_text`` is the exact text the summary was written from; ``abstract`` (default: the
    source text) is where the key figures are looked for. A mapping may lack sections (a parsed
    digest); the structure check reports them.
    """
    _load_registered()
    item = CheckInput(
        sections=_as_mapping(sections),
        source_text=source_text,
        lang=lang,
        abstract=source_text if abstract is None else abstract,
    )
    wanted = set(only) if only is not None else None
    problems: list[Problem] = []
    for check in list(CHECKS.values()):
        if wanted is not None and check.name not in wanted:
            continue
        problems.extend(check.fn(item))
    return problems
