"""The rulebooks of DOMAIN.md, rule by rule, with the dates the issue lists (hand-worked)."""

from datetime import date

import pytest

from scr.deadlines import assess
from scr.notices import NoticeRules, plan_notices
from scr.rulebook import LCSPR, RULEBOOKS, SCR, parse_rules, rulebooks
from tests.scr.records import ReviewFacts as R

D = date.fromisoformat
RULES = NoticeRules(reminder_days=(28, 14, 7, 1), repeat_days=7, digest_day="off",
                    reminder_channel="CREMIND", escalation_channel="CESC")


def state(review, as_of, name, book=None):
    book = book or RULEBOOKS[review.regime]
    return assess(review, D(as_of), book).state(name)


def kinds(reviews, as_of, last=None, guidance=RULEBOOKS):
    return [(n.kind, n.window) for n in plan_notices(reviews, [], D(as_of), RULES, guidance, last or {}, {})]


@pytest.mark.parametrize("regime", ["scr", "lcspr"])
@pytest.mark.parametrize(("initiated", "due"), [
    ("2026-08-31", "2027-02-28"),
    ("2027-08-29", "2028-02-29"),
    ("2027-08-30", "2028-02-29"),
    ("2027-08-31", "2028-02-29"),
    ("2028-02-29", "2028-08-29"),
])
def test_six_calendar_months_clamped_to_a_shorter_month(regime, initiated, due):
    assert assess(R(regime=regime, initiated=D(initiated)), D(initiated), RULEBOOKS[regime]).due == D(due)


@pytest.mark.parametrize("regime", ["scr", "lcspr"])
@pytest.mark.parametrize(("aware", "due"), [
    ("2026-06-20", "2026-06-26"),  # a Saturday: five working days are Mon 22 … Fri 26
    ("2026-08-28", "2026-09-07"),  # a Friday before the summer bank holiday (Mon 31 August)
])
def test_notification_counts_five_working_days_from_awareness(regime, aware, due):
    aware_only = state(R(regime=regime, incident=D("2026-06-01"), aware=D(aware)), aware, "notification")
    assert (aware_only.due, aware_only.started_by) == (D(due), "aware")
    incident_only = state(R(regime=regime, incident=D(aware)), aware, "notification")
    assert (incident_only.due, incident_only.started_by) == (D(due), "incident")  # status says so


@pytest.mark.parametrize(("aware", "due"), [
    ("2026-12-14", "2027-01-07"),  # over Christmas, the substitute Boxing Day (28th) and New Year's Day
    ("2026-03-25", "2026-04-17"),  # over Good Friday (3 April) and Easter Monday (6 April)
])
def test_rapid_review_is_15_working_days_and_met_only_by_rapid(aware, due):
    review = R(aware=D(aware), notified=D(aware))
    assert state(review, aware, "rapid_review").due == D(due)
    review.rapid = D(due)
    assert state(review, due, "rapid_review").state == "met"


def test_rapid_review_anchor_is_configurable_and_needs_a_notification():
    review = R(aware=D("2026-12-14"))
    assert state(review, "2026-12-14", "rapid_review").state == "not started"
    assert state(review, "2026-12-14", "rapid_review").waiting_for == "notified"
    review.notified = D("2026-12-16")
    assert state(review, "2026-12-16", "rapid_review", rulebooks("notified")["lcspr"]).due == D("2027-01-11")


def test_scr_decision_within_a_month_of_the_notification():
    review = R(regime="scr", notified=D("2017-01-31"))
    assert state(review, "2017-02-01", "decision").due == D("2017-02-28")
    review.decided, review.decision = D("2017-02-20"), "no-review"
    assert state(review, "2017-03-01", "decision").state == "met"


@pytest.mark.parametrize(("withheld", "needed", "words"), [
    ("2012-12-01", False, None),                                    # before the national panel (SCR_PANEL_FROM)
    ("2014-12-01", True, "the national panel of independent experts"),
    ("2018-09-03", True, "the Child Safeguarding Practice Review Panel, the national panel"),
])
def test_referral_of_an_scr_withheld_follows_its_date(withheld, needed, words):
    review = R(regime="scr", initiated=D("2012-01-02"), completed=D("2012-06-01"), withheld=D(withheld))
    assessment = assess(review, D(withheld), SCR)
    assert assessment.needs_referral is needed
    referral = assessment.state("referral")
    assert referral.state == ("pending" if needed else "not needed")
    if words:
        assert words in referral.label


def test_an_scr_completed_on_time_and_held_for_trial_is_never_escalated():
    review = R(regime="scr", initiated=D("2017-01-10"), completed=D("2017-06-01"), planned=D("2017-09-01"),
               delay_reason="Criminal trial", delay_from=D("2017-06-05"))
    assert not assess(review, D("2017-11-01"), SCR).overdue
    assert kinds([review], "2017-09-07") == []  # completion met; the planned date waits for the trial
    review.delay_reason = review.delay_from = None
    # Without the hold: the copy (an unconfirmed rule) and the board's own planned date remind, never escalate.
    assert kinds([review], "2017-08-29") == [("copy.overdue", "2017-08-29"), ("planned.reminder", "2017-09-01/7")]
    assert kinds([review], "2017-09-07") == [("planned.overdue", "2017-09-07")]  # the copy ended with the date


def test_a_hold_pauses_escalations_then_ends_with_a_notice():
    review = R(initiated=D("2026-01-05"), delay_reason="Inquest", delay_from=D("2026-06-01"),
               delay_until=D("2026-11-20"), delay_told=D("2026-06-02"))
    assert kinds([review], "2026-11-18") == []
    assert assess(review, D("2026-11-18"), LCSPR).overdue  # status still shows it overdue, and held
    assert kinds([review], "2026-11-23") == [("hold.ended", "2026-11-20"), ("publication.overdue", "2026-11-23")]


def test_an_lcspr_hold_reminds_until_the_panel_and_secretary_of_state_are_told():
    review = R(initiated=D("2026-01-05"), delay_reason="Trial", delay_from=D("2026-11-02"))
    assert kinds([review], "2026-11-25") == [("hold_told.overdue", "2026-11-25")]
    review.delay_told = D("2026-11-24")
    assert kinds([review], "2026-11-25") == []


def test_no_review_ends_the_deadlines():
    lcspr = R(aware=D("2026-11-02"), notified=D("2026-11-04"), decided=D("2026-11-10"), decision="no-review")
    assert kinds([lcspr], "2026-12-15") == []
    states = {s.milestone.name: s.state for s in assess(lcspr, D("2026-12-15"), LCSPR).milestones}
    assert states["publication"] == "not needed"
    assert states["rapid_review"] == "not recorded"  # the decision came without one: too late to chase, never done
    assert states["rapid_sent"] == "not started"  # would follow a recorded rapid review (it goes with the decision)
    scr = R(regime="scr", aware=D("2017-03-01"), notified=D("2017-03-02"), decided=D("2017-03-06"),
            decision="no-review")
    assert state(scr, "2017-03-06", "referral_no_review").due == D("2017-03-20")  # the panel told within 14 days
    assert kinds([scr], "2017-03-21") == [("referral_no_review.overdue", "2017-03-21")]
    scr.referred = D("2017-03-15")
    assert kinds([scr], "2017-03-21") == []


def test_the_copy_counts_back_from_the_planned_publication():
    assert state(R(initiated=D("2026-05-01"), planned=D("2026-09-15")), "2026-08-01", "copy").due == D("2026-09-04")
    scr = R(regime="scr", initiated=D("2017-05-01"), planned=D("2017-09-15"))
    assert state(scr, "2017-08-01", "copy").due == D("2017-09-08")  # an SCR's week
    published = R(initiated=D("2026-03-02"), planned=D("2026-09-15"), completed=D("2026-09-01"),
                  published=D("2026-09-15"))
    assert state(published, "2026-11-25", "copy").state == "not recorded"  # never "done" without a date


def test_a_withheld_lcspr_still_owes_its_improvements():
    review = R(initiated=D("2026-03-02"), completed=D("2026-08-01"), withheld=D("2026-08-10"))
    assert state(review, "2026-08-10", "publication").state == "met"
    assert state(review, "2026-08-10", "improvements").due == D("2026-09-02")
    review.published = D("2026-08-20")
    assert state(review, "2026-08-20", "improvements").state == "met"


def test_a_partnership_sets_its_unconfirmed_rules_otherwise():
    """DOMAIN.md: unconfirmed rules stay configurable (SCR_RULES): off, remind, escalate or another period."""
    review = R(initiated=D("2026-05-01"), planned=D("2026-09-15"))
    assert ("copy.overdue", "2026-09-07") in kinds([review], "2026-09-07")
    longer = rulebooks(rules=parse_rules("lcspr.copy=10 working days"))
    assert assess(review, D("2026-08-01"), longer["lcspr"]).state("copy").due == D("2026-09-01")
    def copy_channels(guidance):
        return [notice.channel for notice in plan_notices([review], [], D("2026-09-07"), RULES, guidance, {}, {})
                if notice.kind.startswith("copy")]

    assert copy_channels(RULEBOOKS) == ["CREMIND"]  # unconfirmed: by default a reminder, never an escalation
    assert copy_channels(rulebooks(rules=parse_rules("lcspr.copy=escalate"))) == ["CESC"]  # an escalation instead
    off = rulebooks(rules=parse_rules("lcspr.copy=off"))
    assert "copy" not in {m.name for m in off["lcspr"].milestones}
    assert not [kind for kind, _ in kinds([review], "2026-09-07", guidance=off) if kind.startswith("copy")]
    assert off["scr"].milestone("copy") == SCR.milestone("copy")  # the other regime's rule is untouched


def test_an_scr_completion_is_met_by_its_completed_date_before_a_withholding():
    # A decision not to publish is taken on a finished report: where the completion was not recorded (older
    # records), the withholding is the latest it can have been; where it was, that date counts.
    review = R(regime="scr", initiated=D("2016-01-05"), withheld=D("2016-09-10"))
    assert (state(review, "2016-09-10", "completion").met_by, review.withheld) == ("withheld", D("2016-09-10"))
    review.completed = D("2016-06-01")
    completion = state(review, "2016-09-10", "completion")
    assert (completion.state, completion.met_on, completion.met_by) == ("met", D("2016-06-01"), "completed")
