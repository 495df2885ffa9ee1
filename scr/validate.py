"""The one check of a review's dates and regime, called by every path that changes a record: command, form, button
and import. It raises `CommandError` naming the field to fix, so that nothing half-checked is ever written.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from functools import cache

from scr.deadlines import add_months
from scr.grammar import CommandError
from scr.models import DATE_FIELDS, Review
from scr.rulebook import TRANSITION_FROM, Guidance

EARLIEST = date(1990, 1, 1)
# Dates the board sets ahead of time; every other date records something that has happened.
AHEAD = frozenset({"planned", "delay_until"})

# Each date, and the dates it cannot come before. Checked through every chain (incident → aware → notified …), so a
# gap in the record (no `completed` yet) still keeps `published` after `initiated`.
AFTER: dict[str, tuple[str, ...]] = {
    "aware": ("incident",),
    "notified": ("aware",),
    "rapid": ("aware", "notified"),
    "rapid_sent": ("rapid",),
    "decided": ("aware",),
    "initiated": ("aware",),
    "completed": ("initiated",),
    "planned": ("initiated",),
    "copied": ("completed",),
    "published": ("completed", "copied", "withheld"),  # a withheld LCSPR's improvements follow the decision
    "withheld": ("completed",),
    "referred": ("withheld", "decided"),
    # The Panel may have been told of a hold before it was recorded here (`delay_from`): only its end comes after.
    "delay_until": ("delay_from",),
}


@cache
def _earlier(field: str) -> frozenset[str]:
    """Every date that must not be later than `field`, directly or through a chain."""
    found: set[str] = set()
    for before in AFTER.get(field, ()):
        found |= {before, *_earlier(before)}
    return frozenset(found)


def check_dates(dates: Mapping[str, date | None], today: date) -> None:
    """Refuse a date that is implausible (before 1990, in the future for an event, over a year ahead for a plan) or
    out of order with another (nothing completed before it was initiated, published before it was completed,
    referred before it was withheld)."""
    latest = add_months(today, 12)
    for field, value in dates.items():
        if value is None:
            continue
        if value < EARLIEST:
            raise CommandError(f"The {field} date {value.isoformat()} is before 1990: check the year (YYYY-MM-DD).",
                               field)
        if field in AHEAD and value > latest:
            raise CommandError(f"The {field} date {value.isoformat()} is more than a year ahead: check the year "
                               f"(YYYY-MM-DD).", field)
        if field not in AHEAD and value > today:
            raise CommandError(f"The {field} date {value.isoformat()} is in the future: give the date it happened as "
                               f"YYYY-MM-DD.", field)
    for field, value in dates.items():
        if value is None:
            continue
        for before in sorted(_earlier(field)):
            other = dates.get(before)
            if other is not None and value < other:
                raise CommandError(f"The {field} date {value.isoformat()} is before the {before} date "
                                   f"{other.isoformat()}: check both dates (YYYY-MM-DD).", field)


# Facts that only make sense beside another: (field, what it needs, why).
NEEDS = (
    ("rapid", ("notified",), "no rapid review without a serious incident notification (Panel FAQ)"),
    ("completed", ("initiated",), "a report is completed after the decision to hold the review"),
    ("copied", ("completed",), "the copy before publication is of the final report"),
    ("published", ("completed", "withheld"), "a published report (or its improvements) follows a completed one"),
    ("referred", ("withheld", "decided"), "a referral to the national panel records a decision not to publish "
                                          "(or, for an SCR, not to hold a review)"),
    ("withheld_reason", ("withheld",), "the reason explains a decision not to publish"),
    ("withheld", ("withheld_reason",), "the national panel is told why a report is not published"),
    ("withheld", ("completed",), "a decision not to publish is about a completed report"),
    ("decided", ("decision_reason",), "the national panel is told why no review is held"),
    ("delay_until", ("delay_reason",), "a hold is recorded with its reason"),
    ("delay_told", ("delay_reason",), "a hold is recorded with its reason"),
)


def check_review(review: Review, today: date) -> None:
    """The rules every recorded review keeps, however it changes (command, form, button, import).

    Raises `CommandError` naming the first rule broken and the field to fix.
    """
    check_dates({field: getattr(review, field) for field in DATE_FIELDS}, today)
    reference = review.reference
    for field, needs, why in NEEDS:
        if getattr(review, field) is not None and all(getattr(review, other) is None for other in needs):
            raise CommandError(f"`{reference}` has {field} but no {' or '.join(needs)}: {why}. "
                               f"Give its {needs[0]} too.", needs[0])
    # A withheld LCSPR publishes its improvements instead; an SCR is published or withheld.
    if review.published is not None and review.withheld is not None and review.regime == "scr":
        raise CommandError(f"`{reference}` cannot be both published and withheld: an SCR is one or the other (a "
                           f"withheld LCSPR publishes its improvements). Keep the one that happened.", "withheld")
    if review.decided is not None and review.initiated is not None:
        raise CommandError(f"`{reference}` cannot record both a decision to hold a review (initiated) and one not to "
                           "(decided): keep the one that was taken.", "decided")


def regime_date(dates: Mapping[str, date | None], today: date) -> tuple[str, date]:
    """The date that decides the regime, and its name: the decision to initiate, else awareness, else the incident."""
    for field in ("initiated", "aware", "incident"):
        if dates.get(field) is not None:
            return field, dates[field]
    return "today", today


def settle_regime(current: str | None, chosen: str | None, dates: Mapping[str, date | None], today: date,
                  guidance: Guidance) -> str:
    """The regime a review follows: `chosen` where its date allows it, else the one the date gives.

    A regime chosen against the date is refused, naming both; a review whose date moved keeps its regime while the
    date still allows it, and follows the date otherwise.
    """
    field, day = regime_date(dates, today)
    allowed = guidance.regimes_on(day)
    if chosen is not None:
        if chosen not in allowed:
            which = (f"with no incident, aware or initiated date, begun today ({day.isoformat()}),"
                     if field == "today" else f"whose {field} date is {day.isoformat()}")
            raise CommandError(
                f"A review {which} is {_regime_name(allowed[0])}, not "
                f"{_regime_name(chosen)}: the choice exists only for dates from {TRANSITION_FROM.isoformat()} to "
                f"{guidance.lcspr_from - timedelta(days=1)} (the day before SCR_LCSPR_FROM). Leave regime= out (in a "
                f"form, choose Follow the date).", "regime")
        return chosen
    return current if current in allowed else allowed[0]


def _regime_name(regime: str) -> str:
    return {"scr": "an SCR (regime=scr)", "lcspr": "an LCSPR (regime=lcspr)"}[regime]
