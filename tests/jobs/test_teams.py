"""Teams: the same notices as Adaptive Cards through a Workflows webhook, through the same ledger."""

import json
from importlib.resources import files

import jsonschema
import pytest

from scr.notices import Notice
from teams.cards import MAX_BYTES, MORE
from teams.cards import webhook_message as card

SCHEMA = json.loads(files("adaptive_cards").joinpath("schemas/schema-1.5.json").read_text())


def _validate(envelope: dict) -> None:
    assert envelope["type"] == "message"
    (attachment,) = envelope["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert attachment["content"]["version"] in ("1.4", "1.5")
    jsonschema.Draft6Validator(SCHEMA).validate(attachment["content"])
    assert len(json.dumps(envelope).encode()) < MAX_BYTES


def _teams_posts(fake_slack):
    return [call.params for call in fake_slack.calls if call.path == "/teams/workflow"]


def test_notices_go_to_teams_as_valid_cards_once(run, day, fake_slack):
    run('new LATE initiated=2026-01-05 title="Child A"')
    run("new HELD initiated=2016-02-01")  # an SCR: its referral goes to the national panel
    run("complete HELD on=2016-07-20")
    run('withhold HELD reason="x" on=2016-08-01')
    run("action LATE add \"Audit referrals\" owner=U0OWNER due=2026-10-01")
    day("2026-11-26", teams=True)
    posts = _teams_posts(fake_slack)
    assert len(posts) == 3  # two escalations and the digest; the owner's action stays in Slack
    for envelope in posts:
        _validate(envelope)
    texts = [envelope["attachments"][0]["content"]["body"][0]["text"] for envelope in posts]
    assert any("HELD" in text and "national panel" in text for text in texts)
    assert any(block["text"] == "**Overdue** (1): LATE" for envelope in posts
               for block in envelope["attachments"][0]["content"]["body"])
    day("2026-11-26", teams=True)
    assert len(_teams_posts(fake_slack)) == 3


def test_teams_refusals_are_retried_like_slacks(run, day, fake_slack):
    run("new LATE initiated=2026-01-05")
    fake_slack.refuse(429, path="/teams", Retry_After="1")
    fake_slack.refuse(502, path="/teams")
    report = day("2026-11-26", teams=True, digest=False)
    assert (report.delivered, report.failed) == (2, 0)
    assert len(_teams_posts(fake_slack)) == 1


@pytest.mark.parametrize("lines", [0, 1, 3000])
def test_cards_stay_valid_and_under_28_kb_however_long(lines):
    notice = Notice("digest", "digest", "2026-11-30", "C1", "Weekly digest: *3 overdue*",
                    tuple(f"*Overdue* line {n}: <@U012AB3CD|jo> " + "x" * 40 for n in range(lines)))
    envelope = card(notice)
    _validate(envelope)
    body = envelope["attachments"][0]["content"]["body"]
    assert body[0]["text"] == "Weekly digest: **3 overdue**"
    if lines == 3000:
        assert body[-1]["text"] == MORE


def test_each_undelivered_notice_keeps_its_own_reason(run, day, fake_slack, sessions):
    from sqlalchemy import select

    from scr.models import LedgerEntry

    run("new LATE initiated=2026-01-05")
    fake_slack.refuse(500, times=8, path="/api/chat.postMessage")
    fake_slack.refuse(502, times=8, path="/teams")
    assert day("2026-11-26", teams=True, digest=False).failed == 2
    with sessions() as session:
        reasons = dict(session.execute(select(LedgerEntry.destination, LedgerEntry.last_error)).all())
    assert reasons == {"slack": "Slack refused: 500 fatal_error", "teams": "Teams refused: 502"}
