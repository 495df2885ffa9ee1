"""The deadline engine: given a review and an `as_of` date, every milestone's due date and state.

Pure functions over plain data; the calendar arithmetic (six calendar months with the month-end clamp, working days
in England and Wales) lives here and nowhere else.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import Literal, Protocol

import holidays

from scr.rulebook import PUBLICATION, Milestone, Period, Rulebook


class ReviewDates(Protocol):
    """What the engine reads of a review (the ORM `Review` has it)."""

    regime: str
    incident: date | None
    notified: date | None
    initiated: date | None
    completed: date | None
    published: date | None
    withheld: date | None
    referred: date | None


State = Literal["met", "pending", "overdue", "not started", "not needed"]


@dataclass(frozen=True)
class MilestoneState:
    milestone: Milestone
    due: date | None
    met_on: date | None
    state: State
    days_left: int | None


@dataclass(frozen=True)
class Assessment:
    due: date | None
    days_left: int | None
    stage: str
    overdue: bool
    needs_referral: bool
    milestones: tuple[MilestoneState, ...]


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
    return None if initiated is None else shift(initiated, book.milestone(PUBLICATION).period)


def latest_start_overdue(as_of: date, book: Rulebook) -> date:
    """The latest `initiated` date whose publication deadline is already past on `as_of`.

    Adding calendar months never moves a later start to an earlier due date, so "overdue" is `initiated <= this`:
    a query can filter and sort by `initiated` instead of computing every due date.
    """
    period = book.milestone(PUBLICATION).period
    candidate = shift(as_of, period, before=True)
    while shift(candidate, period) >= as_of:
        candidate -= timedelta(days=1)
    while shift(candidate + timedelta(days=1), period) < as_of:
        candidate += timedelta(days=1)
    return candidate


def _milestone_state(review: ReviewDates, milestone: Milestone, due: date | None, as_of: date) -> MilestoneState:
    met_on = next((getattr(review, f) for f in milestone.met_by if getattr(review, f) is not None), None)
    closed = review.published is not None or review.withheld is not None
    days_left = None if due is None else (due - as_of).days
    if met_on is not None:
        state: State = "met"
    elif closed:
        state = "not needed"
    elif due is None:
        state = "not started"
    else:
        state = "overdue" if as_of > due else "pending"
    return MilestoneState(milestone, due, met_on, state, days_left)


def stage(review: ReviewDates, book: Rulebook) -> str:
    if review.published is not None:
        return "published"
    if review.withheld is not None:
        referral = "referred to" if review.referred else "needs referral to"
        return f"withheld, {referral} the national panel"
    if review.completed is not None:
        return "completed, awaiting publication"
    if review.initiated is not None:
        return "under review"
    if review.notified is not None:
        return "rapid review" if book.regime == "lcspr" else "awaiting decision to initiate"
    return "awaiting notification"


def assess(review: ReviewDates, as_of: date, book: Rulebook) -> Assessment:
    """Every milestone of `review` under `book`, as things stand on `as_of`."""
    due = publication_due(review.initiated, book)
    states = []
    for milestone in book.milestones:
        start = due if milestone.starts == "due" else getattr(review, milestone.starts)
        milestone_due = None if start is None else shift(start, milestone.period, before=milestone.before)
        states.append(_milestone_state(review, milestone, milestone_due, as_of))
    is_open = review.published is None and review.withheld is None
    return Assessment(
        due=due,
        days_left=None if due is None else (due - as_of).days,
        stage=stage(review, book),
        overdue=is_open and due is not None and as_of > due,
        needs_referral=review.withheld is not None and review.referred is None,
        milestones=tuple(states),
    )
