"""Which notices are due: a pure function of the records, what was already sent, and `as_of`.

Each notice has a stable identity (kind, subject, window): the same facts on the same day plan the same notices,
so the ledger that stores them (`jobs.ledger`) can refuse the second copy.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Protocol

from scr.deadlines import ReviewDates, assess, is_working_day, next_working_day, shift
from scr.present import days, report_lines, safe
from scr.report import Report
from scr.rulebook import Rulebook
from scr.settings import WEEKDAYS

# Button action IDs a notice can carry (the Slack listeners handle them; see bot.blocks).
PUBLISH, REFER, SNOOZE = "scr_publish", "scr_refer", "scr_snooze"
HOLD_ENDED = "hold.ended"
ACTION_OVERDUE = "action.overdue"
ACTION_IMPACT = "action.impact"
# Notices about an action go to its owner, a person: a Teams channel has no owners.
TO_OWNERS = (ACTION_OVERDUE, ACTION_IMPACT)
REPORT = "report"
DIGEST = "digest"


class ReviewFacts(ReviewDates, Protocol):
    id: int
    reference: str
    title: str
    delay_reason: str | None
    open: bool  # one `status` lists (scr.models.OPEN_WHERE), not only a recent publication


class ActionFacts(Protocol):
    id: int
    reference: str
    number: int
    text: str
    owner: str
    due: date
    done: date | None  # done ones are here for their impact review, not yet recorded


@dataclass(frozen=True)
class NoticeRules:
    reminder_days: tuple[int, ...]
    repeat_days: int
    digest_day: str
    reminder_channel: str
    escalation_channel: str
    impact_days: int = 90  # after an action is done, when its owner is asked whether it worked


@dataclass(frozen=True)
class Notice:
    kind: str  # e.g. publication.reminder, publication.overdue, referral, action.overdue, digest
    subject: str  # review:ID, action:ID or digest
    window: str  # what makes a repeat a new notice: the threshold, the day of the escalation, the week
    channel: str  # a channel ID, or an action owner's user ID
    text: str  # plain text: what phones show
    lines: tuple[str, ...] = ()  # the body, in Slack's light mark-up
    reference: str | None = None
    buttons: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.subject}:{self.window}"


@dataclass
class Digest:
    open: int = 0
    overdue: list[str] = field(default_factory=list)
    needs_referral: list[str] = field(default_factory=list)
    held: list[str] = field(default_factory=list)
    published: list[str] = field(default_factory=list)
    undeliverable: list[str] = field(default_factory=list)  # references whose notices were given up this week


def _label(review: ReviewFacts) -> str:
    return f"{review.reference} ({safe(review.title)})" if review.title else review.reference


def _repeats(last: date | None, as_of: date, rules: NoticeRules) -> bool:
    return last is None or (as_of - last).days >= rules.repeat_days


def _review_notices(review: ReviewFacts, as_of: date, book: Rulebook, rules: NoticeRules,
                    last_sent: dict[tuple[str, str], date], digest: Digest) -> Iterable[Notice]:
    """The notices one review calls for on `as_of`. They carry its reference, title and dates, never its reasons."""
    subject = f"review:{review.id}"
    assessment = assess(review, as_of, book)
    name = _label(review)
    if review.published is not None and review.published > as_of - timedelta(days=7):
        digest.published.append(review.reference)
    if assessment.hold_ended is not None:
        until = assessment.hold_ended.isoformat()
        yield Notice(
            HOLD_ENDED, subject, until, rules.reminder_channel,
            f"The hold on {name} was expected to end on {until}: its escalations resume.",
            (f"Extend it with `/scr delay {review.reference} until=YYYY-MM-DD`, or end it with "
             f"`/scr delay {review.reference} clear`.",), review.reference)
    # A notice goes to a channel: it says that a hold runs, never why (the reason is for `status`, asked privately).
    held = ((f"Held for parallel proceedings: `/scr status {review.reference}` gives the reason.",)
            if assessment.held else ())
    # The digest counts what `status` lists: open reviews, with or without a deadline running.
    if review.open:
        digest.open += 1
    if assessment.late:
        digest.overdue.append(review.reference)
    if assessment.needs_referral:
        digest.needs_referral.append(review.reference)
    if assessment.held:
        until = review.delay_until.isoformat() if review.delay_until else "no end date"
        digest.held.append(f"{review.reference} (until {until})")
    for state in (s for s in assessment.milestones if s.state in ("pending", "overdue")):
        milestone = state.milestone
        # Once the review itself is overdue, its escalation replaces its other reminders about completion and
        # publication (the other duties, referrals and the hold's own reminder still go).
        if assessment.overdue and milestone.held_by_delay and not milestone.deadline:
            continue
        buttons = (PUBLISH,) if milestone.name in ("publication", "planned", "improvements") else ()
        buttons = (REFER,) if milestone.referral else buttons
        if state.state == "overdue":
            # A running hold pauses the overdue notices about completion and publication, which it delays.
            kind = f"{milestone.name}.overdue"
            if (assessment.held and milestone.held_by_delay) or not _repeats(last_sent.get((subject, kind)), as_of,
                                                                             rules):
                continue
            if milestone.escalates:
                yield Notice(kind, subject, as_of.isoformat(), rules.escalation_channel,
                             f"Escalation: {state.label} for {name} is overdue: it was due {state.due.isoformat()}, "
                             f"{days(-state.days_left)} ago.", held, review.reference, (*buttons, SNOOZE))
            elif as_of <= shift(state.due, milestone.reminds_for):
                yield Notice(kind, subject, as_of.isoformat(), rules.reminder_channel,
                             f"Reminder: {state.label} for {name} was due {state.due.isoformat()} "
                             f"({days(-state.days_left)} ago) and is not recorded yet.", held, review.reference,
                             (*buttons, SNOOZE))
            continue
        passed = [threshold for threshold in (*rules.reminder_days, 0) if state.days_left <= threshold]
        if passed:
            when = "today" if state.days_left == 0 else f"in {days(state.days_left)}"
            yield Notice(f"{milestone.name}.reminder", subject, f"{state.due.isoformat()}/{min(passed)}",
                         rules.reminder_channel,
                         f"Reminder: {state.label} for {name} is due {state.due.isoformat()}, {when}.", held,
                         review.reference, buttons)


def _impact_notice(action: ActionFacts, as_of: date, rules: NoticeRules) -> Notice | None:
    """Once, `impact_days` after the action was done: did it work? The window is that day, so it is never repeated."""
    review_on = action.done + timedelta(days=rules.impact_days)
    if review_on > as_of:
        return None
    usage = f"/scr action {action.reference} impact {action.number} effective|partly|not note=\"…\""
    return Notice(
        ACTION_IMPACT, f"action:{action.id}", review_on.isoformat(), action.owner,
        f"Impact review: action {action.number} of {action.reference} was done {action.done.isoformat()}, "
        f"{days(rules.impact_days)} ago. Did it work? {safe(action.text)}",
        (f"Record what you found: `{usage}`",),
        action.reference,
    )


def _action_notice(action: ActionFacts, as_of: date, rules: NoticeRules,
                   last_sent: dict[tuple[str, str], date]) -> Notice | None:
    if action.done is not None:
        return _impact_notice(action, as_of, rules)
    subject = f"action:{action.id}"
    if action.due >= as_of or not _repeats(last_sent.get((subject, ACTION_OVERDUE)), as_of, rules):
        return None
    late = days((as_of - action.due).days)
    return Notice(
        ACTION_OVERDUE, subject, as_of.isoformat(), action.owner,
        f"Action {action.number} of {action.reference} is overdue ({late}): {safe(action.text)}",
        (f"Due {action.due.isoformat()}. Once it is done: `/scr action {action.reference} done {action.number}`",),
        action.reference,
    )


def _digest_notice(digest: Digest, as_of: date, rules: NoticeRules) -> Notice | None:
    if rules.digest_day == "off":
        return None
    # The digest's day this week, or last week's if that has not come yet; a holiday moves it to the next working day.
    nominal = as_of - timedelta(days=(as_of.weekday() - WEEKDAYS.index(rules.digest_day)) % 7)
    if next_working_day(nominal) > as_of:
        return None
    lines = [f"Open reviews: {digest.open}"]
    for heading, references in (("Overdue", digest.overdue),
                                ("Needs referral to the national panel", digest.needs_referral),
                                ("Held for parallel proceedings (publication not escalated)", digest.held),
                                ("Published in the last week", digest.published),
                                ("Notices that could not be delivered", digest.undeliverable)):
        if references:
            shown = ", ".join(references[:20]) + (f" and {len(references) - 20} more" if len(references) > 20 else "")
            lines.append(f"*{heading}* ({len(references)}): {shown}")
    quiet = not (digest.overdue or digest.needs_referral or digest.held or digest.published or digest.undeliverable)
    text = ("Weekly digest: nothing to report: no review is overdue, held or needs referral, and none was published."
            if quiet else
            f"Weekly digest: {len(digest.overdue)} overdue, {len(digest.needs_referral)} needing referral to the "
            f"national panel, {len(digest.published)} published."
            + (f" {len(digest.held)} held for parallel proceedings." if digest.held else "")
            + (f" {len(digest.undeliverable)} with notices that could not be delivered." if digest.undeliverable
               else ""))
    return Notice(DIGEST, DIGEST, nominal.isoformat(), rules.reminder_channel, text, tuple(lines))


def report_notice(report: Report, kind: str, channel: str) -> Notice:
    """The board's report on its schedule: the summary, without the reasons behind holds (notices carry none)."""
    c = report.counts
    text = (f"Board's report for {report.period.label}: {c.begun} reviews begun, {c.completed} completed "
            f"({c.completed_in_six_months} within six months), {c.published} published; "
            f"{len(report.attention)} need attention now.")
    return Notice(kind, REPORT, report.period.start.isoformat(), channel, text,
                  tuple(report_lines(report, reasons=False)[1:]))


def plan_notices(reviews: Iterable[ReviewFacts], actions: Iterable[ActionFacts], as_of: date, rules: NoticeRules,
                 rulebooks: dict[str, Rulebook], last_sent: dict[tuple[str, str], date],
                 snoozed: dict[tuple[str, str], date], undeliverable: Sequence[str] = ()) -> list[Notice]:
    """Every notice due on `as_of`. On a weekend or bank holiday nothing is due: it waits for the next working day.

    `last_sent` is the day each (subject, kind) was last noticed, for repeats; `snoozed` the day each snooze ends;
    `undeliverable` the references whose notices were given up in the past week, for the digest.
    """
    if not is_working_day(as_of):
        return []
    digest = Digest(undeliverable=list(undeliverable))
    notices = [notice for review in reviews
               for notice in _review_notices(review, as_of, rulebooks[review.regime], rules, last_sent, digest)]
    notices += filter(None, (_action_notice(action, as_of, rules, last_sent) for action in actions))
    notices.append(_digest_notice(digest, as_of, rules))
    return [notice for notice in notices
            if notice is not None and snoozed.get((notice.subject, notice.kind), as_of) <= as_of]
