"""The deadline engine: given a review and an `as_of` date, every milestone's due date and state.

Pure functions over plain data; the calendar arithmetic (six calendar months with the month-end clamp, working days
in England and Wales) lives here and nowhere else.
"""

from __future__ import annotations

import calendar
from collections import namedtuple
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache, lru_cache
from typing import Literal, Protocol

import holidays

from scr.rulebook import Milestone, Period, Rulebook


class ReviewDates(Protocol):
    """What the engine reads of a review (the ORM `Review` has it): its regime, decision, hold and dates."""

    regime: str
    decision: str | None
    delay_reason: str | None
    incident: date | None
    aware: date | None
    notified: date | None
    rapid: date | None
    rapid_sent: date | None
    decided: date | None
    initiated: date | None
    completed: date | None
    planned: date | None
    copied: date | None
    published: date | None
    withheld: date | None
    referred: date | None
    delay_from: date | None
    delay_until: date | None
    delay_told: date | None


# A review's `ReviewDates` as a plain, hashable value: what `assess` remembers its assessments under.
Dates = namedtuple("Dates", ReviewDates.__annotations__)

ASSESSED = 4096  # assessments remembered: a list's reviews mostly did not change since it was last shown


# met: a recorded date meets it; pending/overdue: due, with days left or past; not started: no deadline until its
# starting date is recorded; not needed: ended (a no-review decision, a withheld report, a decision before the national
# panel existed); not recorded: its moment passed with nothing recorded, and nothing can be done about it now.
State = Literal["met", "pending", "overdue", "not started", "not needed", "not recorded"]


@dataclass(frozen=True)
class MilestoneState:
    milestone: Milestone
    label: str  # the milestone's label, the panel of its date named
    due: date | None
    met_on: date | None
    met_by: str | None  # the field whose date meets it
    state: State
    days_left: int | None
    waiting_for: str | None = None  # for "not started": the date still to record
    started_by: str | None = None  # the field its deadline counts from


@dataclass(frozen=True)
class Assessment:
    due: date | None  # the six months (completion; for an LCSPR, publication too)
    days_left: int | None
    stage: str
    overdue: bool
    needs_referral: bool
    held: bool  # a hold runs today: overdue escalations pause
    hold_ended: date | None  # the hold's `until` has passed without the hold being cleared or extended
    milestones: tuple[MilestoneState, ...]

    def state(self, name: str) -> MilestoneState | None:
        return next((s for s in self.milestones if s.milestone.name == name), None)

    @property
    def late(self) -> tuple[MilestoneState, ...]:
        """The milestones past due that escalate, referrals apart (counted on their own): any of them makes the
        review overdue in `status`, `list overdue` and the digest."""
        return tuple(s for s in self.milestones
                     if s.state == "overdue" and s.milestone.escalates and not s.milestone.referral)


def add_months(start: date, months: int) -> date:
    """`months` calendar months after `start`, clamped to the end of a shorter month (31 August → 28/29 February)."""
    index = start.year * 12 + start.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


@cache
def _bank_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("GB", subdiv="ENG", years=year)


def is_working_day(day: date) -> bool:
    """Not a Saturday, a Sunday or a bank holiday in England and Wales (substitute days included)."""
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def next_working_day(day: date) -> date:
    """`day` itself if it is a working day, else the first working day after it."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def add_working_days(start: date, count: int) -> date:
    """The `count`th working day after `start` (before it, for a negative count)."""
    step = timedelta(days=1 if count >= 0 else -1)
    day, remaining = start, abs(count)
    while remaining:
        day += step
        if is_working_day(day):
            remaining -= 1
    return day


def shift(start: date, period: Period, *, before: bool = False) -> date:
    sign = -1 if before else 1
    if period.unit == "months":
        return add_months(start, sign * period.amount)
    if period.unit == "working_days":
        return add_working_days(start, sign * period.amount)
    return start + timedelta(days=sign * period.amount)


def publication_due(initiated: date | None, book: Rulebook) -> date | None:
    """The review's six months from the decision to initiate: its deadline milestones all run to this date."""
    period = next(m.period for m in book.milestones if m.deadline)
    return None if initiated is None else shift(initiated, period)


def latest_start_overdue(as_of: date, book: Rulebook) -> date:
    """The latest `initiated` date whose six months are already past on `as_of`."""
    return latest_start_past(as_of, next(m.period for m in book.milestones if m.deadline))


def latest_start_past(as_of: date, period: Period, *, before: bool = False) -> date:
    """The latest starting date whose deadline (`period` after it, or before it) is already past on `as_of`.

    Shifting by calendar months or working days never moves a later start to an earlier due date, so "overdue" is
    `start <= this`: a query can filter by the starting date instead of computing every due date.
    """
    candidate = shift(as_of, period, before=not before)
    while shift(candidate, period, before=before) >= as_of:
        candidate -= timedelta(days=1)
    while shift(candidate + timedelta(days=1), period, before=before) < as_of:
        candidate += timedelta(days=1)
    return candidate


def _first(review: ReviewDates, fields: tuple[str, ...]) -> tuple[str | None, date | None]:
    return next(((f, getattr(review, f)) for f in fields if getattr(review, f) is not None), (None, None))


def _milestone_state(review: ReviewDates, milestone: Milestone, as_of: date, book: Rulebook) -> MilestoneState | None:
    """The state of one milestone; None where it does not apply to this review at all."""
    if any(getattr(review, f) is None for f in milestone.applies_if):
        return None
    started_by, start = _first(review, milestone.starts)
    label = milestone.label
    if milestone.referral and start is not None:
        panel = book.panel_on(start)
        label = label.format(panel=panel or "the national panel")
    met_by, met_on = _first(review, milestone.met_by)
    due = None if start is None else shift(start, milestone.period, before=milestone.before)
    days_left = None if due is None else (due - as_of).days

    def state(value: State, **extra) -> MilestoneState:
        return MilestoneState(milestone, label, due, met_on, met_by, value, days_left, started_by=started_by, **extra)

    if met_on is not None:
        return state("met")
    if any(getattr(review, f) is not None for f in milestone.ended_by):
        return state("not needed")
    if any(getattr(review, f) is not None for f in milestone.lapses_with) or \
            any(getattr(review, f) is not None and getattr(review, f) < as_of for f in milestone.ends_on):
        return state("not recorded")
    if review.decision == "no-review" and not milestone.outlives_no_review:
        return state("not needed")
    if milestone.referral and start is not None and book.panel_on(start) is None:
        return state("not needed")  # decided before the national panel existed (SCR_PANEL_FROM)
    missing = next((f for f in milestone.needs if getattr(review, f) is None), None)
    if start is None or missing is not None:
        return state("not started", waiting_for=missing or milestone.starts[0])
    return state("overdue" if as_of > due else "pending")


def stage(review: ReviewDates, book: Rulebook) -> str:
    """Where the review stands, derived from its dates."""
    if review.decision == "no-review":
        return f"no review: decided {review.decided.isoformat()}" if review.decided else "no review"
    if review.withheld is not None:
        return "withheld" + (", improvements published" if review.published else "")
    if review.published is not None:
        return "published"
    if review.completed is not None:
        return "completed, awaiting publication"
    if review.initiated is not None:
        return "under review"
    if review.rapid is not None:
        return "rapid review done, awaiting the decision"
    if review.notified is not None:
        return "rapid review" if book.regime == "lcspr" else "awaiting the decision whether to initiate"
    return "awaiting notification"


def assess(review: ReviewDates, as_of: date, book: Rulebook) -> Assessment:
    """Every milestone of `review` under `book`, as things stand on `as_of`."""
    return _assess(Dates._make(getattr(review, field) for field in Dates._fields), as_of, book)


@lru_cache(maxsize=ASSESSED)
def _assess(review: ReviewDates, as_of: date, book: Rulebook) -> Assessment:
    states = tuple(filter(None, (_milestone_state(review, m, as_of, book) for m in book.milestones)))
    due = publication_due(review.initiated, book) if review.decision != "no-review" else None
    held = review.delay_reason is not None and (review.delay_until is None or as_of <= review.delay_until)
    ended = review.delay_until if review.delay_reason is not None and not held else None
    return Assessment(
        due=due,
        days_left=None if due is None else (due - as_of).days,
        stage=stage(review, book),
        overdue=any(s.milestone.deadline and s.state == "overdue" for s in states),
        needs_referral=any(s.milestone.referral and s.state in ("pending", "overdue") for s in states),
        held=held,
        hold_ended=ended,
        milestones=states,
    )
