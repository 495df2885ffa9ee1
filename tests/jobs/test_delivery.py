"""Delivery against a fake Slack on loopback: each notice once, refusals retried, nothing lost or doubled."""

import json
import time
from collections import Counter

from sqlalchemy import func, select

from scr.models import LedgerEntry


def _posts(fake_slack):
    return fake_slack.named("chat.postMessage")


def _seed(run):
    run("new LATE initiated=2026-01-05 title=\"Child A\"")       # overdue since 2026-07-05
    run("new SOON initiated=2026-06-10 title=\"Child B\"")       # due 2026-12-10: the 14-day reminder on 11-26
    run("new HELD initiated=2026-02-01")
    run('withhold HELD reason="x" on=2026-08-01')             # needs referral
    run("new DONE initiated=2026-02-01")
    run("publish DONE on=2026-08-01")
    run("action LATE add \"Audit referrals\" owner=U0OWNER due=2026-10-01")


def test_each_notice_reaches_its_channel_once_and_rerunning_the_day_posts_nothing(run, day, fake_slack):
    _seed(run)
    report = day("2026-11-26")
    posts = sorted((p.params["channel"], p.params["text"]) for p in _posts(fake_slack))
    assert report.delivered == 6 == len(posts)
    assert posts == [
        ("C0ESCALATE", "Escalation: Completion and publication for LATE (Child A) is overdue: it was due 2026-07-05, "
                       "144 days ago."),
        ("C0ESCALATE", "Escalation: HELD was withheld on 2026-08-01 and still needs referral to the national panel."),
        ("C0REMIND", "Reminder: Completion and publication for SOON (Child B) is due 2026-12-10, in 14 days."),
        ("C0REMIND", "Reminder: Copy to DfE and Ofsted for SOON (Child B) is due 2026-12-03, in 7 days."),
        # Monday's digest, late because nothing ran on Monday.
        ("C0REMIND", "Weekly digest: 1 overdue, 1 needing referral to the national panel, 0 published."),
        ("U0OWNER", "Action 1 of LATE is overdue (56 days): Audit referrals"),
    ]
    assert day("2026-11-26").delivered == 0
    assert day("2026-11-27").delivered == 0  # a day later nothing repeats yet
    assert len(_posts(fake_slack)) == 6


def test_escalations_repeat_weekly_and_the_referral_one_stops_once_recorded(run, day, fake_slack):
    _seed(run)
    day("2026-11-26")
    run("refer HELD on=2026-11-25")
    day("2026-12-03")  # seven days on: LATE and the action escalate again; HELD is referred
    later = [p.params["text"] for p in _posts(fake_slack)[6:]]
    assert not any("HELD" in text for text in later)
    assert sum("LATE" in text and "overdue" in text for text in later) == 2


def test_notices_carry_text_blocks_and_buttons(run, day, fake_slack):
    _seed(run)
    day("2026-11-26")
    referral = next(p.params for p in _posts(fake_slack) if "HELD" in p.params["text"])
    blocks = referral["blocks"] if isinstance(referral["blocks"], list) else json.loads(referral["blocks"])
    buttons = [(e["action_id"], e["value"]) for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert buttons[0] == ("scr_refer", "HELD")
    assert buttons[1][0] == "scr_snooze" and json.loads(buttons[1][1]) == {"reference": "HELD", "kind": "referral"}


def test_refusals_are_retried_within_the_run_honouring_retry_after(run, day, fake_slack):
    run("new LATE initiated=2026-01-05")
    fake_slack.refuse(429, times=2, Retry_After="1")
    fake_slack.refuse(503)
    started = time.monotonic()
    report = day("2026-11-26", digest=False)
    assert time.monotonic() - started >= 2  # waited out both Retry-After: 1
    assert report.delivered == 1 and report.failed == 0
    assert len(_posts(fake_slack)) == 1


def test_what_is_still_refused_waits_in_the_ledger_for_the_next_run(run, day, fake_slack, sessions):
    run("new LATE initiated=2026-01-05")
    fake_slack.refuse(500, times=8)  # more than a run's retries
    report = day("2026-11-26", digest=False)
    assert (report.delivered, report.failed) == (0, 1)
    with sessions() as session:
        entry = session.scalars(select(LedgerEntry)).one()
        assert (entry.status, entry.last_error) == ("pending", "Slack refused: 500 fatal_error")
    fake_slack.refusals.clear()
    assert day("2026-11-26", digest=False).delivered == 1
    assert len(_posts(fake_slack)) == 1


def test_refused_network_is_a_pending_notice_not_a_crash(run, day, settings, sessions):
    run("new LATE initiated=2026-01-05")
    unreachable = settings.model_copy(update={"slack_api_url": "http://127.0.0.1:9/api/"})
    report = day("2026-11-26", settings=unreachable, digest=False)
    assert report.failed == 1
    with sessions() as session:
        assert session.scalar(select(LedgerEntry.status)) == "pending"


def test_one_row_per_notice_and_destination(run, day, sessions):
    _seed(run)
    day("2026-11-26", teams=True)
    with sessions() as session:
        counts = Counter(session.scalars(select(LedgerEntry.destination)))
        assert session.scalar(select(func.count(func.distinct(LedgerEntry.key)))) == 11
    assert counts == {"slack": 6, "teams": 5}  # the action goes to its owner in Slack only
