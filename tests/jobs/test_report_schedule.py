"""The board's report on a schedule, and the impact reviews of done actions, through the ledger: exactly once."""

import json

import pytest
from sqlalchemy import select

from scr.models import LedgerEntry


def _posts(fake_slack, channel):
    return [call.params for call in fake_slack.named("chat.postMessage") if call.params["channel"] == channel]


@pytest.fixture
def monthly(settings):
    return settings.model_copy(update={"scr_report_schedule": "monthly", "scr_report_channel": "C0BOARD",
                                       "scr_weekly_digest": "off"})


def test_the_monthly_report_goes_once_to_its_channel_without_reasons(run, day, fake_slack, monthly, sessions):
    run("new LATE initiated=2026-01-05")
    run('delay LATE reason="criminal trial of the father"')
    run("new NEW initiated=2026-11-10")
    for as_of, reports in (("2026-11-30", 1),  # November's first run: October's report
                           ("2026-12-01", 2),  # December's: November's
                           ("2026-12-01", 2),  # the same day again: nothing
                           ("2026-12-02", 2)):  # nor the next
        day(as_of, settings=monthly)
        assert len(_posts(fake_slack, "C0BOARD")) == reports
    posts = _posts(fake_slack, "C0BOARD")
    assert [post["text"].split(":")[0] for post in posts] == ["Board's report for October 2026",
                                                             "Board's report for November 2026"]
    assert "1 reviews begun" in posts[1]["text"] and "1 need attention now" in posts[1]["text"]
    body = json.dumps(posts[1]["blocks"])
    assert "held by parallel proceedings" in body and "criminal trial" not in body
    with sessions() as session:
        windows = session.scalars(select(LedgerEntry.window).where(LedgerEntry.kind == "report.monthly")).all()
    assert sorted(windows) == ["2026-10-01", "2026-11-01"]


def test_the_quarterly_report_waits_for_a_working_day(run, day, fake_slack, monthly):
    quarterly = monthly.model_copy(update={"scr_report_schedule": "quarterly"})
    assert day("2027-01-01", settings=quarterly).delivered == 0  # New Year's Day
    assert day("2027-01-04", settings=quarterly).delivered == 1
    assert _posts(fake_slack, "C0BOARD")[0]["text"].startswith("Board's report for the quarter October to December 2026")


def test_no_schedule_no_report(run, day, fake_slack, settings):
    day("2026-12-01", settings=settings.model_copy(update={"scr_weekly_digest": "off"}))
    assert not fake_slack.named("chat.postMessage")


def test_the_owner_is_asked_whether_a_done_action_worked(run, day, fake_slack, settings):
    quiet = settings.model_copy(update={"scr_weekly_digest": "off"})
    run("new SCR-1 initiated=2026-11-01")
    run('action SCR-1 add "Train the duty team" owner=<@U0OWNER> due=2026-12-31')
    run('action SCR-1 done 1 on=2026-08-27 evidence="register"')
    assert day("2026-11-25", settings=quiet).delivered == 1
    [post] = _posts(fake_slack, "U0OWNER")
    assert post["text"].startswith("Impact review: action 1 of SCR-1 was done 2026-08-27")
    assert day("2026-11-26", settings=quiet).delivered == 0  # asked once
    run("action SCR-1 impact 1 effective")
    assert day("2026-12-07", settings=quiet).delivered == 0
