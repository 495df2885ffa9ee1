"""Microsoft Teams: a notice as an Adaptive Card (1.5) in the envelope a Workflows webhook takes."""

from __future__ import annotations

import html
import json
import re

from scr.notices import Notice

CARD_VERSION = "1.5"
MAX_BYTES = 28 * 1024  # Teams refuses larger messages


def _plain(text: str) -> str:
    """Slack mark-up to the Markdown subset Adaptive Cards render: *bold* becomes **bold**, mentions plain."""
    text = re.sub(r"<@([A-Z0-9]+)(?:\|[^>]*)?>", r"\1", text)
    return html.unescape(re.sub(r"(?<!\*)\*([^*\n]+)\*(?!\*)", r"**\1**", text))


MORE = "…more in Slack (`/scr status`)."


def _line(text: str) -> dict:
    return {"type": "TextBlock", "text": _plain(text), "wrap": True, "spacing": "Small"}


def _envelope(notice: Notice, lines: list[str]) -> dict:
    body = [{"type": "TextBlock", "text": _plain(notice.text), "weight": "Bolder", "wrap": True}]
    content = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": CARD_VERSION,
        "body": body + [_line(line) for line in lines],
    }
    return {"type": "message", "attachments": [
        {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": content}
    ]}


def _size(value: object) -> int:
    return len(json.dumps(value).encode())


def card(notice: Notice) -> dict:
    """The card; lines past Teams' 28 KB limit are left off, and a last line says so."""
    envelope = _envelope(notice, list(notice.lines))
    if _size(envelope) <= MAX_BYTES:
        return envelope
    room = MAX_BYTES - _size(_envelope(notice, [MORE]))
    kept: list[str] = []
    for line in notice.lines:
        room -= _size(_line(line)) + 2  # the separating ", "
        if room < 0:
            break
        kept.append(line)
    return _envelope(notice, [*kept, MORE])
