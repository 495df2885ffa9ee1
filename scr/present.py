"""How results are worded: the one place that turns a review into words, for every destination.

Each function writes its lines through a `Markup`, the few things an answer marks (bold, code, a user, a status
icon, a command hint, text someone typed). `SLACK` writes Slack's mark-up, which `bot.blocks` lays out in Block Kit
and which is also Slack's plain-text fallback; `TEAMS` writes the Markdown of Adaptive Cards for `teams.cards`;
`TERMINAL` writes the same words for the `scr` command and the demo, without mark-up. A new destination is a new
`Markup`, not a copy of these functions. Messages worded elsewhere in Slack's mark-up (the service's answers and
errors, notices) reach the other destinations through their `Markup.converts`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from scr import grammar as g
from scr.deadlines import MilestoneState
from scr.markup import slack_text, teams_markdown, teams_text, terminal_safe, terminal_text
from scr.models import DATE_FIELDS, ROLES
from scr.report import ACTION_STATES, Report
from scr.rulebook import CHOICES, CSPRP, TRANSITION_FROM, Guidance
from scr.service import (
    WITHHELD_TEXT,
    Done,
    FormNeeded,
    HistoryPage,
    ReportAnswer,
    Result,
    ReviewDetail,
    ReviewList,
    ReviewRow,
    RoleList,
    RulesPage,
)

TROUBLE = "Something went wrong on our side and nothing was changed. Please try again in a minute."
# When the failure came after the transaction committed, "nothing was changed" would be false, and a second try
# would make the change twice.
TROUBLE_AFTER_SAVE = ("Your command went through and was saved, but something went wrong showing the answer. "
                      "`/scr status` shows the records as they are now: don't send it again.")


def trouble(saved: bool) -> str:
    """What to say when something failed on our side, `saved` telling whether the change had committed by then."""
    return TROUBLE_AFTER_SAVE if saved else TROUBLE


def safe(text: str | None) -> str:
    """What a user typed, made inert in Slack mark-up: no pings, links, mentions or formatting (`scr.markup`)."""
    return slack_text(text)


@dataclass(frozen=True)
class Markup:
    """How one destination writes what an answer marks."""

    bold: Callable[[str], str]
    code: Callable[[str], str]
    typed: Callable[[str | None], str]  # text a user typed (titles, reasons, actions): shown as stored, made inert
    user: Callable[[str], str]  # a user ID
    icons: Mapping[str, str] = field(hash=False)  # by milestone state, plus "alert" (a Markup is hashed by the rest)
    command: str  # how a command starts there: "/scr" in Slack, "scr" in a shell, nothing in Teams
    converts: Callable[[str], str]  # a message worded in Slack's mark-up (service answers, errors), for here
    aside: str = ""  # what help adds about typing commands there

    def hint(self, words: str) -> str:
        """A command to type, e.g. `hint("list all")`."""
        return self.code(f"{self.command} {words}".lstrip())


_MENTION = re.compile(r"<@([A-Z0-9]+)(?:\|[^>]*)?>")


def _reworded(text: str, command: str) -> str:
    """A message from the service or the grammar, worded for Slack, with mentions as IDs and hints as `command …`."""
    return _MENTION.sub(r"\1", text).replace("/scr ", f"{command} ".lstrip())


SLACK = Markup(
    bold=lambda text: f"*{text}*",
    code=lambda text: f"`{text}`",
    typed=safe,
    user=lambda user: f"<@{user}>",
    icons={"alert": ":rotating_light:", "overdue": ":rotating_light:", "met": ":white_check_mark:",
           "not needed": ":heavy_minus_sign:", "not started": ":grey_question:", "due": ":hourglass_flowing_sand:"},
    command="/scr",
    converts=lambda text: text,
)

TEAMS = Markup(
    bold=lambda text: f"**{text}**",
    code=lambda text: f"`{text}`",  # TextBlocks have no code spans: the back-ticks mark it, as they are
    typed=teams_text,
    user=teams_text,
    icons={"alert": "🚨", "overdue": "🚨", "met": "✅", "not needed": "➖", "not started": "❔", "due": "⏳"},
    command="",  # the bare grammar in the bot's personal chat; in a channel after an @mention (`aside`)
    converts=lambda text: teams_markdown(_reworded(text, "")),
    aside="In a channel, mention me first: `@scr-bot status`. I answer there in our personal chat.",
)

TERMINAL = Markup(
    bold=str,
    code=str,
    typed=terminal_safe,
    user=str,
    icons={"alert": "!!", "overdue": "!!", "met": "ok", "not needed": "--", "not started": "??", "due": ".."},
    command="scr",
    # No back-ticks or bold (`scr.markup` gives typed characters back) and no control characters.
    converts=lambda text: terminal_text(_reworded(text, "scr").replace("`", "")),
)


def days(count: int) -> str:
    return f"{count} day{'' if abs(count) == 1 else 's'}"


def due_phrase(due: date | None, days_left: int | None, *, open_: bool = True, m: Markup = SLACK) -> str:
    if due is None or days_left is None:
        return "no due date yet (no initiated date)"
    if not open_:
        return f"was due {due.isoformat()}"
    if days_left < 0:
        return f"due {due.isoformat()}, {m.bold(f'{days(-days_left)} overdue')}"
    if days_left == 0:
        return f"due {due.isoformat()}, {m.bold('today')}"
    return f"due {due.isoformat()}, {days(days_left)} left"


@lru_cache(maxsize=4096)  # a list is mostly the rows it showed last time (`scr.open_reviews` keeps them)
def review_line(row: ReviewRow, m: Markup = SLACK) -> str:
    review = row.review
    flag = f"{m.icons['alert']} " if row.overdue or row.needs_referral else ""
    title = f" {m.typed(review.title)}" if review.title else ""
    if row.needs_referral:
        state = m.bold("needs referral to the national panel")
    elif review.decision == "no-review":
        state = f"no review (decided {review.decided.isoformat()})" if review.decided else "no review"
    elif review.published:
        state = f"published {review.published.isoformat()}"
    elif review.withheld:
        referred = f", referred {review.referred.isoformat()}" if review.referred else ""
        state = f"withheld {review.withheld.isoformat()}{referred}"
    elif row.late is not None and not row.late.milestone.deadline:
        state = f"{row.late.label} {due_phrase(row.late.due, row.late.days_left, m=m)}"
    elif review.completed and review.regime == "scr":
        state = f"completed {review.completed.isoformat()}"
    else:
        state = due_phrase(row.due, row.days_left, m=m)
    until = f" until {review.delay_until.isoformat()}" if review.delay_until else ""
    held = f" (held: parallel proceedings{until})" if row.held else ""
    return f"{flag}{m.bold(review.reference)}{title}: {state}{held}"


def list_heading(result: ReviewList, m: Markup = SLACK) -> str:
    noun = {"open": "Open reviews", "overdue": "Overdue reviews", "held": "Held reviews",
            "withheld": "Withheld reviews", "published": "Published reviews", "all": "All reviews"}[result.which]
    counts = [f"{result.total}"]
    if result.overdue:
        counts.append(f"{result.overdue} overdue")
    if result.needs_referral:
        counts.append(f"{result.needs_referral} needing referral to the national panel")
    return f"{m.bold(noun)}: {', '.join(counts)}"


def more_line(result: ReviewList, shown: int, m: Markup = SLACK) -> str | None:
    hidden = result.total - shown
    if hidden <= 0:
        return None
    return f"…and {hidden} more. {m.hint('list all')} or {m.code('scr export')} gives every one."


def milestone_line(state: MilestoneState, m: Markup = SLACK, held: bool = False) -> str:
    """One line of the timeline: done only with the date that records it."""
    label = state.label
    if state.state == "met":
        return f"{m.icons['met']} {label}: done {state.met_on.isoformat()} ({state.met_by})"
    if state.state == "not needed":
        return f"{m.icons['not needed']} {label}: not needed"
    if state.state == "not recorded":
        was_due = f" (was due {state.due.isoformat()})" if state.due else ""
        return f"{m.icons['not started']} {label}: not recorded{was_due}"
    if state.state == "not started":
        return f"{m.icons['not started']} {label}: no deadline until the {m.bold(state.waiting_for)} date is recorded"
    icon = m.icons["overdue" if state.state == "overdue" else "due"]
    paused = " (escalations paused by the hold)" if held and state.milestone.held_by_delay and \
        state.state == "overdue" else ""
    counted = " (counted from the incident: no aware date recorded)" if state.started_by == "incident" else ""
    return f"{icon} {label}: {due_phrase(state.due, state.days_left, m=m)}{counted}{paused}"


def detail_lines(detail: ReviewDetail, m: Markup = SLACK) -> list[str]:
    """The review in full, one line per fact, in the order a chair reads them."""
    review, assessment = detail.review, detail.assessment
    deadline = next(milestone.label for milestone in detail.rulebook.milestones if milestone.deadline)
    lines = [
        f"{m.bold(review.reference)} {m.typed(review.title)}".rstrip(),
        f"Regime: {detail.rulebook.title}",
        f"Stage: {assessment.stage}",
        f"{deadline}: {_deadline_phrase(detail, m)}",
    ]
    if review.reviewer:
        lines.append(f"Independent reviewer: {m.typed(review.reviewer)}")
    dates = [f"{name} {getattr(review, name).isoformat()}" for name in DATE_FIELDS[:13] if getattr(review, name)]
    lines.append("Dates: " + (", ".join(dates) if dates else "none recorded"))
    if review.url:
        lines.append(f"Published at: {m.typed(review.url)}")
    if review.decision == "no-review":
        lines.append(f"Reason for no review: {m.typed(review.decision_reason) or 'not recorded'}")
    if review.withheld:
        lines.append(f"Reason not published: {m.typed(review.withheld_reason) or 'not recorded'}")
    for state in assessment.milestones:
        if state.milestone.referral and state.state in ("pending", "overdue"):
            lines.append(f"{m.icons['alert']} {m.bold('Needs referral to the national panel')}: {state.label}, "
                         f"{due_phrase(state.due, state.days_left, m=m)}")
    if review.delay_reason:
        until = f"until {review.delay_until.isoformat()}" if review.delay_until else "no end date recorded"
        if assessment.hold_ended:
            lines.append(f"{m.icons['alert']} Hold ended {assessment.hold_ended.isoformat()} (escalations resume): "
                         f"{m.typed(review.delay_reason)}")
        else:
            lines.append(f"Held by parallel proceedings ({until}; escalations of completion and publication "
                         f"paused): "
                         f"{m.typed(review.delay_reason)}")
    return lines


def _deadline_phrase(detail: ReviewDetail, m: Markup) -> str:
    """The statutory deadline (six months) in the headline: met (on time or late), ended, or as due."""
    review, assessment = detail.review, detail.assessment
    if review.decision == "no-review":
        return "ended by the decision not to hold a review"
    state = next((state for state in assessment.milestones if state.milestone.deadline), None)
    if state is not None and state.state == "met":
        if state.due is None:
            return f"done {state.met_on.isoformat()}"
        late = (state.met_on - state.due).days
        return (f"due {state.due.isoformat()}, done {state.met_on.isoformat()} "
                f"({f'{days(late)} late' if late > 0 else 'on time'})")
    return due_phrase(assessment.due, assessment.days_left, open_=assessment.overdue or review.is_open, m=m)


def timeline_lines(detail: ReviewDetail, m: Markup = SLACK) -> list[str]:
    return [milestone_line(state, m, detail.assessment.held) for state in detail.assessment.milestones]


def action_lines(detail: ReviewDetail, today: date, m: Markup = SLACK) -> list[str]:
    lines = []
    for action in detail.review.actions:
        if action.done:
            continue
        late = f", {m.bold(f'{days((today - action.due).days)} overdue')}" if action.due < today else ""
        lines.append(f"{action.number}. {m.typed(action.text)} ({m.user(action.owner)}, "
                     f"due {action.due.isoformat()}{late})")
    done = [action for action in detail.review.actions if action.done]
    if done:
        evidenced = sum(1 for action in done if action.evidence)
        judged = sum(1 for action in done if action.impact)
        lines.append(f"{len(done)} done: {evidenced} with evidence, {judged} with the impact reviewed.")
    return lines or ["No actions yet."]


def history_lines(page: HistoryPage, m: Markup = SLACK) -> list[str]:
    if not page.entries:
        return [f"No changes recorded for {m.code(page.reference)}."]
    lines = [
        f"{entry.at:%Y-%m-%d %H:%M} {entry.actor}: {entry.field} {m.typed(entry.old) or '—'} → "
        f"{m.typed(entry.new) or '—'}"
        for entry in page.entries
    ]
    if page.text_withheld:
        lines.append(f"{WITHHELD_TEXT}: titles, notes and reasons are shown to editors and administrators only; "
                     f"{m.hint(f'status {page.reference}')} shows the current ones.")
    return lines


def role_lines(roles: RoleList, m: Markup = SLACK) -> list[str]:
    def mentions(users) -> str:
        return ", ".join(m.user(user) for user in users)

    lines = [m.bold("Roles")]
    if roles.by_setting:
        lines.append(f"admin, by the SCR_ADMINS setting (chat cannot change it): {mentions(roles.by_setting)}")
    for role in reversed(ROLES):
        holders = [user for user, held in roles.grants if held == role]
        if holders:
            lines.append(f"{role}: {mentions(holders)}")
    if not roles.by_setting and not roles.grants:
        lines.append(f"No one holds a role yet: {m.hint('grant @user viewer|editor|admin')}.")
    readers = ("viewers, editors and administrators (SCR_READERS=granted)" if roles.readers == "granted" else
               "every member of the workspace, never guests or people from other organisations (SCR_READERS=workspace)")
    lines.append(f"Who may read the records: {readers}.")
    return lines


def rules_lines(rulebooks: Guidance) -> list[str]:
    """`help rules`: what the bot enforces, printed from the rulebooks themselves, each rule with its source."""
    last_choice = (rulebooks.lcspr_from - timedelta(days=1)).isoformat()
    lines = [f"A review's regime follows its initiated date (else aware, else incident, else today): before "
             f"{TRANSITION_FROM.isoformat()} an SCR; from {rulebooks.lcspr_from.isoformat()} (SCR_LCSPR_FROM) an "
             f"LCSPR; from {TRANSITION_FROM.isoformat()} to {last_choice}, an SCR unless `regime=lcspr` says "
             f"otherwise.",
             f"Decisions not to initiate or not to publish taken from {rulebooks.panel_from.isoformat()} "
             f"(SCR_PANEL_FROM) go to the national panel of independent experts; from {TRANSITION_FROM.isoformat()}, "
             f"to {CSPRP}; an LCSPR's, to the Panel and the Secretary of State."]
    for book in rulebooks.values():
        lines.append(f"*{book.title}*")
        for m in book.milestones:
            when = "before" if m.before else "after"
            start = " (else ".join(m.starts) + ")" * (len(m.starts) - 1)
            period = "on the day of" if m.period.amount == 0 else f"{m.period} {when}"
            met = " or ".join(m.met_by)
            kind = "escalates when late" if m.escalates else f"reminds for {m.reminds_for} after, never escalates"
            needs = f"; no deadline until {' and '.join(m.needs)} is recorded" if m.needs else ""
            confirmed = "confirmed" if m.confirmed else "*unconfirmed*"
            label = m.label.format(panel="the Panel and the Secretary of State" if book.regime == "lcspr" else
                                   "the national panel")
            lines.append(f"• {label}: {period} *{start}*, met by *{met}*{needs}; {kind}. Source: {m.source} "
                         f"({confirmed}).")
    lines.append("A decision not to hold a review (`decide REF no-review`) ends every deadline but the SCR's referral "
                 "and the rapid review's sending to the Panel; a running hold (`delay`) pauses overdue escalations of "
                 "completion and publication.")
    changed = ", ".join(f"{rule}={choice}" for rule, choice in rulebooks.rules)
    lines.append(f"This partnership's changes to unconfirmed rules (SCR_RULES): {changed}." if changed else
                 f"Unconfirmed rules can be changed with SCR_RULES, e.g. SCR_RULES=\"scr.copy=off, lcspr.copy=10 "
                 f"working days\" (each RULE={CHOICES}).")
    return lines


def help_lines(topic: str | None = None, m: Markup = SLACK, extra: Mapping[str, str] | None = None) -> list[str]:
    """The verbs and their forms; `extra` adds a destination's own verbs (the shell's import, export, …)."""
    usages = {**g.USAGE, **(extra or {})}
    if topic in usages:
        return [m.hint(usages[topic]), *filter(None, [g.ABOUT.get(topic)])]
    return [f"{m.bold('scr-bot')} keeps serious case reviews on time. Commands ({m.hint('VERB …')}):",
            *(f"• {m.hint(usage)}" for usage in usages.values()),
            'Dates are YYYY-MM-DD or today; values with spaces go in "double quotes".', *filter(None, [m.aside])]


CHAT_ROWS = 20  # reviews listed in a chat summary; the paper lists every one


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"


def tally(states: dict[str, int]) -> str:
    parts = [f"{states[state]} {state}" for state in ACTION_STATES if states[state]]
    return ", ".join(parts) or "none"


def report_lines(report: Report, rows: int = CHAT_ROWS, reasons: bool = True) -> list[str]:
    """The board's report in brief: what a chat answer and the terminal show (the paper has it all).

    Without `reasons`, what holds a review is not said (for a notice posted to a channel).
    """
    c = report.counts
    lines = [
        f"*Board's report: {report.period.label}*, drawn {report.as_of.isoformat()}",
        f"Notifications {c.notifications} · rapid reviews {c.rapid_reviews} · reviews begun {c.begun} · "
        f"completed {c.completed} ({c.completed_in_six_months} within six months) · published {c.published} · "
        f"withheld {c.withheld} · referred {c.referred}",
        f"Median days from the decision: to completion {_number(report.median_days_to_completion)}, "
        f"to publication {_number(report.median_days_to_publication)}",
        f"*Needs attention now* ({len(report.attention)})" + ("" if report.attention else ": nothing"),
        *(f"• *{item.reference}*: {safe(item.describe(reasons))}" for item in report.attention[:rows]),
    ]
    statuses: dict[str, int] = {}
    for row in report.timelines:
        statuses[row.status] = statuses.get(row.status, 0) + 1
    count = len(report.timelines)
    lines.append(f"*Against the six-month mark* ({count} review{'' if count == 1 else 's'}): "
                 + (", ".join(f"{count} {status}" for status, count in statuses.items()) or "none in the period"))
    lines += [f"• *{row.reference}* decided {row.decided.isoformat()}, mark {row.due.isoformat()}: {row.describe()}"
              for row in report.timelines[:rows]]
    hidden = max(len(report.timelines), len(report.attention)) - rows
    if hidden > 0:
        lines.append("…and more: `scr report --format html` lists every review.")
    lines.append(f"*Actions* ({sum(report.actions.values())}): {tally(report.actions)}")
    return lines


def as_text(result: Result, today: date, m: Markup = SLACK) -> str:
    """The whole answer as text: Slack's notification fallback, or (with `TERMINAL`) the CLI's output."""
    match result:
        case Done(message=message):
            return m.converts(message)
        case ReportAnswer(report=report):
            return m.converts("\n".join(report_lines(report)))
        case ReviewList() as listing:
            lines = [list_heading(listing, m), *(review_line(row, m) for row in listing.rows)]
            more = more_line(listing, len(listing.rows), m)
            return "\n".join([*lines, more] if more else lines)
        case ReviewDetail() as detail:
            return "\n".join([*detail_lines(detail, m), "", "Timeline:", *timeline_lines(detail, m), "",
                              "Open actions:", *action_lines(detail, today, m)])
        case HistoryPage() as page:
            return "\n".join([m.bold(f"History of {page.reference}"), *history_lines(page, m)])
        case RoleList() as roles:
            return "\n".join(role_lines(roles, m))
        case RulesPage(rulebooks=rulebooks):
            return "\n".join(rules_lines(rulebooks))
        case FormNeeded(verb=verb):
            return f"Usage: {m.hint(g.USAGE[verb])}"
        case g.Help(topic=topic):
            return "\n".join(help_lines(topic, m))
    raise TypeError(f"no wording for {type(result).__name__}")
