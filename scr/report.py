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

from scr.deadlines import Assessment, ReviewDates, add_months, assess, shift
from scr.rulebook import Milestone, Rulebook

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
        raise ValueError("`period=` takes a partnership year: write it as YYYY/YY, e.g. 2025/26 "
                         "(April 2025 to March 2026).")
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


def scheduled_period(as_of: date, schedule: str) -> ReportPeriod:
    """The month (`monthly`) or the quarter (`quarterly`) that ended last before `as_of`.

    Quarters count from April, as the partnership's year does: April–June, July–September, and so on.
    """
    current = date(as_of.year, as_of.month, 1)
    months = 1
    if schedule == "quarterly":
        months = 3
        current = add_months(current, -((as_of.month - YEAR_STARTS) % 3))
    start = add_months(current, -months)
    end = current - timedelta(days=1)
    label = f"{start:%B %Y}" if months == 1 else f"the quarter {start:%B} to {end:%B %Y}"
    return ReportPeriod(start, end, label)


@dataclass(frozen=True)
class Counts:
    notifications: int = 0
    rapid_reviews: int = 0
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

    @property
    def finished(self) -> date | None:
        return self.published or self.withheld

    def describe(self) -> str:
        """The state in words, so that no chart or table relies on colour alone."""
        if self.status == "on time":
            return "on time"
        if self.status == "running":
            return f"running, {_days(self.days)} left"
        if self.status == "held":
            return f"held, {_days(self.days)} past the mark" if self.days else "held"
        return f"{self.status} by {_days(self.days)}"


@dataclass(frozen=True)
class Attention:
    """A review that needs the board's attention now, and why."""

    reference: str
    title: str
    why: str
    reason: str | None = None  # the hold's reason, as recorded: for the board, never for a channel's notice

    def describe(self, reasons: bool = True) -> str:
        return f"{self.why}: {self.reason}" if reasons and self.reason else self.why


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


def _days(count: int) -> str:
    return f"{count} day{'' if count == 1 else 's'}"


def _timeline(review: ReportReview, mark: Milestone, as_of: date, held: bool) -> Timeline:
    due = shift(review.initiated, mark.period)
    # The date that met the six-month mark, as the regime's rulebook counts it (an SCR's completion; an LCSPR's
    # publication).
    finished = next((getattr(review, f) for f in mark.met_by if getattr(review, f)), None)
    hold = review.delay_reason if finished is None and held else None
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


def _attention(review: ReportReview, assessment: Assessment, timeline: Timeline | None) -> Attention | None:
    """Why the board should look at `review` now, as `status` and the notices see it (`scr.deadlines.assess`)."""
    if assessment.needs_referral:
        decision = "withheld" if review.withheld is not None else "decided against a review"
        why = f"{decision} and not yet referred to the national panel"
    elif review.published is not None or review.withheld is not None or review.decision == "no-review":
        return None
    elif assessment.held:  # a hold in force: its `until` still to come, or none recorded
        return Attention(review.reference, review.title, "held by parallel proceedings", review.delay_reason)
    elif timeline is not None and timeline.status == "overdue":
        why = f"overdue by {_days(timeline.days)} (due {timeline.due.isoformat()})"
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
    # The six months, by regime: the rulebook's deadline (an SCR's completion; an LCSPR's publication).
    marks = {regime: next(m for m in book.milestones if m.deadline) for regime, book in rulebooks.items()}
    counts = dict.fromkeys(Counts.__dataclass_fields__, 0)
    to_completion: list[int] = []
    to_publication: list[int] = []
    attention: list[Attention] = []
    timelines: list[Timeline] = []
    for review in reviews:
        mark = marks[review.regime]
        counts["notifications"] += review.notified in period
        counts["rapid_reviews"] += review.rapid in period
        counts["begun"] += review.initiated in period
        counts["withheld"] += review.withheld in period
        counts["referred"] += review.referred in period
        if review.completed in period:
            counts["completed"] += 1
            if review.initiated is not None:
                to_completion.append((review.completed - review.initiated).days)
                counts["completed_in_six_months"] += review.completed <= shift(review.initiated, mark.period)
        if review.published in period:
            counts["published"] += 1
            if review.initiated is not None:
                to_publication.append((review.published - review.initiated).days)
        assessment = assess(review, as_of, rulebooks[review.regime])
        timeline = _timeline(review, mark, as_of, assessment.held) if review.initiated is not None else None
        if timeline is not None and _in_period(review, period):
            timelines.append(timeline)
        flagged = _attention(review, assessment, timeline)
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
