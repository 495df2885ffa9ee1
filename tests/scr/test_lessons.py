"""Lessons you can monitor: evidence that an action was done, and its impact review, through the commands."""

import pytest

from scr import service
from scr.grammar import CommandError, JudgeAction, parse
from tests.conftest import TODAY

EDITOR = service.Actor("UEDITOR")


@pytest.fixture
def plan(run):
    run("new SCR-1 initiated=2026-01-05")
    run("complete SCR-1 on=2026-06-20")
    run("withhold SCR-1 reason=\"a sibling's safety\" on=2026-07-01")  # the councillor's case: never published
    run('action SCR-1 add "Train duty social workers" owner=<@U0OWNER> due=2026-06-01')
    return run


def _action(sessions):
    with sessions() as session:
        return service.find_review(session, "SCR-1").actions[0]


def _trail(run):
    return [(e.field, e.old, e.new) for e in run("history SCR-1").entries if e.field.startswith("action 1 ")]


def test_done_with_evidence_and_then_its_impact(plan, sessions):
    done = plan('action SCR-1 done 1 evidence="training register, 42 of 45 staff" on=2026-05-20')
    assert done.message == "Action 1 of `SCR-1` done on 2026-05-20."
    judged = plan('action SCR-1 impact 1 partly note="audit found two missed referrals" on=2026-09-01')
    assert judged.message == "Action 1 of `SCR-1`: partly effective, impact reviewed 2026-09-01."
    action = _action(sessions)
    assert (action.done.isoformat(), action.evidence) == ("2026-05-20", "training register, 42 of 45 staff")
    assert (action.impact, action.impact_note, action.impact_on.isoformat()) == (
        "partly", "audit found two missed referrals", "2026-09-01")
    assert _trail(plan) == [
        ("action 1 done", None, "2026-05-20"),
        ("action 1 evidence", None, "training register, 42 of 45 staff"),
        ("action 1 impact", None, "partly"),
        ("action 1 impact note", None, "audit found two missed referrals"),
        ("action 1 impact on", None, "2026-09-01"),
    ]


def test_done_without_evidence_asks_for_it_and_takes_it_later(plan, sessions):
    assert "Record what shows it" in plan("action SCR-1 done 1 on=2026-05-20").message
    later = plan('action SCR-1 done 1 evidence="register"')
    assert later.message == "Action 1 of `SCR-1` (done 2026-05-20): evidence recorded."
    assert _action(sessions).evidence == "register"
    assert "nothing changed" in plan("action SCR-1 done 1").message


def test_a_second_impact_review_replaces_the_verdict_and_the_trail_keeps_both(plan, sessions):
    plan("action SCR-1 done 1 on=2026-05-20")
    plan("action SCR-1 impact 1 not on=2026-08-01")
    plan("action SCR-1 impact 1 effective on=2026-11-01")
    assert _action(sessions).impact == "effective"
    assert [t for t in _trail(plan) if t[0] == "action 1 impact"] == [
        ("action 1 impact", None, "not"), ("action 1 impact", "not", "effective")]
    assert "nothing changed" in plan("action SCR-1 impact 1 effective on=2026-11-01").message


@pytest.mark.parametrize(("text", "words"), [
    ("action SCR-1 impact 1 effective", "not done yet"),
    ("action SCR-1 impact 9 effective", "Action 9 of `SCR-1` not found"),
    ("action SCR-1 impact 1 brilliant", "effective, partly, not"),
    ('action SCR-1 impact 1 "effective"', "effective, partly, not"),
    ("action SCR-1 impact 1", "Usage"),
    ("action SCR-1 impact x effective", "not an action number"),
    ('action SCR-1 done 1 proof="x"', "`proof` is not something `action` takes"),
])
def test_bad_lessons_say_what_to_fix_and_change_nothing(plan, sessions, text, words):
    with pytest.raises(CommandError, match=words):
        plan(text)
    action = _action(sessions)
    assert (action.done, action.impact) == (None, None)


def test_an_impact_review_cannot_come_before_the_action_was_done(plan):
    plan("action SCR-1 done 1 on=2026-05-20")
    with pytest.raises(CommandError, match="before the action was done"):
        plan("action SCR-1 impact 1 effective on=2026-05-01")


def test_viewers_may_not_record_lessons(plan):
    with pytest.raises(CommandError, match="You don't have permission"):
        plan("action SCR-1 done 1", who=service.Actor("UVIEWER"))


def test_the_grammar_reads_an_impact_review():
    assert parse('action SCR-1 impact 2 NOT note="no change in audits"', TODAY) == JudgeAction(
        "SCR-1", 2, "not", "no change in audits", TODAY)
