"""The built-in publishers, registered as a plugin (see :mod:`paperdigest.plugins`)."""

from __future__ import annotations

from collections.abc import Callable


def register_publishers(register: Callable[..., None]) -> None:
    register("slack", "paperdigest.publish:SLACK", "Slack Block Kit over an incoming webhook")
    register("discord", "paperdigest.publish:DISCORD", "Discord embeds over an incoming webhook")
