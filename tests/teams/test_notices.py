"""Notices through the Teams bot: captured channel, the same ledger, retries, Teams' rate limits, card buttons."""

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from jobs.run import run_once
from jobs.teamsbot import Pace, TeamsBotSender
from scr.models import LedgerEntry, Review, TeamsConversation
from tests.conftest import LONDON
from tests.teams.conftest import ADMIN_OID, ASKER_OID, activity, card_of, post, texts, valid

CHANNEL = "19:general@thread.tacv2"
DAY = date(2026, 11, 26)


def _install(web, fake, **changes):
    body = activity(fake, "", channel=True, kind="installationUpdate", **changes)
    body["action"] = "add"
    assert post(web, body, fake.activity_token())[0] == 200


def _run(settings, sessions, sender, as_of=DAY):
    moment = datetime.combine(as_of, datetime.min.time(), LONDON) + timedelta(hours=9)
    quiet = settings.model_copy(update={"scr_weekly_digest": "off"})
    return run_once(quiet, sessions, {"teamsbot": sender}, as_of, lambda: moment)


@pytest.fixture
def sender(teams_settings, sessions):
    waits: list[float] = []
    made = TeamsBotSender(teams_settings, sessions, backoff=0.01, sleep=waits.append)
    made.waits = waits
    return made


def test_installing_the_bot_in_a_team_keeps_its_channel(teams_web, bot_framework, sessions):
    _install(teams_web, bot_framework)
    with sessions() as session:
        (captured,) = session.scalars(select(TeamsConversation)).all()
    assert (captured.conversation_id, captured.service_url) == (CHANNEL, bot_framework.service_url)


def test_an_install_from_another_tenant_is_not_kept(teams_web, bot_framework, sessions):
    from tests.fakebotframework import OTHER_TENANT

    _install(teams_web, bot_framework, tenant=OTHER_TENANT)
    with sessions() as session:
        assert session.scalars(select(TeamsConversation)).all() == []


def test_a_notice_goes_to_the_channel_once_across_two_runs(teams_web, bot_framework, sessions, run,
                                                          teams_settings, sender):
    _install(teams_web, bot_framework)
    run('new LATE initiated=2026-01-05 title="Child A"')
    assert _run(teams_settings, sessions, sender).delivered == 1
    (notice,) = bot_framework.activities(CHANNEL)
    card = card_of(notice)
    assert "LATE" in texts(card)[0] and "overdue" in texts(card)[0]
    assert [action["type"] for action in card["actions"]] == ["Action.Execute", "Action.Execute"]
    assert _run(teams_settings, sessions, sender).delivered == 0
    assert len(bot_framework.activities(CHANNEL)) == 1


def test_refusals_are_retried_after_retry_after(teams_web, bot_framework, sessions, run, teams_settings, sender):
    _install(teams_web, bot_framework)
    run("new LATE initiated=2026-01-05")
    bot_framework.refuse(429, Retry_After="2")
    bot_framework.refuse(502)
    bot_framework.refuse(504)
    assert _run(teams_settings, sessions, sender).delivered == 1
    assert len(bot_framework.activities(CHANNEL)) == 1
    assert 2 <= sender.waits[0] <= 2.5 and len(sender.waits) == 3


def test_a_notice_refused_outright_stays_in_the_ledger(teams_web, bot_framework, sessions, run, teams_settings,
                                                      sender):
    _install(teams_web, bot_framework)
    run("new LATE initiated=2026-01-05")
    bot_framework.refuse(403)
    report = _run(teams_settings, sessions, sender)
    assert (report.delivered, report.failed) == (0, 1)
    with sessions() as session:
        assert session.scalar(select(LedgerEntry.last_error)) == "Teams refused: 403"
    assert bot_framework.activities(CHANNEL) == []


def test_without_a_channel_notices_wait(bot_framework, sessions, run, teams_settings, sender):
    run("new LATE initiated=2026-01-05")
    assert _run(teams_settings, sessions, sender).failed == 1
    with sessions() as session:
        assert "add the bot to a team" in session.scalar(select(LedgerEntry.last_error))


def test_a_channel_set_by_hand_wins(teams_web, bot_framework, sessions, run, teams_settings):
    _install(teams_web, bot_framework)
    chosen = teams_settings.model_copy(update={"scr_teams_channel": "19:safeguarding@thread.tacv2"})
    run("new LATE initiated=2026-01-05")
    assert _run(chosen, sessions, TeamsBotSender(chosen, sessions, backoff=0.01)).delivered == 1
    assert len(bot_framework.activities("19:safeguarding@thread.tacv2")) == 1


def test_pace_keeps_under_teams_limits():
    now = [0.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    pace = Pace(clock=lambda: now[0], sleep=sleep)
    for _ in range(61):
        pace.wait("19:c")
    assert sum(waits) >= 30  # the 61st message waits for the 30-second window
    assert max(waits) <= 30
    second = [t for t in waits if t > 0][0]
    assert 0.99 <= second <= 1.0  # the 8th message waited for the 1-second window


def test_notice_buttons_ask_then_act_for_editors_only(teams_web, bot_framework, sessions, run, teams_settings,
                                                       sender):
    _install(teams_web, bot_framework)
    run("new HELD initiated=2026-02-01")
    run("complete HELD on=2026-07-20")
    run('withhold HELD reason="x" on=2026-08-01')
    _run(teams_settings, sessions, sender)
    # The referral escalation is the notice that offers to record the referral.
    (refer,) = [action for a in bot_framework.activities(CHANNEL) if "HELD" in texts(card_of(a))[0]
                for action in card_of(a).get("actions", []) if action.get("verb") == "scr_refer"]

    def click(verb, user):
        value = {"action": {"type": "Action.Execute", "verb": verb, "data": refer["data"]}, "trigger": "manual"}
        status, body = post(teams_web, activity(bot_framework, "", user=user, channel=True, kind="invoke",
                                                value=value), bot_framework.activity_token())
        assert status == 200
        return texts(valid(body["value"]))

    assert "You don't have permission" in click("scr_refer", ASKER_OID)[0]
    assert "You don't have permission" in click("scr_refer:confirm", ASKER_OID)[0]
    assert click("scr_refer", ADMIN_OID) == ["Record that `HELD` was referred to the national panel today?"]
    assert "referred" in click("scr_refer:confirm", ADMIN_OID)[0].lower()
    with sessions() as session:
        assert session.scalar(select(Review.referred)) == date(2026, 11, 25)
