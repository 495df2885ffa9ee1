"""The lifecycle's verbs as an editor types them: each one's answer, what `status REF` then shows, what the history
keeps, and the refusals a user can meet (each of which changes nothing). Today is 2026-11-25."""

import re

import pytest
from sqlalchemy import func, select

from scr import present
from scr.grammar import CommandError
from scr.models import AuditEntry
from scr.present import TERMINAL
from tests.conftest import TODAY


def status(run, reference: str = "R-1") -> str:
    return present.as_text(run(f"status {reference}"), TODAY, TERMINAL)


def changes(run, reference: str = "R-1") -> list[tuple[str, str | None, str | None]]:
    return [(e.field, e.old, e.new) for e in run(f"history {reference}").entries]


@pytest.fixture
def refused(run, sessions):
    """Run a command that must be refused with an answer containing `words`, and check that it wrote nothing."""

    def refused(text: str, words: str) -> None:
        with sessions() as session:
            before = session.scalar(select(func.count()).select_from(AuditEntry))
        with pytest.raises(CommandError, match=re.escape(words)):
            run(text)
        with sessions() as session:
            assert session.scalar(select(func.count()).select_from(AuditEntry)) == before

    return refused


def test_rapid_then_sent_to_the_panel(run, refused):
    run("new R-1 aware=2026-11-02 notified=2026-11-04")
    assert run("rapid R-1 on=2026-11-20").message == (
        "Recorded: `R-1` rapid review done on 2026-11-20. Once it goes to the Panel: "
        "`/scr rapid R-1 sent=YYYY-MM-DD`.")
    # What the answer says to do next works: the rapid review already recorded is the one sent.
    assert run("rapid R-1 sent=2026-11-23").message == (
        "Recorded: `R-1` rapid review done on 2026-11-20, sent to the Panel on 2026-11-23.")
    assert run("rapid R-1 sent=2026-11-24").message == (
        "`R-1` was already sent to the Panel on 2026-11-23; nothing changed. To correct the date: "
        "`/scr update R-1 rapid_sent=2026-11-24`.")
    shown = status(run)
    assert "ok Rapid review: done 2026-11-20 (rapid)" in shown
    assert "ok Rapid review sent to the Panel: done 2026-11-23 (rapid_sent)" in shown
    run("update R-1 rapid=2026-11-19")
    assert changes(run)[-3:] == [("rapid", None, "2026-11-20"), ("rapid_sent", None, "2026-11-23"),
                                 ("rapid", "2026-11-20", "2026-11-19")]


def test_rapid_refusals(run, refused):
    run("new OLD initiated=2016-03-02")
    refused("rapid OLD on=2016-03-10", "`OLD` is an SCR: rapid reviews belong to LCSPRs")
    run("new R-1 aware=2026-11-02 notified=2026-11-04")
    refused("rapid R-1 on=2026-11-01", "The rapid date 2026-11-01 is before the aware date 2026-11-02")
    refused("rapid R-1 on=2026-11-20 sent=2026-11-19", "The rapid_sent date 2026-11-19 is before the rapid date")
    refused("rapid R-1 on=2026-11-26", "The rapid date 2026-11-26 is in the future")
    refused("update R-1 rapid=2026-11-20", "`R-1` has no rapid date to correct: record it with `/scr rapid R-1")


def test_decide_to_review_starts_the_six_months(run, refused):
    run("new R-1 aware=2026-10-01 notified=2026-10-02")
    refused("decide R-1 review on=2026-09-30", "The initiated date 2026-09-30 is before the aware date 2026-10-01")
    assert run("decide R-1 review on=2026-10-20").message == (
        "Recorded: `R-1` initiated on 2026-10-20; its six months run to 2027-04-20.")
    assert "Completion and publication: due 2027-04-20" in status(run)
    assert run("decide R-1 review on=2026-10-21").message.startswith(
        "`R-1` was already initiated on 2026-10-20; nothing changed.")
    refused('decide R-1 no-review reason="x"', "`R-1` was initiated on 2026-10-20: a review is under way")


def test_decide_no_review_ends_an_lcspr_and_an_scr_still_tells_the_panel(run, refused):
    run("new R-1 aware=2026-10-01 notified=2026-10-02")
    refused("decide R-1 no-review", "needs its reason")
    assert run('decide R-1 no-review reason="Criteria not met" on=2026-10-20').message == (
        "Recorded: no review of `R-1`, decided 2026-10-20. Its deadlines end here.")
    shown = status(run)
    assert "Stage: no review: decided 2026-10-20" in shown
    assert "Completion and publication: ended by the decision not to hold a review" in shown
    assert "Reason for no review: Criteria not met" in shown
    assert ("decision", None, "no-review") in changes(run) and ("decided", None, "2026-10-20") in changes(run)

    run("new OLD aware=2017-03-01 notified=2017-03-02")
    assert run('decide OLD no-review reason="Criteria not met" on=2017-03-06').message == (
        "Recorded: no review of `OLD`, decided 2017-03-06. The national panel of independent experts must be told "
        "within 14 days: `/scr refer OLD` once told.")
    assert "Needs referral to the national panel" in status(run, "OLD")
    run("refer OLD on=2017-03-15")
    assert "Needs referral" not in status(run, "OLD")
    # The decision reversed: a review after all. The history keeps the decision it replaced.
    run("decide R-1 review on=2026-11-02")
    assert changes(run)[-4:] == [("decision", "no-review", "review"), ("decided", "2026-10-20", None),
                                 ("decision_reason", "Criteria not met", None), ("initiated", None, "2026-11-02")]


def test_copy_before_publication(run, refused):
    run("new R-1 initiated=2026-03-02")
    refused("copy R-1", "`R-1` has no completed date: the copy is of the final report")
    run("complete R-1 on=2026-08-20")
    run("update R-1 planned=2026-12-15")
    assert "Copy to the Panel and the Secretary of State: due 2026-12-04, 9 days left" in status(run)
    refused("copy R-1 on=2026-08-19", "The copied date 2026-08-19 is before the completed date 2026-08-20")
    assert run("copy R-1 on=2026-11-24").message == (
        "Recorded: `R-1` copied to the Panel and the Secretary of State on 2026-11-24.")
    assert "ok Copy to the Panel and the Secretary of State: done 2026-11-24 (copied)" in status(run)
    refused("publish R-1 on=2026-11-23", "The published date 2026-11-23 is before the copied date 2026-11-24")
    run("new OLD initiated=2016-03-02")
    run("complete OLD on=2016-08-20")
    assert run("copy OLD on=2016-09-01").message == "Recorded: `OLD` copied to the DfE and Ofsted on 2016-09-01."


def test_publish_with_its_web_address(run, refused):
    run("new R-1 initiated=2026-03-02")
    refused("publish R-1 url=javascript:alert(1)", "`url=javascript:alert(1)` is not a web address: give it as https://")
    refused("publish R-1 url=https://example.org/a|b", "not a web address")
    refused("publish R-1 on=2026-09-01", "`R-1` has no completed date")  # never inferred from the publication
    run("complete R-1 on=2026-08-20")
    refused("publish R-1 on=2026-08-19", "The published date 2026-08-19 is before the completed date 2026-08-20")
    assert run("publish R-1 on=2026-09-01 url=https://example.org/r-1").message == (
        "Recorded: `R-1` published on 2026-09-01.")
    assert "Published at: https://example.org/r-1" in status(run)
    assert run("publish R-1 url=https://example.org/reviews/r-1").message == (
        "Recorded the web address of `R-1` (published 2026-09-01).")
    assert changes(run)[-1] == ("url", "https://example.org/r-1", "https://example.org/reviews/r-1")


def test_a_hold_recorded_told_extended_and_cleared(run, refused):
    run("new R-1 initiated=2026-03-02")
    refused("delay R-1 until=2027-03-01", "`R-1` has no hold yet: give its reason")
    refused('delay R-1 reason="Criminal trial" until=2026-11-24',
            "The delay_until date 2026-11-24 is before the delay_from date 2026-11-25")
    refused('delay R-1 reason="Criminal trial" until=2027-12-01', "more than a year ahead")
    assert run('delay R-1 reason="Criminal trial" until=2027-03-01').message == (
        "Recorded the hold on `R-1` until 2027-03-01: its escalations of completion and publication pause. Tell the "
        "Panel and the Secretary of State, then `/scr delay R-1 told=YYYY-MM-DD`.")
    assert ("Held by parallel proceedings (until 2027-03-01; escalations of completion and publication paused): "
            "Criminal trial" in status(run))
    assert "(escalations paused by the hold)" in status(run)  # the review is overdue, and held
    refused("delay R-1 told=2026-11-26", "The delay_told date 2026-11-26 is in the future")
    # Told before the hold was recorded here: that is when it happened.
    run("delay R-1 told=2026-11-20")
    assert "ok Delay told to the Panel and the Secretary of State: done 2026-11-20 (delay_told)" in status(run)
    assert run("delay R-1 until=2027-06-01").message.startswith("Recorded the hold on `R-1` until 2027-06-01")
    assert run("delay R-1 until=2027-06-01").message == "`R-1` already has that hold; nothing changed."
    assert run("delay R-1 clear").message == "Cleared the hold on `R-1`: its escalations resume."
    assert "Held by" not in status(run)
    assert run("delay R-1 clear").message == "`R-1` has no hold to clear; nothing changed."
    held = [change for change in changes(run) if change[0].startswith("delay")]
    assert held == [
        ("delay_reason", None, "Criminal trial"), ("delay_from", None, "2026-11-25"),
        ("delay_until", None, "2027-03-01"), ("delay_told", None, "2026-11-20"),
        ("delay_until", "2027-03-01", "2027-06-01"),
        ("delay_reason", "Criminal trial", None), ("delay_from", "2026-11-25", None),
        ("delay_until", "2027-06-01", None), ("delay_told", "2026-11-20", None),
    ]
