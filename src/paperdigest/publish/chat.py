"""A day's digest as chat messages: Slack Block Kit and Discord embeds, split under each limit.

Limits (from each platform's documentation):

- Slack: a ``section`` block's text at most 3,000 characters, a ``header`` block's 150, at most
  50 blocks per message; a message's ``text`` is cut after 40,000 characters.
- Discord (webhook ``execute``): ``content`` at most 2,000 characters, at most 10 embeds per
  message; in an embed the title at most 256, the description 4,096, the footer 2,048, the author
  name 256, at most 25 fields (name 256, value 1,024); and at most 6,000 characters over all the
  embeds of one message.

Papers are never split across messages; a text that alone exceeds a limit is cut with "…".
Counting is in Python characters (code points), what both platforms count.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..models import SECTION_LABELS
from ..render.json_day import Day, Entry

SLACK_SECTION_TEXT = 3000
SLACK_HEADER_TEXT = 150
SLACK_BLOCKS = 50
SLACK_MESSAGE_TEXT = 40_000

DISCORD_CONTENT = 2000
DISCORD_EMBEDS = 10
DISCORD_TITLE = 256
DISCORD_DESCRIPTION = 4096
DISCORD_FOOTER = 2048
DISCORD_AUTHOR = 256
DISCORD_TOTAL = 6000
DISCORD_COLOR = 0xFFD21E
DISCORD_FLAGGED_COLOR = 0xB3261E

DEFAULT_TOP = 10

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "head": "Daily Papers {day}",
        "sub": "Top {n} of {total} papers by Hugging Face votes",
        "empty": "No papers were listed on {day}.",
        "no_summary": "No summary in this language yet.",
        "authors": "Authors",
        "why": "Why",
        "more": "(continued {i}/{n})",
        "site": "Full digest",
    },
    "ko": {
        "head": "Daily Papers {day}",
        "sub": "Hugging Face 추천 수 상위 {n}편 (전체 {total}편)",
        "empty": "{day}에는 올라온 논문이 없습니다.",
        "no_summary": "이 언어로 된 요약이 아직 없습니다.",
        "authors": "저자",
        "why": "추천 이유",
        "more": "(계속 {i}/{n})",
        "site": "전체 요약",
    },
}


def texts(lang: str) -> dict[str, str]:
    return TEXTS.get(lang, TEXTS["en"])


def cut(text: str, limit: int) -> str:
    """``text`` in at most ``limit`` characters, ending with "…" when shortened."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 1)].rstrip() + "…"


def _authors(entry: Entry, limit: int = 8) -> str:
    names = list(entry.paper.authors)
    if len(names) > limit:
        return ", ".join(names[:limit]) + f" +{len(names) - limit}"
    return ", ".join(names)


# -- Slack ------------------------------------------------------------------------------------


def slack_escape(text: str) -> str:
    """Slack's three control characters (mrkdwn and plain text alike)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack_link(url: str, label: str) -> str:
    label = slack_escape(label).replace("|", "¦")
    return f"<{url}|{label}>"


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": cut(text, SLACK_SECTION_TEXT)}}


def day_url(day: Day, site_url: str) -> str:
    """The day's page on the published site (``site_url`` is the site's root)."""
    return f"{site_url.rstrip('/')}/{day.lang}/days/{day.iso}.html"


def paper_url(entry: Entry, lang: str, site_url: str | None) -> str:
    """The paper's own page on the published site when there is one, else arXiv."""
    if site_url:
        return f"{site_url.rstrip('/')}/{lang}/papers/{entry.slug}.html"
    return entry.arxiv_url


def slack_paper_blocks(
    entry: Entry, lang: str, site_url: str | None = None
) -> list[dict[str, Any]]:
    t = texts(lang)
    p = entry.paper
    head = (
        f"*{_slack_link(paper_url(entry, lang, site_url), cut(p.title, 500))}*\n"
        f"▲ {p.upvotes} · {_slack_link(entry.hf_url, 'Hugging Face')} · "
        f"{_slack_link(entry.arxiv_url, 'arXiv ' + p.id)}"
    )
    if p.authors:
        head += f"\n{t['authors']}: {slack_escape(_authors(entry))}"
    if entry.why:
        head += f"\n{t['why']} ({entry.score or 0:.1f}): {slack_escape(cut(entry.why, 300))}"
    blocks = [_section(head)]
    if entry.summary is None:
        blocks.append(_section(f"_{slack_escape(t['no_summary'])}_"))
    else:
        parts = [
            f"*{SECTION_LABELS[key]}*: {slack_escape(text)}"
            for key, text in entry.summary.sections.items()
        ]
        joined = "\n\n".join(parts)
        if len(joined) <= SLACK_SECTION_TEXT:
            blocks.append(_section(joined))
        else:
            blocks.extend(_section(part) for part in parts)
        if entry.record is not None:
            line = slack_escape(entry.record.line(lang))
            if entry.record.flagged:
                blocks.append(_section(f"*{cut(line, SLACK_SECTION_TEXT - 2)}*"))
            else:
                blocks.append(
                    {"type": "context", "elements": [{"type": "mrkdwn", "text": cut(line, 3000)}]}
                )
    blocks.append({"type": "divider"})
    return blocks


def _blocks_text_size(blocks: Sequence[dict[str, Any]]) -> int:
    size = 0
    for block in blocks:
        text = block.get("text")
        if isinstance(text, dict):
            size += len(text.get("text", ""))
        for element in block.get("elements", ()):
            size += len(element.get("text", ""))
    return size


def slack_messages(
    day: Day, *, lang: str, top: int = DEFAULT_TOP, site_url: str | None = None
) -> list[dict[str, Any]]:
    """Webhook payloads (``{"text", "blocks"}``), each within Slack's limits."""
    t = texts(lang)
    entries = day.entries[:top]
    title = t["head"].format(day=day.iso)
    intro: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": cut(title, SLACK_HEADER_TEXT)}}
    ]
    if entries:
        sub = slack_escape(t["sub"].format(n=len(entries), total=len(day.entries)))
    else:
        sub = slack_escape(t["empty"].format(day=day.iso))
    if site_url:
        sub += " · " + _slack_link(day_url(day, site_url), t["site"])
    intro.append({"type": "context", "elements": [{"type": "mrkdwn", "text": cut(sub, 3000)}]})

    groups = [slack_paper_blocks(e, lang, site_url) for e in entries]
    messages: list[list[dict[str, Any]]] = [intro]
    for group in groups:
        current = messages[-1]
        fits_blocks = len(current) + len(group) <= SLACK_BLOCKS
        fits_text = _blocks_text_size(current) + _blocks_text_size(group) <= SLACK_MESSAGE_TEXT
        if fits_blocks and fits_text:
            current.extend(group)
        else:
            messages.append(list(group))
    payloads: list[dict[str, Any]] = []
    for i, blocks in enumerate(messages, 1):
        fallback = title if i == 1 else f"{title} {t['more'].format(i=i, n=len(messages))}"
        if blocks and blocks[-1].get("type") == "divider" and i == len(messages):
            blocks = blocks[:-1]
        payloads.append(
            {"text": fallback, "blocks": blocks, "unfurl_links": False, "unfurl_media": False}
        )
    return payloads


# -- Discord ----------------------------------------------------------------------------------

_DISCORD_SPECIAL = set("\\*_~`|>[]#")


def discord_escape(text: str) -> str:
    """Backslash the characters Discord markdown would act on."""
    return "".join("\\" + c if c in _DISCORD_SPECIAL else c for c in text)


def embed_size(embed: dict[str, Any]) -> int:
    """Characters Discord counts toward the 6,000 per message."""
    size = len(embed.get("title", "")) + len(embed.get("description", ""))
    size += len(embed.get("footer", {}).get("text", ""))
    size += len(embed.get("author", {}).get("name", ""))
    for f in embed.get("fields", ()):
        size += len(f.get("name", "")) + len(f.get("value", ""))
    return size


def discord_embed(entry: Entry, lang: str, site_url: str | None = None) -> dict[str, Any]:
    t = texts(lang)
    p = entry.paper
    lines = [f"▲ {p.upvotes} · [Hugging Face]({entry.hf_url}) · [arXiv {p.id}]({entry.arxiv_url})"]
    if p.authors:
        lines.append(f"{t['authors']}: {discord_escape(_authors(entry))}")
    if entry.why:
        lines.append(f"{t['why']} ({entry.score or 0:.1f}): {discord_escape(cut(entry.why, 300))}")
    if entry.summary is None:
        lines.append(f"*{discord_escape(t['no_summary'])}*")
    else:
        for key, text in entry.summary.sections.items():
            lines.append(f"**{SECTION_LABELS[key]}**: {discord_escape(text)}")
    embed: dict[str, Any] = {
        "title": cut(p.title, DISCORD_TITLE),
        "url": paper_url(entry, lang, site_url),
        "description": cut("\n\n".join(lines), DISCORD_DESCRIPTION),
        "color": DISCORD_COLOR,
    }
    if entry.record is not None:
        embed["footer"] = {"text": cut(entry.record.line(lang), DISCORD_FOOTER)}
        if entry.record.flagged:
            embed["color"] = DISCORD_FLAGGED_COLOR
    if entry.media_url and not entry.media_is_video:
        embed["thumbnail"] = {"url": entry.media_url}
    return embed


@dataclass
class _Message:
    embeds: list[dict[str, Any]]
    size: int = 0


def discord_messages(
    day: Day, *, lang: str, top: int = DEFAULT_TOP, site_url: str | None = None
) -> list[dict[str, Any]]:
    """Webhook payloads (``{"content", "embeds", "allowed_mentions"}``) within Discord's limits."""
    t = texts(lang)
    entries = day.entries[:top]
    if entries:
        note = t["sub"].format(n=len(entries), total=len(day.entries))
    else:
        note = t["empty"].format(day=day.iso)
    content = f"**{t['head'].format(day=day.iso)}** · {discord_escape(note)}"
    if site_url:
        content += f"\n{t['site']}: <{day_url(day, site_url)}>"
    messages: list[_Message] = [_Message([])]
    for entry in entries:
        embed = discord_embed(entry, lang, site_url)
        size = embed_size(embed)
        if size > DISCORD_TOTAL:  # cannot happen with the caps above; keep the guarantee anyway
            over = size - DISCORD_TOTAL
            embed["description"] = cut(embed["description"], len(embed["description"]) - over)
            size = embed_size(embed)
        current = messages[-1]
        if len(current.embeds) < DISCORD_EMBEDS and current.size + size <= DISCORD_TOTAL:
            current.embeds.append(embed)
            current.size += size
        else:
            messages.append(_Message([embed], size))
    payloads: list[dict[str, Any]] = []
    for i, message in enumerate(messages, 1):
        payload: dict[str, Any] = {"embeds": message.embeds, "allowed_mentions": {"parse": []}}
        if i == 1:
            payload["content"] = cut(content, DISCORD_CONTENT)
        payloads.append(payload)
    return payloads


def messages_for(
    platform: str, day: Day, *, lang: str, top: int = DEFAULT_TOP, site_url: str | None = None
) -> list[dict[str, Any]]:
    if platform == "slack":
        return slack_messages(day, lang=lang, top=top, site_url=site_url)
    if platform == "discord":
        return discord_messages(day, lang=lang, top=top, site_url=site_url)
    raise ValueError(f"unknown platform {platform!r}")


__all__ = [
    "day_url",
    "discord_embed",
    "discord_escape",
    "discord_messages",
    "embed_size",
    "messages_for",
    "paper_url",
    "slack_escape",
    "slack_messages",
    "slack_paper_blocks",
]
