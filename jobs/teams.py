"""Microsoft Teams: a notice as an Adaptive Card (1.5) in the envelope a Workflows webhook takes."""

from __future__ import annotations

import json
import re

from scr.notices import Notice

CARD_VERSION = "1.5"
MAX_BYTES = 28 * 1024  # Teams refuses larger messages


def _plain(text: str) -> str:
    """Slack mark-up to the Markdown subset Adaptive Cards render: *bold* becomes **bold**, mentions plain."""
    text = re.sub(r"<@([A-Z0-9]+)(?:\|[^>]*)?>", r"\1", text)
    return re.sub(r"(?<!\*)\*([^*\n]+)\*(?!\*)", r"**\1**", text)


def _envelope(notice: Notice, lines: list[str]) -> dict:
    body = [{"type": "TextBlock", "text": _plain(notice.text), "weight": "Bolder", "wrap": True}]
    body += [{"type": "TextBlock", "text": _plain(line), "wrap": True, "spacing": "Small"} for line in lines]
    content = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": CARD_VERSION,
        "body": body,
    }
    return {"type": "message", "attachments": [
        {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": content}
    ]}


def card(notice: Notice) -> dict:
    """The card, with lines dropped from the end (and said so) if it would pass Teams' 28 KB limit."""
    lines = list(notice.lines)
    envelope = _envelope(notice, lines)
    while len(json.dumps(envelope).encode()) > MAX_BYTES and lines:
        lines = lines[:-2] + ["…more in Slack (`/scr status`)."] if len(lines) > 1 else []
        envelope = _envelope(notice, lines)
    return envelope
