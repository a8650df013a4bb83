"""Publishing a day's digest: Slack Block Kit and Discord embeds over webhooks, built in.

A publisher turns a loaded day into messages and sends them to a target (for the built-ins, a
webhook URL). Publishers come from the plugin registry (hook ``register_publishers``, see
:mod:`paperdigest.plugins`); :mod:`.plugin` registers the built-ins. This module stays light:
the chat formats and the HTTP client load when a publisher is used.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from ..errors import ConfigError
from ..plugins import registry

if TYPE_CHECKING:
    from ..render.json_day import Day
    from .webhook import SendReport


class Publisher(Protocol):
    name: str
    label: str  # what the target is, for messages: "Slack webhook"

    def messages(
        self, day: Day, *, lang: str, top: int, site_url: str | None
    ) -> list[dict[str, Any]]: ...

    def send(self, target: str, payloads: Sequence[dict[str, Any]]) -> SendReport: ...


@dataclass(frozen=True)
class WebhookPublisher:
    """Slack or Discord: chat messages POSTed to an incoming webhook."""

    name: str
    label: str

    def messages(
        self, day: Day, *, lang: str, top: int, site_url: str | None
    ) -> list[dict[str, Any]]:
        from .chat import messages_for

        return messages_for(self.name, day, lang=lang, top=top, site_url=site_url)

    def send(self, target: str, payloads: Sequence[dict[str, Any]]) -> SendReport:
        from .webhook import send_messages

        return send_messages(self.name, target, payloads)


SLACK = WebhookPublisher("slack", "Slack webhook")
DISCORD = WebhookPublisher("discord", "Discord webhook")


def publisher_names() -> list[str]:
    return list(registry().publishers)


def get_publisher(name: str) -> Publisher:
    entry = registry().publishers.get(name)
    if entry is None:
        names = ", ".join(publisher_names())
        raise ConfigError(f"unknown publisher {name!r}: choose one of {names}")
    publisher: Publisher = entry.load()
    return publisher


__all__ = ["DISCORD", "SLACK", "Publisher", "WebhookPublisher", "get_publisher", "publisher_names"]
