"""How results are worded: the one place that turns a review into words.

The lines use Slack's light mark-up (`*bold*`, `` `code` ``), which reads well in a terminal too. The CLI prints
`as_text(result)`; Slack's Block Kit renderer (`bot.blocks`) lays out the same lines and uses `as_text` for the
plain-text fallback that phones show.
"""

from __future__ import annotations

from datetime import date

from scr import grammar as g
from scr.deadlines import MilestoneState
from scr.markup import slack_text
from scr.models import ROLES
from scr.report import ACTION_STATES, Report
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
)

TROUBLE = "Something went wrong on our side and nothing was changed. Please try again in a minute."
# When the failure came after the transaction committed, "nothing was changed" would be false, and a second try
# would make the change twice.
TROUBLE_AFTER_SAVE = ("Your command went through and was saved, but something went wrong showing the answer. "
                      "`/scr status` shows the records as they are now: don't send it again.")


def trouble(saved: bool) -> str:
    """What to say when something failed on our side, `saved` telling whether the change had committed by then."""
    return TROUBLE_AFTER_SAVE if saved else TROUBLE
HELP_INTRO = "*scr-bot* keeps serious case reviews on time. Commands (`/scr VERB …`):"


def safe(text: str | None) -> str:
    """What a user typed, made inert in Slack mark-up: no pings, links, mentions or formatting (`scr.markup`)."""
    return slack_text(text)


def days(count: int) -> str:
    return f"{count} day{'' if abs(count) == 1 else 's'}"


def due_phrase(due: date | None, days_left: int | None, *, open_: bool = True) -> str:
    if due is None or days_left is None:
        return "no due date yet (no initiated date)"
    if not open_:
        return f"was due {due.isoformat()}"
    if days_left < 0:
        return f"due {due.isoformat()}, *{days(-days_left)} overdue*"
    if days_left == 0:
        return f"due {due.isoformat()}, *today*"
    return f"due {due.isoformat()}, {days(days_left)} left"


def review_line(row: ReviewRow) -> str:
    review = row.review
    flag = ":rotating_light: " if row.overdue or row.needs_referral else ""
    title = f" {safe(review.title)}" if review.title else ""
    if row.needs_referral:
        state = "withheld, *needs referral to the national panel*"
    elif review.published:
        state = f"published {review.published.isoformat()}"
    elif review.withheld:
        state = f"withheld {review.withheld.isoformat()}, referred {review.referred.isoformat()}"
    else:
        state = due_phrase(row.due, row.days_left)
    delay = " (delayed: parallel proceedings)" if review.delay_reason and review.is_open else ""
    return f"{flag}*{review.reference}*{title}: {state}{delay}"


def list_heading(result: ReviewList) -> str:
    noun = {"open": "Open reviews", "overdue": "Overdue reviews", "withheld": "Withheld reviews",
            "published": "Published reviews", "all": "All reviews"}[result.which]
    counts = [f"{result.total}"]
    if result.overdue:
        counts.append(f"{result.overdue} overdue")
    if result.needs_referral:
        counts.append(f"{result.needs_referral} needing referral to the national panel")
    return f"*{noun}*: {', '.join(counts)}"


def more_line(result: ReviewList, shown: int) -> str | None:
    hidden = result.total - shown
    return f"…and {hidden} more. `/scr list all` or `scr export` gives every one." if hidden > 0 else None


def milestone_line(state: MilestoneState) -> str:
    label = state.milestone.label
    if state.state == "met":
        return f":white_check_mark: {label}: done {state.met_on.isoformat()}"
    if state.state == "not needed":
        return f":heavy_minus_sign: {label}: not needed"
    if state.state == "not started":
        starts = "initiated" if state.milestone.starts == "due" else state.milestone.starts
        return f":grey_question: {label}: no deadline until the *{starts}* date is recorded"
    icon = ":rotating_light:" if state.state == "overdue" else ":hourglass_flowing_sand:"
    return f"{icon} {label}: {due_phrase(state.due, state.days_left)}"


def detail_lines(detail: ReviewDetail) -> list[str]:
    """The review in full, one line per fact, in the order a chair reads them."""
    review, assessment = detail.review, detail.assessment
    lines = [
        f"*{review.reference}* {safe(review.title)}".rstrip(),
        f"Regime: {detail.rulebook.title}",
        f"Stage: {assessment.stage}",
        f"Publication: {due_phrase(assessment.due, assessment.days_left, open_=review.is_open)}",
    ]
    if review.reviewer:
        lines.append(f"Independent reviewer: {safe(review.reviewer)}")
    dates = [f"{name} {getattr(review, name).isoformat()}" for name in
             ("incident", "notified", "initiated", "completed", "published", "withheld", "referred")
             if getattr(review, name)]
    lines.append("Dates: " + (", ".join(dates) if dates else "none recorded"))
    if review.withheld:
        lines.append(f"Reason not published: {safe(review.withheld_reason) or 'not recorded'}")
        lines.append(f"Referred to {detail.rulebook.panel} on {review.referred.isoformat()}" if review.referred
                     else f":rotating_light: *Needs referral to {detail.rulebook.panel}*")
    if review.delay_reason:
        lines.append(f"Delayed by parallel proceedings: {safe(review.delay_reason)}")
    return lines


def timeline_lines(detail: ReviewDetail) -> list[str]:
    return [milestone_line(state) for state in detail.assessment.milestones]


def action_lines(detail: ReviewDetail, today: date) -> list[str]:
    lines = []
    for action in detail.review.actions:
        if action.done:
            continue
        late = f", *{days((today - action.due).days)} overdue*" if action.due < today else ""
        lines.append(f"{action.number}. {safe(action.text)} (<@{action.owner}>, due {action.due.isoformat()}{late})")
    done = [action for action in detail.review.actions if action.done]
    if done:
        evidenced = sum(1 for action in done if action.evidence)
        judged = sum(1 for action in done if action.impact)
        lines.append(f"{len(done)} done: {evidenced} with evidence, {judged} with the impact reviewed.")
    return lines or ["No actions yet."]


def history_lines(page: HistoryPage) -> list[str]:
    if not page.entries:
        return [f"No changes recorded for `{page.reference}`."]
    lines = [
        f"{entry.at:%Y-%m-%d %H:%M} {entry.actor}: {entry.field} {safe(entry.old) or '—'} → {safe(entry.new) or '—'}"
        for entry in page.entries
    ]
    if page.text_withheld:
        lines.append(f"{WITHHELD_TEXT}: titles, notes and reasons are shown to editors and administrators only; "
                     f"`/scr status {page.reference}` shows the current ones.")
    return lines


def role_lines(roles: RoleList) -> list[str]:
    def mentions(users) -> str:
        return ", ".join(f"<@{user}>" for user in users)

    lines = ["*Roles*"]
    if roles.by_setting:
        lines.append(f"admin, by the SCR_ADMINS setting (chat cannot change it): {mentions(roles.by_setting)}")
    for role in reversed(ROLES):
        holders = [user for user, held in roles.grants if held == role]
        if holders:
            lines.append(f"{role}: {mentions(holders)}")
    if not roles.by_setting and not roles.grants:
        lines.append("No one holds a role yet: `/scr grant @user viewer|editor|admin`.")
    readers = ("viewers, editors and administrators (SCR_READERS=granted)" if roles.readers == "granted" else
               "every member of the workspace, never guests or people from other organisations (SCR_READERS=workspace)")
    lines.append(f"Who may read the records: {readers}.")
    return lines


def help_lines(topic: str | None = None) -> list[str]:
    if topic in g.USAGE:
        return [f"`/scr {g.USAGE[topic]}`"]
    return [HELP_INTRO, *(f"• `{usage}`" for usage in g.USAGE.values()),
            "Dates are YYYY-MM-DD or today; values with spaces go in \"double quotes\"."]


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


def as_text(result: Result, today: date) -> str:
    """The whole answer as plain text: the CLI's output and Slack's notification fallback."""
    match result:
        case Done(message=message):
            return message
        case ReportAnswer(report=report):
            return "\n".join(report_lines(report))
        case ReviewList() as listing:
            lines = [list_heading(listing), *map(review_line, listing.rows)]
            more = more_line(listing, len(listing.rows))
            return "\n".join([*lines, more] if more else lines)
        case ReviewDetail() as detail:
            return "\n".join([*detail_lines(detail), "", "Timeline:", *timeline_lines(detail), "",
                              "Open actions:", *action_lines(detail, today)])
        case HistoryPage() as page:
            return "\n".join([f"*History of {page.reference}*", *history_lines(page)])
        case RoleList() as roles:
            return "\n".join(role_lines(roles))
        case FormNeeded(verb=verb):
            return f"Usage: `{g.USAGE[verb]}`"
        case g.Help(topic=topic):
            return "\n".join(help_lines(topic))
    raise TypeError(f"no wording for {type(result).__name__}")
