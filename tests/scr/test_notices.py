from dataclasses import dataclass, replace
from datetime import date

import pytest

from scr.notices import NoticeRules, plan_notices
from scr.rulebook import RULEBOOKS
from tests.scr.records import ReviewFacts as R

D = date.fromisoformat
RULES = NoticeRules(reminder_days=(28, 14, 7, 1), repeat_days=7, digest_day="monday",
                    reminder_channel="CREMIND", escalation_channel="CESC")


@dataclass
class A:
    id: int
    reference: str
    number: int
    text: str
    owner: str
    due: date
    done: date | None = None


def plan(reviews, as_of, actions=(), last=None, snoozed=None, rules=RULES):
    notices = plan_notices(reviews, actions, D(as_of), rules, RULEBOOKS, last or {}, snoozed or {})
    return [n for n in notices if n.kind != "digest"]


def kinds(notices):
    return [(n.kind, n.window) for n in notices]


# Initiated 2026-06-10: due 2026-12-10 (a Thursday).
OPEN = R(initiated=D("2026-06-10"))


@pytest.mark.parametrize(("as_of", "expected"), [
    ("2026-11-11", []),                                              # 29 days before: nothing yet
    ("2026-11-12", [("publication.reminder", "2026-12-10/28")]),     # 28 days
    ("2026-11-26", [("publication.reminder", "2026-12-10/14")]),     # 14 days
    ("2026-12-03", [("publication.reminder", "2026-12-10/7")]),      # 7 days (and the copy is due today)
    ("2026-12-09", [("publication.reminder", "2026-12-10/1")]),
])
def test_a_reminder_at_each_threshold(as_of, expected):
    assert [k for k in kinds(plan([OPEN], as_of)) if k[0].startswith("publication")] == expected


def test_several_thresholds_passed_at_once_post_one_reminder_for_the_nearest():
    notices = plan([OPEN], "2026-12-04")  # 6 days left: 28, 14 and 7 have all passed
    assert kinds(notices) == [("publication.reminder", "2026-12-10/7")]  # the copy, due yesterday, never escalates
    assert notices[0].channel == "CREMIND"


def test_overdue_escalations_repeat_every_repeat_days_and_replace_reminders():
    first = plan([OPEN], "2026-12-11")
    assert kinds(first) == [("publication.overdue", "2026-12-11")]
    assert "SCR-1" in first[0].text and "overdue" in first[0].text
    assert first[0].channel == "CESC"
    last = {("review:1", "publication.overdue"): D("2026-12-11")}
    assert plan([OPEN], "2026-12-17", last=last) == []
    assert kinds(plan([OPEN], "2026-12-18", last=last)) == [("publication.overdue", "2026-12-18")]


def test_referral_escalation_until_the_referral_is_recorded():
    held = R(initiated=D("2026-03-02"), withheld=D("2026-09-01"))
    notices = plan([held], "2026-09-24")
    # An LCSPR withheld still owes its improvements (due 2026-09-02): a reminder, never an escalation (an unconfirmed
    # rule), for four weeks.
    assert kinds(notices) == [("improvements.overdue", "2026-09-24"), ("referral.overdue", "2026-09-24")]
    assert notices[0].channel == "CREMIND"
    assert "SCR-1" in notices[1].text and "national panel" in notices[1].text
    assert notices[1].buttons == ("scr_refer", "scr_snooze")
    assert kinds(plan([held], "2026-11-25")) == [("referral.overdue", "2026-11-25")]  # the referral never stops
    referred = R(initiated=D("2026-03-02"), withheld=D("2026-09-01"), referred=D("2026-09-20"))
    assert kinds(plan([referred], "2026-09-24")) == [("improvements.overdue", "2026-09-24")]


@pytest.mark.parametrize("day", ["2026-12-12", "2026-12-13", "2026-12-25", "2026-12-28"])
def test_nothing_goes_out_on_weekends_or_bank_holidays(day):
    assert plan_notices([OPEN], [], D(day), RULES, RULEBOOKS, {}, {}) == []


def test_what_fell_on_a_weekend_goes_out_on_the_next_working_day():
    # The 7-day reminder for a review due Monday 2026-12-14 falls on Monday 2026-12-07; the 1-day on Sunday 13th.
    review = R(initiated=D("2026-06-14"))
    assert kinds(plan([review], "2026-12-11")) == [("publication.reminder", "2026-12-14/7")]
    on_the_day = plan([review], "2026-12-14")
    assert kinds(on_the_day)[0] == ("publication.reminder", "2026-12-14/0")
    assert "is due 2026-12-14, today" in on_the_day[0].text


def test_other_milestones_follow_the_same_pattern():
    notified_late = R(incident=D("2026-11-16"))  # notification due in 5 working days: 2026-11-23
    assert kinds(plan([notified_late], "2026-11-20")) == [("notification.reminder", "2026-11-23/7")]
    notices = plan([notified_late], "2026-11-25")
    assert kinds(notices) == [("notification.overdue", "2026-11-25")]
    lcspr = R(regime="lcspr", incident=D("2026-11-03"), notified=D("2026-11-04"))  # rapid review due 2026-11-24
    assert kinds(plan([lcspr], "2026-11-23")) == [("rapid_review.reminder", "2026-11-24/1")]
    no_dates = R()
    assert plan([no_dates], "2026-11-25") == []  # no starting date, no deadline, no notice


def test_overdue_actions_are_told_to_their_owners():
    action = A(7, "SCR-1", 2, "Audit GP referrals", "U0OWNER", D("2026-11-20"))
    notices = plan([], "2026-11-25", actions=[action])
    assert kinds(notices) == [("action.overdue", "2026-11-25")]
    assert notices[0].channel == "U0OWNER" and "Action 2 of SCR-1 is overdue" in notices[0].text


def test_a_snoozed_notice_waits_for_its_snooze_to_end():
    snoozed = {("review:1", "publication.overdue"): D("2026-12-18")}
    assert plan([OPEN], "2026-12-17", snoozed=snoozed) == []
    assert kinds(plan([OPEN], "2026-12-18", snoozed=snoozed)) == [("publication.overdue", "2026-12-18")]


def _digest(reviews, as_of, day="monday"):
    rules = NoticeRules((28, 14, 7, 1), 7, day, "CREMIND", "CESC")
    return [n for n in plan_notices(reviews, [], D(as_of), rules, RULEBOOKS, {}, {}) if n.kind == "digest"]


def test_weekly_digest_on_its_day():
    # On Tuesday the digest due is still Monday's, under Monday's key: the ledger has it already if Monday ran.
    assert [d.window for d in _digest([OPEN], "2026-11-24")] == ["2026-11-23"]
    monday = _digest([OPEN, R(id=2, reference="OLD", initiated=D("2026-01-05")),
                      R(id=3, reference="PUB", initiated=D("2026-01-05"), published=D("2026-11-26"))], "2026-11-30")
    assert monday[0].window == "2026-11-30" and monday[0].channel == "CREMIND"
    assert "1 overdue" in monday[0].text and "1 published" in monday[0].text
    assert "*Overdue* (1): OLD" in monday[0].lines


def test_digest_with_nothing_to_report_says_so_and_off_turns_it_off():
    assert "nothing to report" in _digest([OPEN], "2026-11-30")[0].text
    assert _digest([OPEN], "2026-11-30", day="off") == []


def test_a_digest_day_on_a_bank_holiday_moves_to_the_next_working_day():
    # Monday 2026-12-28 is the substitute Boxing Day.
    assert _digest([], "2026-12-28") == []
    assert _digest([], "2026-12-29")[0].window == "2026-12-28"


def test_closed_reviews_raise_nothing():
    published = R(initiated=D("2025-01-01"), published=D("2025-07-01"))
    assert plan([published], "2026-11-25") == []


def test_same_facts_same_day_same_notices():
    reviews = [OPEN, R(id=2, reference="X", initiated=D("2026-03-01"), withheld=D("2026-09-01"))]
    assert plan(reviews, "2026-12-11") == plan(reviews, "2026-12-11")
    assert len({n.key for n in plan(reviews, "2026-12-11")}) == 2  # X's improvements were reminded until 09-29
    assert plan(reviews, "2026-12-11", last={}) != plan(reviews, "2026-12-11",
                                                         last={("review:2", "referral.overdue"): D("2026-12-10")})


def test_notice_text_is_inert_in_slack_markup():
    risky = R(title="<!here> & Child", initiated=D("2026-01-05"), delay_reason="<@U123> trial",
              delay_from=D("2026-06-01"), delay_until=D("2026-11-01"))
    notices = plan([risky], "2026-11-25")
    assert all("SCR-1 (&lt;!here&gt; &amp; Child)" in notice.text for notice in notices)
    assert all("trial" not in " ".join((notice.text, *notice.lines)) for notice in notices)  # never the reason


def test_notices_say_a_hold_runs_but_never_why():
    """Notices go to channels: references, titles and deadlines, never reasons (the hold's names a trial)."""
    held = R(initiated=D("2026-01-05"), delay_reason="Criminal trial of the father, Crown Court")
    soon = R(id=2, reference="SCR-2", initiated=D("2026-06-10"), delay_reason="Inquest into the death")
    notices = plan([held, soon], "2026-11-25")
    assert notices
    for notice in notices:
        shown = " ".join([notice.text, *notice.lines])
        assert "trial" not in shown and "Inquest" not in shown
    # SCR-1's escalation waits for the hold to end; SCR-2's reminder still goes, saying that a hold runs.
    assert [n.lines for n in notices] == [("Held for parallel proceedings: `/scr status SCR-2` gives the reason.",)]


def test_the_owner_is_asked_about_impact_once_the_set_days_after_done():
    done = A(7, "SCR-9", 2, "Train the duty team", "U0OWNER", D("2026-06-01"), done=D("2026-08-27"))  # + 90 = 11-25
    assert plan([], "2026-11-24", [done]) == []
    [notice] = plan([], "2026-11-25", [done])
    assert (notice.kind, notice.subject, notice.window, notice.channel) == (
        "action.impact", "action:7", "2026-11-25", "U0OWNER")
    assert notice.text.startswith("Impact review: action 2 of SCR-9 was done 2026-08-27, 90 days ago. Did it work?")
    assert "/scr action SCR-9 impact 2 effective|partly|not" in notice.lines[0]
    # Later runs plan the same notice (the ledger keeps one); the days are a setting.
    assert plan([], "2026-12-01", [done])[0].key == notice.key
    assert plan([], "2026-11-25", [done], rules=replace(RULES, impact_days=91)) == []
