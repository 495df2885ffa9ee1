"""The board's report from a fixed set of reviews whose figures were worked out by hand (see each comment)."""

from dataclasses import dataclass
from datetime import date

import pytest

from scr.report import ACTION_STATES, build_report, choose_period, last_twelve_months, partnership_year
from scr.rulebook import RULEBOOKS
from tests.scr.records import ReviewFacts as R

D = date.fromisoformat
AS_OF = D("2026-11-25")
YEAR = partnership_year("2025/26")  # 2025-04-01 to 2026-03-31


@dataclass
class A:
    reference: str
    number: int
    due: date
    done: date | None = None
    evidence: str | None = None
    impact: str | None = None
    impact_on: date | None = None


REVIEWS = [
    # Decided before the year began, finished within it: on the timeline, counted as completed and published but
    # not as begun. Due 2025-09-25; published 2025-10-01, 6 days late. Completion 158 days, publication 190.
    R(reference="A", regime="lcspr", notified=D("2025-03-20"), initiated=D("2025-03-25"), completed=D("2025-08-30"),
      published=D("2025-10-01")),
    # Due 2025-11-01, published 2025-10-31: on time. Completion 167 days, publication 183.
    R(reference="B", regime="lcspr", notified=D("2025-04-10"), rapid=D("2025-04-28"), initiated=D("2025-05-01"), completed=D("2025-10-15"),
      published=D("2025-10-31")),
    # Due 2025-12-20, completed late (204 days) and never published: 340 days overdue on 2026-11-25.
    R(reference="C", regime="lcspr", notified=D("2025-06-02"), initiated=D("2025-06-20"), completed=D("2026-01-10")),
    # Due 2026-03-01; completed in 141 days, withheld 2026-02-01 (on time) and not referred: needs attention.
    R(reference="D", regime="lcspr", initiated=D("2025-09-01"), completed=D("2026-01-20"), withheld=D("2026-02-01")),
    # Due 2026-07-05 and held by a trial: "held", 143 days past its mark.
    R(reference="E", regime="lcspr", initiated=D("2026-01-05"), delay_reason="criminal trial"),
    # Closed before the year: in no figure of it.
    R(reference="F", regime="scr", initiated=D("2024-05-01"), completed=D("2024-10-01"), published=D("2024-12-01")),
    # Notified, and its rapid review done, after the year ended.
    R(reference="G", regime="lcspr", notified=D("2026-04-02"), rapid=D("2026-04-20")),
    # Decided on the year's last day (begun); due 2026-09-30, 56 days overdue.
    R(reference="H", regime="scr", initiated=D("2026-03-31")),
]

ACTIONS = [
    A("A", 1, D("2025-12-01"), done=D("2025-11-20"), evidence="audit", impact="effective", impact_on=D("2026-03-01")),
    A("A", 2, D("2026-01-01"), done=D("2026-02-01")),
    # The councillor's case: the lessons of a withheld report are still tracked.
    A("D", 1, D("2026-06-01"), done=D("2026-05-01"), evidence="training records", impact="partly",
      impact_on=D("2026-09-01")),
    A("D", 2, D("2026-12-31")),
    A("C", 1, D("2026-10-01")),
    A("E", 1, D("2026-05-01"), done=D("2026-04-10"), evidence="minutes"),
    A("F", 1, D("2025-01-01"), done=D("2025-01-01"), evidence="old"),  # settled before the year: history
    A("H", 1, D("2026-06-01"), done=D("2026-06-01"), evidence="policy", impact="not", impact_on=D("2026-10-01")),
]


def report(period=YEAR, reviews=REVIEWS, actions=ACTIONS):
    return build_report(reviews, actions, period, AS_OF, RULEBOOKS)


def test_counts_of_the_year():
    counts = report().counts
    assert counts.notifications == 2  # B, C (A before the year, G after it)
    assert counts.rapid_reviews == 1  # B (G's after the year)
    assert counts.begun == 5  # B, C, D, E, H
    assert counts.completed == 4  # A, B, C, D
    assert counts.completed_in_six_months == 3  # not C
    assert counts.published == 2  # A, B
    assert counts.withheld == 1
    assert counts.referred == 0


def test_medians_with_even_counts_take_the_middle_two():
    figures = report()
    assert figures.median_days_to_completion == 162.5  # 141, 158, 167, 204
    assert figures.median_days_to_publication == 186.5  # 183, 190


def test_median_of_an_odd_count():
    figures = report(reviews=REVIEWS[:3])  # completions 158, 167, 204
    assert figures.median_days_to_completion == 167


def test_timelines_include_a_review_spanning_the_start_of_the_year():
    rows = {row.reference: (row.status, row.days) for row in report().timelines}
    assert rows == {"A": ("late", 6), "B": ("on time", 0), "C": ("overdue", 340), "D": ("on time", 0),
                    "E": ("held", 143), "H": ("overdue", 56)}
    assert [row.reference for row in report().timelines] == ["A", "B", "C", "D", "E", "H"]  # by decision
    assert report().timelines[0].due == D("2025-09-25")


def test_what_needs_attention_now():
    assert [(a.reference, a.describe()) for a in report().attention] == [
        ("C", "overdue by 340 days (due 2025-12-20)"),
        ("D", "withheld and not yet referred to the national panel"),
        ("E", "held by parallel proceedings: criminal trial"),
        ("H", "overdue by 56 days (due 2026-09-30)"),
    ]


def test_actions_by_state_in_total_and_per_review():
    figures = report()
    assert figures.actions == {"open": 1, "overdue": 1, "done, no evidence": 1, "done with evidence": 1,
                               "effective": 1, "partly effective": 1, "not effective": 1}
    plans = {plan.reference: {k: v for k, v in plan.states.items() if v} for plan in figures.action_plans}
    assert plans == {"A": {"effective": 1, "done, no evidence": 1}, "C": {"overdue": 1},
                     "D": {"partly effective": 1, "open": 1}, "E": {"done with evidence": 1},
                     "H": {"not effective": 1}}
    assert all(list(plan.states) == list(ACTION_STATES) for plan in figures.action_plans)


def test_an_empty_period():
    figures = report(period=partnership_year("1995/96"))
    assert figures.counts.begun == figures.counts.published == figures.counts.notifications == 0
    assert figures.median_days_to_completion is None and figures.median_days_to_publication is None
    assert figures.timelines == ()
    assert len(figures.attention) == 4  # what needs attention now does not depend on the period


def test_no_records_at_all():
    figures = report(reviews=[], actions=[])
    assert figures.attention == figures.timelines == figures.action_plans == ()
    assert set(figures.actions.values()) == {0}


def test_the_default_period_is_the_last_twelve_months():
    period = last_twelve_months(AS_OF)
    assert (period.start, period.end) == (D("2025-11-26"), D("2026-11-25"))
    counts = report(period=period).counts
    assert counts.begun == 2  # E, H
    assert counts.notifications == counts.rapid_reviews == 1  # G


@pytest.mark.parametrize(("text", "start", "end"), [
    ("2025/26", "2025-04-01", "2026-03-31"),
    ("1999/00", "1999-04-01", "2000-03-31"),
])
def test_the_partnership_year_runs_april_to_march(text, start, end):
    period = partnership_year(text)
    assert (period.start, period.end) == (D(start), D(end))


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"year": "2025/27"}, "YYYY/YY"),
    ({"year": "2025"}, "YYYY/YY"),
    ({"year": "2025/26", "start": D("2026-01-01")}, "not both"),
    ({"start": D("2026-02-01"), "end": D("2026-01-01")}, "after it ends"),
])
def test_bad_periods_say_what_to_write(kwargs, message):
    with pytest.raises(ValueError, match=message):
        choose_period(AS_OF, **kwargs)


def test_from_and_to_alone():
    assert choose_period(AS_OF, start=D("2026-01-01")).end == AS_OF
    assert choose_period(AS_OF, end=D("2026-03-31")).start == D("2025-04-01")


def _now(*reviews):
    """Each review's state against its six-month mark, and why it needs attention, on AS_OF."""
    figures = report(period=last_twelve_months(AS_OF), reviews=list(reviews), actions=[])
    return ({row.reference: row.describe() for row in figures.timelines},
            {a.reference: a.describe() for a in figures.attention})


def test_the_six_month_mark_is_completion_for_an_scr_and_completion_and_publication_for_an_lcspr():
    # Both completed on time (due 2026-07-05), neither published: the guidance sets an SCR no publication deadline.
    scr = R(reference="SCR", regime="scr", initiated=D("2026-01-05"), completed=D("2026-06-01"))
    lcspr = R(reference="LCSPR", regime="lcspr", initiated=D("2026-01-05"), completed=D("2026-06-01"))
    assert _now(scr, lcspr) == ({"SCR": "on time", "LCSPR": "overdue by 143 days"},
                                {"LCSPR": "overdue by 143 days (due 2026-07-05)"})


def test_a_review_is_held_only_while_its_hold_is_in_force():
    def held_until(until):
        return R(reference="E", initiated=D("2026-01-05"), delay_reason="criminal trial", delay_from=D("2026-06-01"),
                 delay_until=until, delay_told=D("2026-06-02"))

    for until in (None, AS_OF, D("2027-03-01")):
        assert _now(held_until(until)) == ({"E": "held, 143 days past the mark"},
                                           {"E": "held by parallel proceedings: criminal trial"})
    # The trial ended: the reason stays on the record, but the review is overdue again, as `status` says.
    assert _now(held_until(D("2026-11-24"))) == ({"E": "overdue by 143 days"},
                                                  {"E": "overdue by 143 days (due 2026-07-05)"})


def test_referrals_the_board_must_see_follow_the_rulebook():
    no_review = R(reference="NR", regime="scr", notified=D("2017-03-02"), decided=D("2017-03-06"),
                  decision="no-review")
    before_the_panel = R(reference="OLD", regime="scr", initiated=D("2012-01-02"), completed=D("2012-06-01"),
                         withheld=D("2012-12-01"))
    lcspr_no_review = R(reference="L", decided=D("2026-11-10"), decision="no-review")
    assert _now(no_review, before_the_panel, lcspr_no_review)[1] == {
        "NR": "decided against a review and not yet referred to the national panel"}
    no_review.referred = D("2017-03-15")
    assert _now(no_review)[1] == {}
