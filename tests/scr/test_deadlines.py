from datetime import date, timedelta

import pytest

from scr.deadlines import (
    add_months,
    add_working_days,
    assess,
    is_working_day,
    latest_start_overdue,
    next_working_day,
    publication_due,
)
from scr.rulebook import RULEBOOKS, SCR
from tests.scr.records import ReviewFacts as Facts

D = date.fromisoformat


@pytest.mark.parametrize(("start", "months", "expected"), [
    ("2026-03-02", 6, "2026-09-02"),   # SPEC's example
    ("2025-08-31", 6, "2026-02-28"),   # month-end clamp
    ("2027-08-31", 6, "2028-02-29"),   # leap year
    ("2023-08-29", 6, "2024-02-29"),
    ("2023-08-30", 6, "2024-02-29"),
    ("2026-07-31", 6, "2027-01-31"),   # across a year end
    ("2026-12-31", 2, "2027-02-28"),
    ("2026-05-31", 1, "2026-06-30"),
    ("2026-01-15", -6, "2025-07-15"),
    ("2026-03-31", -1, "2026-02-28"),
])
def test_calendar_months_clamp_to_the_end_of_a_shorter_month(start, months, expected):
    assert add_months(D(start), months) == D(expected)


@pytest.mark.parametrize(("day", "working"), [
    ("2026-11-25", True),    # a Wednesday
    ("2026-11-28", False),   # Saturday
    ("2026-11-29", False),   # Sunday
    ("2026-12-25", False),   # Christmas Day
    ("2026-12-28", False),   # Boxing Day falls on a Saturday: substitute Monday
    ("2026-04-03", False),   # Good Friday
    ("2026-04-06", False),   # Easter Monday
    ("2022-09-19", False),   # one-off: the State Funeral
    ("2023-05-08", False),   # one-off: the Coronation
    ("2026-08-31", False),   # summer bank holiday in England (not Scotland's)
    ("2026-08-03", True),    # Scotland's summer bank holiday is a working day in England
])
def test_working_days_skip_weekends_and_england_and_wales_bank_holidays(day, working):
    assert is_working_day(D(day)) is working


@pytest.mark.parametrize(("start", "count", "expected"), [
    ("2026-11-25", 5, "2026-12-02"),   # Wed + 5 working days, over a weekend
    ("2026-12-22", 5, "2026-12-31"),   # over Christmas and the substitute Boxing Day
    ("2026-12-30", 2, "2027-01-04"),   # over New Year's Day
    ("2026-04-01", 2, "2026-04-07"),   # over Easter
    ("2026-11-28", 1, "2026-11-30"),   # counted from a Saturday
    ("2026-12-02", -5, "2026-11-25"),  # backwards
    ("2026-11-25", 0, "2026-11-25"),
])
def test_adding_working_days(start, count, expected):
    assert add_working_days(D(start), count) == D(expected)


def test_next_working_day_is_the_day_itself_when_it_works():
    assert next_working_day(D("2026-11-25")) == D("2026-11-25")
    assert next_working_day(D("2026-12-25")) == D("2026-12-29")


def _states(facts, as_of, book=SCR):
    return {m.milestone.name: m for m in assess(facts, D(as_of), book).milestones}


def test_an_open_review_past_six_months_is_overdue():
    facts = Facts(initiated=D("2026-03-02"))
    assessment = assess(facts, D("2026-09-03"), SCR)
    assert assessment.due == D("2026-09-02")
    assert assessment.overdue and assessment.days_left == -1
    assert assessment.stage == "under review"
    assert not assess(facts, D("2026-09-02"), SCR).overdue  # due today is not yet overdue


@pytest.mark.parametrize("closing", [{"published": D("2026-10-01")}, {"withheld": D("2026-10-01")}])
def test_a_published_or_withheld_review_is_never_overdue(closing):
    facts = Facts(initiated=D("2026-03-02"), completed=D("2026-09-20"), **closing)
    assert not assess(facts, D("2027-06-01"), SCR).overdue


@pytest.mark.parametrize("as_of", ["2026-02-28", "2026-03-01", "2026-08-31", "2028-02-29", "2026-11-25", "2027-03-31"])
def test_latest_start_overdue_splits_overdue_from_not_overdue(as_of):
    as_of = D(as_of)
    for regime, book in RULEBOOKS.items():
        cutoff = latest_start_overdue(as_of, book)
        assert publication_due(cutoff, book) < as_of, regime
        assert publication_due(cutoff + timedelta(days=1), book) >= as_of, regime
