"""Buttons on posted notices, clicked in Slack: handled by the web app's listeners, for editors only."""

import json
from datetime import date

from sqlalchemy import select

from jobs.run import plan
from scr.models import LedgerEntry
from tests.conftest import count_statements
from tests.fakeslack import interaction


def _click_notice_button(web, fake_slack, sessions, action_id: str, user: str):
    """Click the button `action_id` on the posted notice, as Slack would send it."""
    with sessions() as session:
        body = json.loads(session.scalar(select(LedgerEntry.body).where(LedgerEntry.kind == "publication.overdue")))
    element = next(e for b in body["blocks"] if b["type"] == "actions" for e in b["elements"]
                   if e["action_id"] == action_id)
    payload = {"type": "block_actions", "user": {"id": user}, "team": {"id": "T0TEAM"}, "api_app_id": "A0APP",
               "trigger_id": "t", "response_url": fake_slack.response_url(), "container": {"type": "message"},
               "channel": {"id": "C0ESCALATE"},
               "actions": [{"action_id": action_id, "block_id": "b", "value": element["value"], "type": "button",
                            "action_ts": "1"}]}
    assert interaction(f"{web}/slack/events", payload)[0] == 200
    return fake_slack.named("/respond/r1")[-1].params["text"]


def test_snooze_holds_an_escalation_for_seven_days_editors_only(web, day, run, fake_slack, sessions):
    run("new LATE initiated=2026-01-05")
    day("2026-11-25", digest=False)
    refused = _click_notice_button(web, fake_slack, sessions, "scr_snooze", "UVIEWER")
    assert refused.startswith("You don't have permission to snooze notices")
    assert _click_notice_button(web, fake_slack, sessions, "scr_snooze", "UADMIN") == (
        "Snoozed publication overdue notices for `LATE` until 2026-12-02."
    )
    assert day("2026-12-01", digest=False).delivered == 0  # would have repeated on 2 December anyway
    assert day("2026-12-02", digest=False).delivered == 1  # the snooze has ended
    assert "snooze publication.overdue" in [e.field for e in run("history LATE").entries]


def test_mark_published_on_a_notice_stops_its_escalations(web, day, run, fake_slack, sessions):
    run("new LATE initiated=2026-01-05")
    run("complete LATE on=2026-11-20")
    day("2026-11-25", digest=False)
    assert _click_notice_button(web, fake_slack, sessions, "scr_publish", "UADMIN") == (
        "Recorded: `LATE` published on 2026-11-25."
    )
    assert day("2026-12-02", digest=False).delivered == 0


def test_planning_runs_a_fixed_number_of_statements(settings, engine, sessions, run):
    counts = []
    for batch in (range(3), range(3, 60)):
        for n in batch:
            run(f"new R-{n} initiated=2026-0{1 + n % 9}-01")
            run(f"action R-{n} add Train owner=U0OWNER due=2026-10-01")
        with count_statements(engine) as statements, sessions() as session:
            notices = plan(session, settings, date(2026, 11, 26))
        counts.append(len(statements))
        assert notices
    assert counts[0] == counts[1] == 5
