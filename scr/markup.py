"""Typed text made inert for each destination: Slack mrkdwn, Teams Markdown, a terminal.

`scr.present` words answers in Slack's light mark-up (`*bold*`, `` `code` ``, `<@U…>` mentions) and passes every
value a person typed through `slack_text`, which leaves nothing in it that Slack reads as mark-up: `&`, `<` and `>`
become entities (no pings, links or mentions), and `*`, `_`, `~` and the backtick become look-alikes, since mrkdwn has
no escape character. The other destinations convert those lines: `teams_markdown` for Adaptive Cards, which read
Markdown (links, images) and so get every Markdown character escaped; `terminal_text` for the CLI. `teams_text` and
`terminal_safe` make a typed value inert for those destinations directly; `terminal_safe` is the one place that
shows control characters as escapes, so that no stored text can move a cursor or recolour a screen.
"""

from __future__ import annotations

import html
import re

# mrkdwn formatting characters and their look-alikes: typed ones are shown, never obeyed.
_SLACK_INERT = str.maketrans({"*": "\u2217", "_": "\u02cd", "~": "\u223c", "`": "\u02cb"})
_TYPED = {look: plain for plain, look in ((chr(k), v) for k, v in _SLACK_INERT.items())}
# What Markdown or HTML could make of typed text in a TextBlock: emphasis, tags, and the brackets without which no
# link or image can be written. (TextBlocks have no code spans: a backtick is only a backtick there.)
_MARKDOWN = re.compile(r"([\\_~\[\]<>])")
_MARKDOWN_TYPED = re.compile(r"([\\_~\[\]<>*])")  # and the asterisk, which typed text never means as bold
_BOLD = re.compile(r"(?<!\*)\*([^*\n]+)\*(?!\*)")
# C0 and C1 controls but the newline and tab that lay out our own lines, and the bidirectional overrides that
# reorder what a reader sees ("Trojan Source").
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# The same with the newline and tab, which in a typed value could forge a line of output.
_CONTROL_OR_LAYOUT = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def slack_text(text: str | None) -> str:
    """A typed value made inert in Slack mrkdwn."""
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").translate(_SLACK_INERT)


def _typed(text: str) -> str:
    return "".join(_TYPED.get(char, char) for char in text)


def teams_markdown(line: str) -> str:
    """A line of `scr.present` for a Teams TextBlock: our *bold* becomes **bold**; nothing typed is mark-up."""
    line = _MARKDOWN.sub(r"\\\1", html.unescape(line))
    line = _BOLD.sub(r"**\1**", line)
    return re.sub("[\u2217\u02cd\u223c]", lambda match: "\\" + _TYPED[match.group()], line).replace("\u02cb", "`")


def teams_text(text: str | None) -> str:
    """A typed value made inert in a Teams TextBlock: every Markdown character escaped."""
    return _MARKDOWN_TYPED.sub(r"\\\1", text or "")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xff else f"\\u{code:04x}"


def terminal_safe(text: str | None, layout: bool = False) -> str:
    """Text made inert in a terminal: control characters (escape sequences, bells, carriage returns, bidirectional
    overrides) shown as escapes such as `\\x1b` or `\\u202e`, never acted on. With `layout` (lines we wrote), line
    breaks and tabs are kept; in a typed value they are escaped too."""
    return (CONTROL if layout else _CONTROL_OR_LAYOUT).sub(_escape, text or "")


def terminal_text(line: str) -> str:
    """A line of `scr.present` for a terminal: mark-up dropped, typed characters as typed, controls as escapes."""
    return terminal_safe(_typed(html.unescape(_BOLD.sub(r"\1", line))), layout=True)
