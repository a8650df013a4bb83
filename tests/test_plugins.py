"""One plugin registry: built-ins and outside packages register the same way."""

from __future__ import annotations

import datetime as dt
import sys
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from fake_summarizer import FakeSummarizer
from paperdigest import checks, plugins
from paperdigest.checks import CheckInput, Problem, check_names, checks_version
from paperdigest.cli import cli
from paperdigest.models import Paper
from paperdigest.sources import Listing, open_source
from paperdigest.summarize import BackendConfig, backend_names, make_summarizer


class FakeEntryPoint:
    def __init__(self, name: str, plugin: object) -> None:
        self.name = name
        self.value = f"{name}_module"
        self.plugin = plugin

    def load(self) -> object:
        return self.plugin


class MemorySource:
    name = "mem"

    def __init__(self, argument: str) -> None:
        self.argument = argument

    def fetch(self, day: dt.date | None) -> Listing:
        paper = Paper(id="2407.00001", title=self.argument)
        return Listing(day or dt.date(2024, 7, 22), (paper,), "mem")


def no_hype(item: CheckInput) -> list[Problem]:
    return [Problem("no_hype", "hype", k) for k, t in item.present() if "혁신적" in t]


@click.command()
def hello() -> None:
    """Say hello."""
    click.echo("hello from a plugin")


def outside_plugin() -> types.SimpleNamespace:
    def register_summarizers(register: Callable[..., None]) -> None:
        register("fake", lambda config: FakeSummarizer(default={}), "a fake")

    def register_sources(register: Callable[..., None]) -> None:
        register("mem", lambda argument, **_: MemorySource(argument))

    def register_checks(register: Callable[..., None]) -> None:
        register("no_hype", no_hype, "no marketing words")

    def register_commands(register: Callable[..., None]) -> None:
        register("hello", f"{__name__}:hello")

    return types.SimpleNamespace(
        register_summarizers=register_summarizers,
        register_sources=register_sources,
        register_checks=register_checks,
        register_commands=register_commands,
    )


@pytest.fixture
def installed(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The outside plugin as if a package declared it under [project.entry-points.paperdigest]."""
    real = plugins.entry_points

    def entry_points(group: str) -> Any:
        if group == plugins.ENTRY_POINT_GROUP:
            return [FakeEntryPoint("extra", outside_plugin())]
        return real(group=group)

    monkeypatch.setattr(plugins, "entry_points", entry_points)
    plugins.reset()
    yield
    plugins.reset()


def test_built_ins_are_plugins_like_any_other() -> None:
    found = plugins.registry()
    assert found.plugins[: len(plugins.DEFAULT_PLUGINS)] == list(plugins.DEFAULT_PLUGINS)
    assert {"openai", "local", "extractive"} <= set(found.summarizers)
    assert found.summarizers["local"].plugin == "paperdigest.summarize.plugin"
    assert set(found.sources) >= {"hf", "file"}
    assert set(found.publishers) >= {"slack", "discord"}
    assert found.checks["numbers"].plugin == "paperdigest.checks.builtin"
    assert "digest" in found.commands


def test_an_outside_plugin_extends_every_point(installed: None) -> None:
    assert "fake" in backend_names()
    assert isinstance(make_summarizer(BackendConfig(name="fake")), FakeSummarizer)
    source = open_source("mem:a title")
    assert source.fetch(None).papers[0].title == "a title"
    assert "no_hype" in check_names()
    hello_run = CliRunner().invoke(cli, ["hello"])
    assert hello_run.exit_code == 0 and "hello from a plugin" in hello_run.output


def test_plugin_checks_take_part_in_the_checks_version(installed: None,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    with_plugin = checks_version()
    monkeypatch.setenv("PAPERDIGEST_LOAD_PLUGINS", "")  # no outside plugins
    plugins.reset()
    assert "no_hype" not in check_names()
    assert checks_version() != with_plugin


def test_a_change_in_a_plugin_checks_code_changes_the_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = tmp_path / "pd_plugin_check.py"
    module.write_text("def check(item):\n    return []\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    plugin = types.SimpleNamespace(
        register_checks=lambda register: register("ext", "pd_plugin_check:check", "external")
    )
    real = plugins.entry_points

    def entry_points(group: str) -> Any:
        return [FakeEntryPoint("ext", plugin)] if group == "paperdigest" else real(group=group)

    monkeypatch.setattr(plugins, "entry_points", entry_points)
    plugins.reset()
    try:
        before = checks_version()
        module.write_text("def check(item):\n    return []  # stricter now\n", encoding="utf-8")
        checks._fingerprint.cache_clear()
        assert checks_version() != before
    finally:
        sys.modules.pop("pd_plugin_check", None)
        plugins.reset()
        checks._fingerprint.cache_clear()
