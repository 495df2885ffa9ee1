"""Block Kit: the one renderer of answers, forms and the Home tab.

Answers, notices and the Home tab's blocks are built here as plain dicts, each kind by one function (`section`,
`button`, `context`, …): they are on every answer's path, where building `slack_sdk.models` objects and validating
them in `to_dict()` took a quarter of the time. The tests check every message built while they run against
`slack_sdk.models` (tests/conftest.py `block_kit_checked`), so an invalid block fails there, never in Slack. Forms
(modals) are built with `slack_sdk.models`, which validate them as they are turned into dicts. The words come from
`scr.present`; this module lays them out.
"""

from __future__ import annotations

import json
from datetime import date

from slack_sdk.models.blocks import (
    DatePickerElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from scr import grammar as g
from scr import present
from scr.charts import Chart
from scr.models import Review
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

TROUBLE, TROUBLE_AFTER_SAVE, trouble = present.TROUBLE, present.TROUBLE_AFTER_SAVE, present.trouble
MAX_BLOCKS = 50
LIST_ROWS = MAX_BLOCKS - 2  # the heading and "…and N more" take the other two
SECTION_LIMIT = 3000
HOME_ROWS = 40

# Action IDs of the buttons, shared by answers, notices (scr.notices names theirs) and the listeners.
VIEW, UPDATE, WITHHOLD = "scr_view", "scr_update", "scr_withhold"
NOTICE_BUTTONS = {PUBLISH: ("Mark published", "primary"), REFER: ("Record referral", "primary"),
                  SNOOZE: ("Snooze 7 days", None)}
# Buttons that record a date on the review ask first: a stray click on a phone must not publish a report.
CONFIRMS = {
    PUBLISH: ("Mark published?", "Record that the final report of *{reference}* was published today?",
              "Mark published"),
    REFER: ("Record referral?", "Record that the decision not to publish *{reference}* was referred to the national "
                                "panel today?", "Record referral"),
}


Block = dict  # a Block Kit block, as Slack takes it


def _plain(text: str) -> dict:
    return {"type": "plain_text", "text": text, "emoji": True}


def _mrkdwn(text: str) -> dict:
    return {"type": "mrkdwn", "text": text}


def _section(text: str, accessory: dict | None = None) -> Block:
    if len(text) > SECTION_LIMIT:
        text = text[: SECTION_LIMIT - 1] + "…"
    block = {"type": "section", "text": _mrkdwn(text)}
    if accessory is not None:
        block["accessory"] = accessory
    return block


def _sections(lines: list[str]) -> list[Block]:
    """Lines packed into as few sections as Slack's 3,000-character limit allows."""
    sections, chunk = [], ""
    for line in lines:
        if chunk and len(chunk) + len(line) + 1 > SECTION_LIMIT:
            sections.append(_section(chunk))
            chunk = ""
        chunk = f"{chunk}\n{line}" if chunk else line
    return [*sections, _section(chunk)] if chunk else sections


def _header(text: str) -> Block:
    return {"type": "header", "text": _plain(text[:150])}


def _context(text: str) -> Block:
    return {"type": "context", "elements": [_mrkdwn(text)]}


def _actions(buttons: list[dict]) -> Block:
    return {"type": "actions", "elements": buttons}


DIVIDER: Block = {"type": "divider"}


def button(text: str, action_id: str, value: str, style: str | None = None) -> dict:
    """A button; one that records a date on the review `value` names (`CONFIRMS`) asks in Slack's dialog first."""
    element = {"type": "button", "text": _plain(text), "action_id": action_id, "value": value}
    if style is not None:
        element["style"] = style
    if action_id in CONFIRMS:
        title, question, yes = CONFIRMS[action_id]
        element["confirm"] = {"title": _plain(title), "text": _mrkdwn(question.format(reference=value)),
                              "confirm": _plain(yes), "deny": _plain("Cancel")}
    return element


def review_buttons(review: Review, needs_referral: bool) -> list[dict]:
    """What an editor can do next with a review; the listeners check permission again on every click."""
    buttons = [button("Update", UPDATE, review.reference)]
    if review.is_open:
        buttons += [button("Mark published", PUBLISH, review.reference, "primary"),
                    button("Withhold", WITHHOLD, review.reference)]
    if needs_referral:
        buttons.append(button("Record referral", REFER, review.reference, "primary"))
    return buttons


def list_blocks(listing: ReviewList, room: int = MAX_BLOCKS) -> list[Block]:
    """The list, one section per review with a button to open it, within `room` blocks including "and N more"."""
    blocks: list[Block] = [_section(present.list_heading(listing))]
    shown = listing.rows[: max(room - 2, 0)]
    blocks += [_section(present.review_line(row), button("Open", VIEW, row.review.reference)) for row in shown]
    more = present.more_line(listing, len(shown))
    if more:
        blocks.append(_context(more))
    return blocks


def detail_blocks(detail: ReviewDetail, today: date) -> list[Block]:
    review = detail.review
    blocks: list[Block] = [
        _header(f"{review.reference} {review.title}".strip()),
        *_sections(present.detail_lines(detail)[1:]),
        DIVIDER,
        *_sections(["*Timeline*", *present.timeline_lines(detail)]),
        *_sections(["*Open actions*", *present.action_lines(detail, today)]),
    ]
    if detail.can_edit:
        blocks.append(_actions(review_buttons(review, detail.assessment.needs_referral)))
    return blocks


def answer_blocks(result: Result, today: date) -> list[Block]:
    match result:
        case ReviewList() as listing:
            return list_blocks(listing)
        case ReviewDetail() as detail:
            return detail_blocks(detail, today)
        case HistoryPage() as page:
            return [_header(f"History of {page.reference}"), *_sections(present.history_lines(page))]
        case g.Help(topic=topic):
            return _sections(present.help_lines(topic))
        case RoleList() as roles:
            return _sections(present.role_lines(roles))
        case ReportAnswer(report=report, share=share):
            follows = "Posting it with its charts to the reminder channel." if share else \
                "The charts follow in a moment, for you alone."
            return [*_sections(present.report_lines(report)), _context(follows)]
        case RulesPage(rulebooks=rulebooks):
            return _sections(present.rules_lines(rulebooks))
        case Done() | FormNeeded():
            return [_section(present.as_text(result, today))]
    raise TypeError(f"no blocks for {type(result).__name__}")


def message(text: str, blocks: list[Block]) -> dict:
    """A message payload: `text` is what notifications and screen readers show. Slack takes 50 blocks at most."""
    if len(blocks) > MAX_BLOCKS:
        cut = "Cut to fit in Slack: `scr` on the command line shows it all."
        blocks = [*blocks[: MAX_BLOCKS - 1], _context(cut)]
    return {"text": text[:3000], "blocks": blocks}


def answer(result: Result, today: date) -> dict:
    return {"response_type": "ephemeral", **message(present.as_text(result, today), answer_blocks(result, today))}


def chart_answer(charts: list[tuple[Chart, str]]) -> dict:
    """The report's charts, uploaded privately (never at a public URL), shown to the asker by file ID."""
    images = [{"type": "image", "slack_file": {"id": file_id}, "alt_text": chart.alt,
               "title": {"type": "plain_text", "text": chart.title}} for chart, file_id in charts]
    return {"response_type": "ephemeral", "replace_original": False,
            **message("The board's report: " + "; ".join(chart.alt for chart, _ in charts), images)}


def error_answer(text: str) -> dict:
    return {"response_type": "ephemeral", **message(text, [_section(f":warning: {text}")])}


def notice_message(notice: Notice) -> dict:
    """A notice as posted to a channel: the text, its details, and buttons an editor can act on."""
    built: list[Block] = _sections([f"*{notice.text}*", *notice.lines])
    if notice.buttons and notice.reference:
        elements = []
        for action_id in notice.buttons:
            label, style = NOTICE_BUTTONS[action_id]
            value = json.dumps({"reference": notice.reference, "kind": notice.kind}) if action_id == SNOOZE \
                else notice.reference
            elements.append(button(label, action_id, value, style))
        built.append(_actions(elements))
    return message(notice.text, built)


def home_view(listing: ReviewList) -> dict:
    blocks: list[Block] = [_header("Serious case reviews"), *list_blocks(listing, room=HOME_ROWS + 2), DIVIDER,
                           _context("`/scr help` lists every command.")]
    return View(type="home", blocks=blocks).to_dict()


def home_refused(text: str) -> dict:
    """The Home tab of someone who may not read the records: why, and nothing else."""
    return View(type="home", blocks=[_header("Serious case reviews"), _section(text)]).to_dict()


# Forms

def _text_input(field: str, label: str, initial: str | None, *, optional: bool = True, multiline: bool = False,
                hint: str | None = None) -> InputBlock:
    return InputBlock(
        block_id=field, label=label, optional=optional, hint=hint,
        element=PlainTextInputElement(action_id=field, initial_value=initial or None, multiline=multiline,
                                      max_length=g.TEXT_LIMITS.get(field, 40)),
    )


def _date_input(field: str, label: str, initial: date | None, optional: bool = True) -> InputBlock:
    return InputBlock(block_id=field, label=label, optional=optional,
                      element=DatePickerElement(action_id=field, initial_date=initial.isoformat() if initial else None))


def _regime_input(initial: str) -> InputBlock:
    """The regime, or (the new form's default) none chosen: it then follows the date, as `/scr new` without regime=."""
    options = [Option(value=g.FOLLOW_DATE, text="Follow the date (SCR_LCSPR_FROM)"),
               Option(value="scr", text="Serious case review (2013/2015)"),
               Option(value="lcspr", text="Local child safeguarding practice review (2018/2023)")]
    chosen = next(option for option in options if option.value == initial)
    return InputBlock(block_id="regime", label="Regime",
                      hint="A review is an SCR or an LCSPR by its date: choose only within the transition "
                           "(from 2018-06-29).",
                      element=StaticSelectElement(action_id="regime", options=options, initial_option=chosen))


def _modal(callback_id: str, title: str, submit: str, blocks: list, metadata: dict) -> dict:
    return View(type="modal", callback_id=callback_id, title=title, submit=submit, close="Cancel",
                private_metadata=json.dumps(metadata), blocks=blocks).to_dict()


def new_review_modal() -> dict:
    return _modal("scr_new", "New review", "Create", [
        _text_input("reference", "Reference", None, optional=False, hint="Letters, digits and -, e.g. SCR-2026-01"),
        _text_input("title", "Title (identifies no one)", None, hint='e.g. "Child A": never a name'),
        _regime_input(g.FOLLOW_DATE),
        _date_input("initiated", "Decision to initiate (the six months start here)", None),
        _date_input("incident", "Incident", None),
        _date_input("aware", "Local authority became aware (the notification counts from here)", None),
        _date_input("notified", "Notification", None),
        _text_input("reviewer", "Independent reviewer", None),
    ], {})


def update_review_modal(review: Review, version: int) -> dict:
    """The update form, carrying the `version` it shows, so that saving it cannot undo a later change."""
    return _modal("scr_update", f"Update {review.reference}"[:24], "Save", [
        _text_input("title", "Title (identifies no one)", review.title),
        _regime_input(review.regime),
        _date_input("initiated", "Decision to initiate", review.initiated),
        _date_input("incident", "Incident", review.incident),
        _date_input("aware", "Local authority became aware", review.aware),
        _date_input("notified", "Notification", review.notified),
        _date_input("planned", "Planned publication", review.planned),
        _text_input("reviewer", "Independent reviewer", review.reviewer),
        _text_input("notes", "Notes", review.notes, multiline=True),
    ], {"reference": review.reference, "version": version})


def withhold_modal(reference: str) -> dict:
    return _modal("scr_withhold", "Withhold report", "Withhold", [
        _section(f"Record the decision not to publish *{reference}*. It must then be referred to the national panel."),
        _text_input("reason", "Reason", None, optional=False, multiline=True),
        _date_input("on", "Decided on", None),
    ], {"reference": reference})


def answer_modal(answer: dict) -> dict:
    """An answer shown where there is no conversation to answer in (the Home tab, a modal)."""
    return {"type": "modal", "title": {"type": "plain_text", "text": "Serious case reviews"[:24]},
            "close": {"type": "plain_text", "text": "Close"}, "blocks": answer["blocks"]}


def confirmation_view(title: str, text: str) -> dict:
    return View(type="modal", title=title[:24], close="Close", blocks=[_section(text)]).to_dict()
