"""One registry for everything paperdigest can be extended with.

A plugin is a module (or any object) with some of these hook functions; each is called once with
a ``register(name, target, description="")`` function:

======================== ====================================================================
hook                     registers, by name
======================== ====================================================================
register_summarizers     a Summarizer factory (class or ``"module:attr"``; see summarize)
register_sources         a Source factory ``f(argument, *, policy, transport)`` by scheme
                         (``hf``, ``file`` for ``--source file:PATH``)
register_checks          a check function ``f(CheckInput) -> Iterable[Problem]``
register_publishers      a Publisher (see :mod:`paperdigest.publish`)
register_commands        a click command (``"module:attr"``, imported on first use)
======================== ====================================================================

The built-in plugins (:data:`DEFAULT_PLUGINS`) register exactly like outside packages, which
declare ``[project.entry-points.paperdigest] name = "module"``. ``PAPERDIGEST_LOAD_PLUGINS=a,b``
limits the outside plugins that load to those named (empty: none). Loading happens on first
use, and targets given as ``"module:attr"`` are imported only when used, so ``paperdigest
--help`` imports no backend. The older entry-point groups ``paperdigest.backends`` (``name =
"module:factory"``) and ``paperdigest.commands`` (``name = "module:command"``) still work.

A plugin check takes part in the checks version: changing its module's code makes stored check
results stale, as a change of the built-in checks does.
"""

from __future__ import annotations

import importlib
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any

from .errors import ConfigError
from .settings import setting

HOOKS = (
    "register_summarizers",
    "register_sources",
    "register_checks",
    "register_publishers",
    "register_commands",
)
DEFAULT_PLUGINS = (
    "paperdigest.summarize.plugin",
    "paperdigest.sources.plugin",
    "paperdigest.checks.builtin",
    "paperdigest.publish.plugin",
    "paperdigest.cli.plugin",
)
ENTRY_POINT_GROUP = "paperdigest"

Target = str | Callable[..., Any]


def resolve(target: Any) -> Any:
    """The object a ``"module:attr"`` target names (anything else is returned as it is)."""
    if not isinstance(target, str):
        return target
    module, _, attr = target.partition(":")
    try:
        return getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"cannot load plugin target {target!r}: {exc}") from None


@dataclass(frozen=True)
class Entry:
    """One registered thing: its name, what it is (or where), and which plugin gave it."""

    name: str
    target: Any
    plugin: str
    description: str = ""

    def load(self) -> Any:
        return resolve(self.target)

    @property
    def module(self) -> str:
        """The module that holds the target (for the checks version)."""
        if isinstance(self.target, str):
            return self.target.partition(":")[0]
        return str(getattr(self.target, "__module__", ""))


@dataclass
class Registry:
    summarizers: dict[str, Entry] = field(default_factory=dict)
    sources: dict[str, Entry] = field(default_factory=dict)
    checks: dict[str, Entry] = field(default_factory=dict)
    publishers: dict[str, Entry] = field(default_factory=dict)
    commands: dict[str, Entry] = field(default_factory=dict)
    plugins: list[str] = field(default_factory=list)  # in load order

    def add(self, plugin: object, name: str) -> None:
        """Call every hook ``plugin`` has; later registrations of a name replace earlier ones."""
        for hook in HOOKS:
            fn = getattr(plugin, hook, None)
            if fn is None:
                continue
            table: dict[str, Entry] = getattr(self, hook.removeprefix("register_"))

            def register(
                what: str, target: Any, description: str = "", _table: dict[str, Entry] = table
            ) -> None:
                _table[what] = Entry(what, target, name, description)

            fn(register)
        self.plugins.append(name)


def _allowed() -> set[str] | None:
    configured = os.environ.get(setting("load_plugins").env or "")
    if configured is None:
        return None  # unset: all (set but empty: none)
    return {n.strip() for n in configured.split(",") if n.strip()}


class _Legacy:
    """The older entry-point groups, seen as a plugin."""

    def __init__(self, group: str, hook: str, allowed: set[str] | None) -> None:
        self.found = [
            (ep.name, ep.value)
            for ep in entry_points(group=group)
            if allowed is None or ep.name in allowed
        ]
        setattr(self, hook, self._register)

    def _register(self, register: Callable[..., None]) -> None:
        for name, value in self.found:
            register(name, value)


def load_registry() -> Registry:
    """A fresh registry: the built-in plugins, then the outside ones (they may replace names)."""
    registry = Registry()
    for module in DEFAULT_PLUGINS:
        registry.add(importlib.import_module(module), module)
    allowed = _allowed()
    registry.add(_Legacy("paperdigest.backends", "register_summarizers", allowed), "backends")
    registry.add(_Legacy("paperdigest.commands", "register_commands", allowed), "commands")
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if allowed is not None and ep.name not in allowed:
            continue
        try:
            plugin = ep.load()
        except Exception as exc:  # a broken outside plugin: say which, in one line
            raise ConfigError(f"the plugin {ep.name!r} ({ep.value}) does not load: {exc}") from None
        registry.add(plugin, ep.name)
    return registry


_lock = threading.Lock()
_registry: Registry | None = None


def registry() -> Registry:
    """The process's registry, loaded on first use."""
    global _registry
    with _lock:
        if _registry is None:
            _registry = load_registry()
        return _registry


def reset() -> None:
    """Forget the loaded registry (tests, or after installing a plugin in-process)."""
    global _registry
    with _lock:
        _registry = None


__all__ = ["DEFAULT_PLUGINS", "HOOKS", "Entry", "Registry", "registry", "reset", "resolve"]
