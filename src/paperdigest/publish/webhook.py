"""Post chat messages to a Slack or Discord incoming webhook.

Webhook URLs are secrets: they are never printed, logged or stored. Every message and error names
the platform ("Slack webhook"), not the URL; an error answer's body is not printed either (an
endpoint that echoes its path would print the token; only an error code such as Slack's
``invalid_blocks`` is), and redirects are not followed (they would re-send the payload
elsewhere, past the https-only check). Sending goes through :func:`paperdigest.http.request`
(the project's one retry policy: 429 and 5xx retried, ``Retry-After`` honoured), one message at a
time, spaced by each platform's webhook rate (Slack: about one message per second).
"""

from __future__ import annotations

import ipaddress
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from ..errors import ConfigError, PublishError
from ..http import HttpPolicy, RateLimiter, make_client, request
from ..untrusted import safe_url

PLATFORMS = ("slack", "discord")
SPACING = {"slack": 1.0, "discord": 0.5}  # seconds between messages
LABEL = {"slack": "Slack webhook", "discord": "Discord webhook"}



def check_webhook(url: str, platform: str) -> str:
    """The URL if it can be a webhook: https, or http to a loopback address (tests, proxies)."""
    url = url.strip()
    label = LABEL[platform]
    if safe_url(url) is None and not url.startswith(("http://", "https://")):
        raise ConfigError(f"the {label} URL must start with https://")
    try:
        if safe_url(url) is None:
            raise ValueError("whitespace, control characters, credentials or a bad port")
        parts = urlsplit(url)
        host = parts.hostname or ""
        _ = httpx.URL(url).host  # an invalid IDN host fails here, not as a traceback later
    except (ValueError, httpx.InvalidURL):
        raise ConfigError(
            f"the {label} URL is not a valid URL (whitespace, control characters, a bad port "
            "or host)"
        ) from None
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

    with make_client(policy, transport=transport, follow_redirects=False) as client:
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
                # the body is not shown: an endpoint may echo the URL's secret token back
                why = "a redirect, not followed" if response.is_redirect else _error_code(response)
                raise PublishError(
                    f"{what} failed: HTTP {response.status_code}: {why}"
                    + (f" ({report.messages} sent before it)" if report.messages else "")
                )
            report.messages += 1
    report.retries = retries
    report.seconds = time.monotonic() - started
    return report


_ERROR_CODE = re.compile(r"[A-Za-z_]{1,40}")


def _error_code(response: httpx.Response) -> str:
    """A platform's error code (Slack ``invalid_blocks``, Discord ``code 50006``), never the
    body itself: an endpoint may echo the request's path, which holds the secret token."""
    text = response.text.strip()[:2000]
    if _ERROR_CODE.fullmatch(text):
        return text
    try:
        code = response.json().get("code")
    except (ValueError, AttributeError, RecursionError):
        code = None
    if isinstance(code, int) and not isinstance(code, bool):
        return f"code {code}"
    return "refused (the answer's body is not shown: it may echo the secret URL)"


__all__ = ["PLATFORMS", "PublishError", "SendReport", "check_webhook", "send_messages"]
