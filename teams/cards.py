"""Adaptive Cards (1.5): Teams' renderer of answers and notices.

The words come from `scr.present`, written for Teams by its `TEAMS` markup (the Markdown subset TextBlocks render);
what is worded in Slack's mark-up elsewhere (the service's messages, notices) goes through `TEAMS.converts`. This
module only lays them out as cards. Buttons are `Action.Execute` (answered by the bot with a refreshed card), each
with an `Action.Submit` fallback for clients that predate 1.4. Every card stays under Teams' 28 KB.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

from scr import grammar as g
from scr import present
from scr.notices import PUBLISH, REFER, SNOOZE, Notice
from scr.service import (
    Done,
    FormNeeded,
    HistoryPage,
    ReportAnswer,
    Result,
    ReviewDetail,
    ReviewList,
    RoleList,
    RulesPage,
)

CARD_VERSION = "1.5"
CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
MAX_BYTES = 28 * 1024  # Teams refuses larger messages
CARD_BYTES = MAX_BYTES - 1024  # room for the activity around the card
TEAMS = present.TEAMS
MORE = "…more with `scr` on the command line."
CONFIRM = "confirm"
CANCEL = "cancel"

BUTTONS = {PUBLISH: "Mark published", REFER: "Record referral", SNOOZE: "Snooze 7 days"}
QUESTIONS = {PUBLISH: "Mark `{reference}` published today?", REFER: "Record that `{reference}` was referred to "
             "the national panel today?", SNOOZE: "Snooze these notices for `{reference}` for 7 days?"}


def _text(text: str, **style: object) -> dict:
    """A TextBlock of Teams Markdown (written through `TEAMS`)."""
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def _lines(lines: list[str]) -> list[dict]:
    return [_text(line, spacing="Small") for line in lines]


def execute(title: str, verb: str, data: dict, style: str = "default") -> dict:
    """An Action.Execute button, and an Action.Submit that carries the same data for older clients."""
    payload = {"verb": verb, **data}
    return {"type": "Action.Execute", "title": title, "verb": verb, "data": payload, "style": style,
            "fallback": {"type": "Action.Submit", "title": title, "data": payload}}


def card(body: list[dict], actions: list[dict] | None = None) -> dict:
    content = {"type": "AdaptiveCard", "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
               "version": CARD_VERSION, "body": body}
    if actions:
        content["actions"] = actions
    return content


def size(value: object) -> int:
    return len(json.dumps(value).encode())  # escaped as ASCII: the longest form it may travel in


def fitted(heading: list[dict], lines: list[str], actions: list[dict] | None = None) -> dict:
    """A card of `heading` then `lines`, with the lines past Teams' limit left off and a last line saying so."""
    whole = card([*heading, *_lines(lines)], actions)
    if size(whole) <= CARD_BYTES:
        return whole
    room = CARD_BYTES - size(card([*heading, *_lines([MORE])], actions))
    kept: list[str] = []
    for line in lines:
        room -= size(_text(line, spacing="Small")) + 2  # the separating ", "
        if room < 0:
            break
        kept.append(line)
    return card([*heading, *_lines([*kept, MORE])], actions)


def text_card(text: str) -> dict:
    return card([_text(text)])


def error_card(text: str) -> dict:
    """A refusal or failure, worded (like the grammar's and the service's) in Slack's mark-up."""
    return card([_text(f"⚠️ {TEAMS.converts(text)}", color="Attention")])


def answer_card(result: Result, today: date) -> dict:
    """An answer to a command, laid out from the same words as Slack's blocks and the terminal."""
    match result:
        case ReviewList() as listing:
            more = present.more_line(listing, len(listing.rows), TEAMS)
            lines = [*(present.review_line(row, TEAMS) for row in listing.rows), *([more] if more else [])]
            return fitted([_text(present.list_heading(listing, TEAMS), weight="Bolder")], lines)
        case ReviewDetail() as detail:
            review = detail.review
            heading = [_text(f"{review.reference} {TEAMS.typed(review.title)}".strip(), size="Large",
                             weight="Bolder")]
            lines = [*present.detail_lines(detail, TEAMS)[1:], TEAMS.bold("Timeline"),
                     *present.timeline_lines(detail, TEAMS), TEAMS.bold("Open actions"),
                     *present.action_lines(detail, today, TEAMS)]
            actions = None
            if detail.can_edit:
                verbs = ([PUBLISH] if review.is_open else []) + ([REFER] if detail.assessment.needs_referral else [])
                actions = [execute(BUTTONS[verb], verb, {"reference": review.reference}) for verb in verbs]
            return fitted(heading, lines, actions)
        case HistoryPage() as page:
            return fitted([_text(f"History of {page.reference}", weight="Bolder")],
                          present.history_lines(page, TEAMS))
        case g.Help(topic=topic):
            return fitted([], present.help_lines(topic, TEAMS))
        case RoleList() as roles:
            return fitted([], present.role_lines(roles, TEAMS))
        case ReportAnswer(report=report, share=share):
            heading, *lines = map(TEAMS.converts, present.report_lines(report))
            lines.append("The charts and every review are in the paper: `scr report --format html`.")
            if share:
                lines.append("Posting it to a channel is Slack's `/scr report share`; here it is for you alone.")
            return fitted([_text(heading, size="Medium", weight="Bolder")], lines)
        case RulesPage(rulebooks=rulebooks):
            return fitted([], [*map(TEAMS.converts, present.rules_lines(rulebooks))])
        case Done() | FormNeeded():
            return text_card(present.as_text(result, today, TEAMS))
    raise TypeError(f"no card for {type(result).__name__}")


def notice_card(notice: Notice) -> dict:
    """A notice as posted to a channel: the text, its details, and buttons an editor can act on."""
    actions = None
    if notice.buttons and notice.reference:
        data = {"reference": notice.reference, "kind": notice.kind}
        actions = [execute(BUTTONS[verb], verb, data, "positive" if verb != SNOOZE else "default")
                   for verb in notice.buttons]
    return fitted([_text(TEAMS.converts(notice.text), weight="Bolder")], [*map(TEAMS.converts, notice.lines)],
                  actions)


def confirm_card(verb: str, data: dict) -> dict:
    """The question a notice's button asks before it changes a record, for the user who clicked."""
    question = QUESTIONS[verb].format(reference=TEAMS.typed(data["reference"]))
    return card([_text(question, weight="Bolder")], [
        execute("Yes", f"{verb}:{CONFIRM}", data, "positive"),
        execute("No", f"{verb}:{CANCEL}", data),
    ])


def message(content: dict, text: str | None = None) -> dict:
    """A message activity carrying one card; `text` (in Slack's mark-up, as notices are) is what notifications
    show."""
    activity = {"type": "message", "attachments": [{"contentType": CONTENT_TYPE, "content": content}]}
    if text:
        activity["summary"] = TEAMS.converts(text)
    return activity


def webhook_message(notice: Notice) -> dict:
    """A notice in the envelope a Workflows webhook takes (no buttons: the webhook cannot answer them)."""
    return {"type": "message", "attachments": [
        {"contentType": CONTENT_TYPE, "contentUrl": None, "content": notice_card(replace(notice, buttons=()))}]}
