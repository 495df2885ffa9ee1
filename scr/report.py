"""The board's report: the figures for a period, as a pure function of the records, the period and `as_of`.

Counts are of events dated within the period; "now" (what is overdue or held, each review's state against its
six-month mark, each action's state) is as things stand on `as_of`. The caller loads the records in a fixed number
of queries (`scr.service.load_report`); nothing here touches the database or the clock.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal, Protocol

from scr.deadlines import ReviewDates, add_months, publication_due
from scr.rulebook import PUBLICATION, Rulebook

# The partnership's year runs April to March, as its annual report counts it.
YEAR_STARTS = 4
_YEAR = re.compile(r"(\d{4})/(\d{2})")

Status = Literal["on time", "late", "overdue", "held", "running"]
# The states of an action, in the order a board reads them: the last three are the impact review's verdicts.
ACTION_STATES = ("open", "overdue", "done, no evidence", "done with evidence", "effective", "partly effective",
                 "not effective")
IMPACTS = {"effective": "effective", "partly": "partly effective", "not": "not effective"}


class ReportReview(ReviewDates, Protocol):
    reference: str
    title: str
    delay_reason: str | None


class ReportAction(Protocol):
    reference: str  # its review's
    number: int
    due: date
    done: date | None
    evidence: str | None
    impact: str | None  # effective, partly, not
    impact_on: date | None


@dataclass(frozen=True)
class ReportPeriod:
    start: date
    end: date  # the last day counted
    label: str

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end


def last_twelve_months(as_of: date) -> ReportPeriod:
    start = add_months(as_of, -12) + timedelta(days=1)
    return ReportPeriod(start, as_of, f"the twelve months to {as_of.isoformat()}")


def partnership_year(text: str) -> ReportPeriod:
    """`2025/26`: 1 April 2025 to 31 March 2026."""
    match = _YEAR.fullmatch(text.strip())
    if not match or (int(match.group(1)) + 1) % 100 != int(match.group(2)):
        raise ValueError(f"`period={text}` is not a partnership year: write it as YYYY/YY, e.g. 2025/26 "
                         f"(April 2025 to March 2026).")
    first = int(match.group(1))
    return ReportPeriod(date(first, YEAR_STARTS, 1), date(first + 1, YEAR_STARTS, 1) - timedelta(days=1),
                        f"the year {first}/{match.group(2)} (April to March)")


def choose_period(as_of: date, start: date | None = None, end: date | None = None,
                  year: str | None = None) -> ReportPeriod:
    """The period asked for (`from=`/`to=`, or `period=`), else the last twelve months; `ValueError` says why not."""
    if year is not None:
        if start or end:
            raise ValueError("Give either period=YYYY/YY or from=/to= dates, not both.")
        return partnership_year(year)
    if start is None and end is None:
        return last_twelve_months(as_of)
    if start is None:
        start = last_twelve_months(end).start
    end = end or as_of
    if start > end:
        raise ValueError(f"The report starts {start.isoformat()}, after it ends {end.isoformat()}: "
                         f"check from= and to=.")
    return ReportPeriod(start, end, f"{start.isoformat()} to {end.isoformat()}")


@dataclass(frozen=True)
class Counts:
    notifications: int = 0
    begun: int = 0
    completed: int = 0
    completed_in_six_months: int = 0
    published: int = 0
    withheld: int = 0
    referred: int = 0


@dataclass(frozen=True)
class Timeline:
    """One review against its six-month mark: decision → completion → publication."""

    reference: str
    title: str
    decided: date
    due: date  # the six-month mark
    completed: date | None
    published: date | None
    withheld: date | None
    status: Status
    days: int  # late or overdue by, or left before the mark ("running"); 0 when on time
    hold: str | None  # the parallel proceedings holding it now


@dataclass(frozen=True)
class Attention:
    """A review that needs the board's attention now, and why."""

    reference: str
    title: str
    why: str


@dataclass(frozen=True)
class ActionPlan:
    reference: str
    states: dict[str, int]  # every one of ACTION_STATES


@dataclass(frozen=True)
class Report:
    period: ReportPeriod
    as_of: date
    counts: Counts
    median_days_to_completion: float | None
    median_days_to_publication: float | None
    attention: tuple[Attention, ...]
    timelines: tuple[Timeline, ...]
    actions: dict[str, int]  # in total, every one of ACTION_STATES
    action_plans: tuple[ActionPlan, ...]  # per review with actions, by reference


def _finished(review: ReportReview, book: Rulebook) -> date | None:
    """The date that met the six-month mark, as the regime's rulebook counts it."""
    return next((getattr(review, f) for f in book.milestone(PUBLICATION).met_by if getattr(review, f)), None)


def _timeline(review: ReportReview, book: Rulebook, as_of: date) -> Timeline:
    due = publication_due(review.initiated, book)
    finished = _finished(review, book)
    hold = review.delay_reason if finished is None else None
    if finished is not None:
        late = (finished - due).days
        status: Status = "late" if late > 0 else "on time"
        days = max(late, 0)
    elif hold:
        status, days = "held", max((as_of - due).days, 0)
    elif as_of > due:
        status, days = "overdue", (as_of - due).days
    else:
        status, days = "running", (due - as_of).days
    return Timeline(review.reference, review.title, review.initiated, due, review.completed, review.published,
                    review.withheld, status, days, hold)


def _in_period(review: ReportReview, period: ReportPeriod) -> bool:
    """Its six months overlap the period: decided by the period's end and not closed before it began."""
    closed = review.published or review.withheld
    decided = review.initiated
    return decided is not None and decided <= period.end and (closed is None or closed >= period.start)


def _attention(review: ReportReview, timeline: Timeline | None) -> Attention | None:
    if review.withheld is not None and review.referred is None:
        why = "withheld and not yet referred to the national panel"
    elif review.published is not None or review.withheld is not None:
        return None
    elif review.delay_reason:
        why = f"held by parallel proceedings: {review.delay_reason}"
    elif timeline is not None and timeline.status == "overdue":
        why = f"overdue by {timeline.days} day{'' if timeline.days == 1 else 's'} (due {timeline.due.isoformat()})"
    else:
        return None
    return Attention(review.reference, review.title, why)


def action_state(action: ReportAction, as_of: date) -> str:
    if action.impact:
        return IMPACTS[action.impact]
    if action.done is not None:
        return "done with evidence" if action.evidence else "done, no evidence"
    return "overdue" if action.due < as_of else "open"


def _action_in_period(action: ReportAction, period: ReportPeriod) -> bool:
    """Still open, or done or judged within the period or since: what was settled before it began is history."""
    return action.done is None or action.done >= period.start or (
        action.impact_on is not None and action.impact_on >= period.start)


def _median(values: list[int]) -> float | None:
    return float(statistics.median(values)) if values else None


def build_report(reviews: Iterable[ReportReview], actions: Iterable[ReportAction], period: ReportPeriod,
                 as_of: date, rulebooks: dict[str, Rulebook]) -> Report:
    """The figures of `period` from the records, in one pass over each."""
    counts = dict.fromkeys(Counts.__dataclass_fields__, 0)
    to_completion: list[int] = []
    to_publication: list[int] = []
    attention: list[Attention] = []
    timelines: list[Timeline] = []
    for review in reviews:
        book = rulebooks[review.regime]
        counts["notifications"] += review.notified in period
        counts["begun"] += review.initiated in period
        counts["withheld"] += review.withheld in period
        counts["referred"] += review.referred in period
        if review.completed in period:
            counts["completed"] += 1
            if review.initiated is not None:
                to_completion.append((review.completed - review.initiated).days)
                counts["completed_in_six_months"] += review.completed <= publication_due(review.initiated, book)
        if review.published in period:
            counts["published"] += 1
            if review.initiated is not None:
                to_publication.append((review.published - review.initiated).days)
        timeline = _timeline(review, book, as_of) if review.initiated is not None else None
        if timeline is not None and _in_period(review, period):
            timelines.append(timeline)
        flagged = _attention(review, timeline)
        if flagged is not None:
            attention.append(flagged)
    total = dict.fromkeys(ACTION_STATES, 0)
    per_review: dict[str, dict[str, int]] = {}
    for action in actions:
        if not _action_in_period(action, period):
            continue
        state = action_state(action, as_of)
        total[state] += 1
        per_review.setdefault(action.reference, dict.fromkeys(ACTION_STATES, 0))[state] += 1
    return Report(
        period=period,
        as_of=as_of,
        counts=Counts(**counts),
        median_days_to_completion=_median(to_completion),
        median_days_to_publication=_median(to_publication),
        attention=tuple(sorted(attention, key=lambda a: a.reference)),
        timelines=tuple(sorted(timelines, key=lambda t: (t.decided, t.reference))),
        actions=total,
        action_plans=tuple(ActionPlan(reference, states) for reference, states in sorted(per_review.items())),
    )
