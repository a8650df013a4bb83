"""Post chat messages to a Slack or Discord incoming webhook.

Webhook URLs are secrets: they are never printed, logged or stored. Every message and error names
the platform ("Slack webhook"), not the URL. Sending goes through :func:`paperdigest.http.request`
(the project's one retry policy: 429 and 5xx retried, ``Retry-After`` honoured), one message at a
time, spaced by each platform's webhook rate (Slack: about one message per second).
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from ..errors import ConfigError, PublishError
from ..http import HttpPolicy, RateLimiter, make_client, request

PLATFORMS = ("slack", "discord")
SPACING = {"slack": 1.0, "discord": 0.5}  # seconds between messages
LABEL = {"slack": "Slack webhook", "discord": "Discord webhook"}



def check_webhook(url: str, platform: str) -> str:
    """The URL if it can be a webhook: https, or http to a loopback address (tests, proxies)."""
    url = url.strip()
    label = LABEL[platform]
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        raise ConfigError(f"the {label} URL is not a valid URL") from None
    if parts.scheme == "https" and host:
        return url
    if parts.scheme == "http" and host:
        try:
            loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
        if loopback:
            return url
        raise ConfigError(f"the {label} URL must use https:// (http only to a loopback address)")
    raise ConfigError(f"the {label} URL must start with https://")


@dataclass
class SendReport:
    platform: str
    messages: int
    retries: int = 0
    seconds: float = 0.0


def send_messages(
    platform: str,
    webhook: str,
    payloads: Sequence[dict[str, Any]],
    *,
    policy: HttpPolicy | None = None,
    spacing: float | None = None,
    transport: httpx.BaseTransport | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> SendReport:
    """POST each payload in order; stop at the first message the platform refuses."""
    if platform not in PLATFORMS:
        raise ConfigError(f"unknown platform {platform!r}: use slack or discord")
    url = check_webhook(webhook, platform)
    label = LABEL[platform]
    policy = policy or HttpPolicy(timeout=30.0, attempts=5, retry_after_max=120.0)
    limiter = RateLimiter(SPACING[platform] if spacing is None else spacing)
    report = SendReport(platform, 0)
    started = time.monotonic()
    retries = 0

    def counting_sleep(seconds: float) -> None:
        nonlocal retries
        retries += 1
        sleep(seconds)

    with make_client(policy, transport=transport) as client:
        for i, payload in enumerate(payloads, 1):
            what = f"posting message {i} of {len(payloads)} to the {label}"
            response = request(
                client,
                "POST",
                url,
                policy=policy,
                json=payload,
                what=what,
                url_label=label,
                sleep=counting_sleep,
                limiter=limiter,
            )
            if not response.is_success:
                body = " ".join(response.text.split())[:300]
                raise PublishError(
                    f"{what} failed: HTTP {response.status_code}"
                    + (f": {body}" if body else "")
                    + (f" ({report.messages} sent before it)" if report.messages else "")
                )
            report.messages += 1
    report.retries = retries
    report.seconds = time.monotonic() - started
    return report


__all__ = ["PLATFORMS", "PublishError", "SendReport", "check_webhook", "send_messages"]
