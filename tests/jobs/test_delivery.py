"""Delivery against a fake Slack on loopback: each notice once, refusals retried, nothing lost or doubled."""

import io
import json
import logging
import threading
import time
from collections import Counter
from datetime import date, datetime, timedelta
from functools import partial
from types import SimpleNamespace

from sqlalchemy import func, select

from jobs import ledger
from jobs.delivery import ConsoleSender, SlackSender, deliver
from jobs.run import run_once, still_due, worker_name
from scr.markup import slack_text
from scr.models import LedgerEntry
from scr.notices import Notice
from tests.conftest import LONDON


def _posts(fake_slack):
    return fake_slack.named("chat.postMessage")


def _seed(run):
    run("new LATE initiated=2026-01-05 title=\"Child A\"")       # overdue since 2026-07-05
    run("new SOON initiated=2026-06-10 title=\"Child B\"")       # due 2026-12-10: the 14-day reminder on 11-26
    run("new HELD initiated=2016-02-01")  # an SCR: its referral goes to the national panel
    run("complete HELD on=2016-07-20")
    run('withhold HELD reason="x" on=2016-08-01')             # needs referral
    run("new DONE initiated=2026-02-01")
    run("complete DONE on=2026-07-20")
    run("publish DONE on=2026-08-01")
    run("action LATE add \"Audit referrals\" owner=U0OWNER due=2026-10-01")


def test_each_notice_reaches_its_channel_once_and_rerunning_the_day_posts_nothing(run, day, fake_slack):
    _seed(run)
    report = day("2026-11-26")
    posts = sorted((p.params["channel"], p.params["text"]) for p in _posts(fake_slack))
    assert report.delivered == 5 == len(posts)
    assert posts == [
        ("C0ESCALATE", "Escalation: Completion and publication for LATE (Child A) is overdue: it was due 2026-07-05, "
                       "144 days ago."),
        ("C0ESCALATE", "Escalation: Decision not to publish referred to the national panel of independent experts for "
                       "HELD is overdue: it was due 2016-08-01, 3769 days ago."),
        ("C0REMIND", "Reminder: Completion and publication for SOON (Child B) is due 2026-12-10, in 14 days."),
        # No copy reminder: the copy counts back from a planned publication date, and SOON has none yet.
        # Monday's digest, late because nothing ran on Monday.
        ("C0REMIND", "Weekly digest: 1 overdue, 1 needing referral to the national panel, 0 published."),
        ("U0OWNER", "Action 1 of LATE is overdue (56 days): Audit referrals"),
    ]
    assert day("2026-11-26").delivered == 0
    assert day("2026-11-27").delivered == 0  # a day later nothing repeats yet
    assert len(_posts(fake_slack)) == 5


def test_escalations_repeat_weekly_and_the_referral_one_stops_once_recorded(run, day, fake_slack):
    _seed(run)
    day("2026-11-26")
    run("refer HELD on=2026-11-25")
    day("2026-12-03")  # seven days on: LATE and the action escalate again; HELD is referred
    later = [p.params["text"] for p in _posts(fake_slack)[5:]]
    assert not any("HELD" in text for text in later)
    assert sum("LATE" in text and "overdue" in text for text in later) == 2


def test_notices_carry_text_blocks_and_buttons(run, day, fake_slack):
    _seed(run)
    day("2026-11-26")
    referral = next(p.params for p in _posts(fake_slack) if "HELD" in p.params["text"])
    blocks = referral["blocks"] if isinstance(referral["blocks"], list) else json.loads(referral["blocks"])
    buttons = [(e["action_id"], e["value"]) for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert buttons[0] == ("scr_refer", "HELD")
    assert buttons[1][0] == "scr_snooze" and json.loads(buttons[1][1]) == {"reference": "HELD", "kind": "referral.overdue"}


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
        # A 5xx may come after Slack posted: the next attempt looks in the channel first.
        assert (entry.status, entry.last_error) == ("unknown", "Slack refused: 500 fatal_error")
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
        assert session.scalar(select(func.count(func.distinct(LedgerEntry.key)))) == 9
    assert counts == {"slack": 5, "teams": 4}  # the action goes to its owner in Slack only


def test_each_post_carries_its_ledger_key_in_message_metadata(run, day, fake_slack, sessions):
    run("new LATE initiated=2026-01-05")
    day("2026-11-26", digest=False)
    with sessions() as session:
        key = session.scalar(select(LedgerEntry.key))
    assert fake_slack.posted("C0ESCALATE")[0]["metadata"] == {"event_type": "scr_notice",
                                                               "event_payload": {"key": key}}


def test_a_post_whose_answer_is_lost_is_found_in_the_channel_and_not_posted_again(run, day, fake_slack, sessions):
    run("new LATE initiated=2026-01-05")
    run("action LATE add \"Audit referrals\" owner=U0OWNER due=2026-10-01")
    # Slack posts both, then answers 500: the outcome is unknown to the sender.
    fake_slack.refuse(500, times=2, path="/api/chat.postMessage", after=True)
    report = day("2026-11-26", digest=False)
    assert (report.delivered, report.failed) == (2, 0)
    assert len(fake_slack.posted("C0ESCALATE")) == 1
    assert len(fake_slack.posted("DU0OWNER")) == 1  # the owner's direct messages, read through conversations.open
    assert len(_posts(fake_slack)) == 2
    with sessions() as session:
        assert set(session.scalars(select(LedgerEntry.status))) == {"delivered"}


def test_a_notice_resolved_before_it_is_sent_is_not_posted(run, day, fake_slack, sessions):
    run("new LATE initiated=2026-01-05")
    run("new HELD initiated=2016-02-01")  # an SCR: its referral goes to the national panel
    run("complete HELD on=2016-07-20")
    run('withhold HELD reason="x" on=2016-08-01')
    fake_slack.refuse(403, times=2, path="/api/chat.postMessage")
    assert day("2026-11-26", digest=False).failed == 2  # both wait in the ledger
    run("refer HELD on=2026-11-25")
    report = day("2026-11-26", digest=False, minutes_later=15)
    assert [p.params["text"] for p in _posts(fake_slack)] == [
        "Escalation: Completion and publication for LATE is overdue: it was due 2026-07-05, 144 days ago."]
    assert (report.delivered, report.cancelled) == (1, 1)
    with sessions() as session:
        assert session.scalar(select(LedgerEntry.status).where(LedgerEntry.kind == "referral.overdue")) == "cancelled"


def test_attempts_are_capped_then_the_notice_is_reported_undeliverable_in_the_log_and_digest(
        run, day, fake_slack, sessions, caplog):
    run('new LATE initiated=2026-01-05 title="Child A"')
    fake_slack.refuse(403, times=100, path="/api/chat.postMessage")
    for attempt in range(ledger.MAX_ATTEMPTS):
        report = day("2026-11-26", digest=False, minutes_later=15 * attempt)
    refusals_left = len(fake_slack.refusals)
    day("2026-11-26", digest=False, minutes_later=15 * ledger.MAX_ATTEMPTS)
    assert len(fake_slack.refusals) == refusals_left  # not tried again
    assert (report.failed, report.undeliverable) == (0, 1)
    with sessions() as session:
        entry = session.scalars(select(LedgerEntry)).one()
        assert (entry.status, entry.attempts) == ("given_up", ledger.MAX_ATTEMPTS)
    given_up = [r.getMessage() for r in caplog.records if "undeliverable" in r.getMessage()]
    assert given_up == [f"notice {entry.key} undeliverable after {ledger.MAX_ATTEMPTS} attempts, given up: "
                        "Slack refused: 403 fatal_error"]
    assert not any("Child A" in r.getMessage() for r in caplog.records)
    fake_slack.refusals.clear()
    day("2026-11-30")  # Monday: the digest
    digest = next(p.params for p in _posts(fake_slack) if p.params["text"].startswith("Weekly digest"))
    assert digest["text"].endswith("1 with notices that could not be delivered.")
    assert "*Notices that could not be delivered* (1): LATE" in json.dumps(digest["blocks"])


def test_a_batch_that_outlives_its_lease_is_not_taken_over_while_it_is_still_sending(run, settings, sessions,
                                                                                      fake_slack):
    for n in range(1, 9):
        run(f"new LATE-{n} initiated=2026-01-0{n}")
    senders = {"slack": SlackSender(settings.slack_bot_token, settings.slack_api_url, backoff=0.01)}
    clock = partial(datetime.now, LONDON)
    stopped = threading.Event()
    stopped.set()
    run_once(settings, sessions, senders, date(2026, 11, 26), clock, stopped)  # recorded, none sent yet
    fake_slack.delay = 0.3  # nine posts: a batch of about three seconds, against a lease of one
    lease = timedelta(seconds=1)
    reports = []

    def sender() -> None:
        reports.append(deliver(sessions, senders, worker_name(), clock, lease, partial(still_due, settings)))

    first = threading.Thread(target=sender)
    first.start()
    time.sleep(1.5)
    sender()  # a second process, started after the first one's lease would have run out
    first.join()
    texts = Counter(p.params["text"] for p in _posts(fake_slack))
    assert len(texts) == 9 and set(texts.values()) == {1}
    assert sorted(report.delivered for report in reports) == [0, 9]


def test_without_the_history_scopes_an_unknown_outcome_is_sent_again_not_lost(run, day, fake_slack, sessions, caplog):
    run("new LATE initiated=2026-01-05")
    fake_slack.refuse(500, path="/api/chat.postMessage", after=True)
    fake_slack.refuse(200, path="/api/conversations.history", error="missing_scope")  # installed before the scopes
    report = day("2026-11-26", digest=False)
    assert (report.delivered, report.failed) == (1, 0)
    assert len(fake_slack.posted("C0ESCALATE")) == 2  # at least once, then
    with sessions() as session:
        key = session.scalar(select(LedgerEntry.key))
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING] == [
        f"notice {key}: cannot look for it in Slack, so it is sent again: reinstall the app from manifest.json to "
        "grant its history scopes"]


def test_the_console_shows_a_notice_as_plain_inert_text():
    out = io.StringIO()
    sender = ConsoleSender(out)
    title, reason = slack_text("Child `A`*"), slack_text("trial\x1b[2J")
    notice = Notice("overdue", "review:1", "2026-11-25", "#scr", f"*LATE* {title} is overdue",
                    (f"Owner <@U012AB3CD>: `/scr status LATE` ({reason})",), "LATE")
    sender.send(SimpleNamespace(channel="#scr", body=json.dumps(sender.render(notice))), deadline=0)
    assert out.getvalue() == "[#scr] LATE Child `A`* is overdue\n  Owner U012AB3CD: scr status LATE (trial\\x1b[2J)\n"
