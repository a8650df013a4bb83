"""Publishing a day's digest to chat: Slack Block Kit and Discord embeds over webhooks."""

from .chat import discord_messages, messages_for, slack_messages
from .webhook import PublishError, SendReport, check_webhook, send_messages

__all__ = [
    "PublishError",
    "SendReport",
    "check_webhook",
    "discord_messages",
    "messages_for",
    "send_messages",
    "slack_messages",
]
