"""The job processes as the Procfile and Heroku Scheduler start them: together, killed, and stopped."""

import re
import signal
import subprocess
import time
from collections import Counter
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from jobs.run import record_day, senders_for
from scr import db
from scr.models import LedgerEntry, Review
from tests.conftest import LONDON, NOW
from tests.processes import ROOT, bot_env, procfile_command

ONCE = ["python", "-m", "jobs", "--once", "--as-of", "2026-11-26"]


def _seed_overdue(sessions, count: int) -> None:
    with db.transaction(sessions) as session:
        session.add_all(Review(reference=f"LATE-{n}", reference_key=f"LATE-{n}", title="", regime="scr",
                               initiated=date(2026, 1, 1) + timedelta(days=n), created_at=NOW) for n in range(count))


def _texts(fake_slack) -> Counter:
    return Counter(call.params["text"] for call in fake_slack.named("chat.postMessage"))


def _wait_for(condition, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_two_runs_started_together_post_each_notice_once(settings, sessions, fake_slack):
    _seed_overdue(sessions, 40)
    fake_slack.delay = 0.01
    runs = [subprocess.Popen(ONCE, cwd=ROOT, env=bot_env(settings), stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True) for _ in range(2)]
    outputs = [run.communicate(timeout=120)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    texts = _texts(fake_slack)
    assert len(texts) == 41  # 40 escalations and the week's digest
    assert set(texts.values()) == {1}
    delivered = [int(re.search(r"(\d+) notices delivered", output).group(1)) for output in outputs]
    assert sum(delivered) == 41  # shared between the two runs


def test_a_run_killed_mid_delivery_loses_no_notice(settings, sessions, fake_slack, day):
    _seed_overdue(sessions, 10)
    fake_slack.delay = 0.3
    run = subprocess.Popen(ONCE, cwd=ROOT, env=bot_env(settings), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait_for(lambda: len(fake_slack.named("chat.postMessage")) >= 3)
    run.send_signal(signal.SIGKILL)
    run.wait(timeout=10)
    fake_slack.wait_idle()  # a post the run had sent when it died still lands
    with sessions() as session:
        assert session.scalar(select(LedgerEntry.status).where(LedgerEntry.status == "sending").limit(1))
    fake_slack.delay = 0
    # The next run, once the dead run's lease has run out, sends what it held.
    report = day("2026-11-26", at=datetime.now(LONDON) + timedelta(minutes=6))
    assert report.failed == 0
    texts = _texts(fake_slack)
    assert len(texts) == 11  # every notice arrived
    assert set(texts.values()) == {1}  # the post in flight when the run died, if Slack took it, was found there
    with sessions() as session:
        assert set(session.scalars(select(LedgerEntry.status))) == {"delivered"}


def test_a_run_killed_between_slacks_ok_and_the_ledgers_mark_posts_exactly_once(settings, sessions, fake_slack, day):
    _seed_overdue(sessions, 3)
    fake_slack.hold("chat.postMessage")  # Slack posts the first notice, and its `ok` waits
    run = subprocess.Popen(ONCE, cwd=ROOT, env=bot_env(settings), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert fake_slack.held.wait(60)
    run.send_signal(signal.SIGKILL)
    run.wait(timeout=10)
    fake_slack.let_go()
    posted = fake_slack.posted("C0ESCALATE") + fake_slack.posted("C0REMIND")
    assert len(posted) == 1
    with sessions() as session:
        assert session.scalar(select(func.count()).where(LedgerEntry.status == "delivered")) == 0
    # The next run, once the dead run's lease has run out, finds that one in the channel and posts the rest.
    report = day("2026-11-26", at=datetime.now(LONDON) + timedelta(minutes=6))
    posted = fake_slack.posted("C0ESCALATE") + fake_slack.posted("C0REMIND")
    assert len(posted) == 4 and len({message["text"] for message in posted}) == 4
    assert (report.delivered, report.failed) == (4, 0)
    assert len(fake_slack.named("conversations.history")) >= 1
    with sessions() as session:
        assert set(session.scalars(select(LedgerEntry.status))) == {"delivered"}


def test_worker_posts_on_start_and_stops_cleanly_on_sigterm_mid_delivery(settings, sessions, fake_slack):
    _seed_overdue(sessions, 20)
    # A working day's notices, recorded and not yet sent: the worker's start-up run delivers them whatever today is
    # (on a weekend or a bank holiday it plans nothing new).
    record_day(settings, sessions, senders_for(settings, sessions), date(2026, 11, 26), lambda: NOW)
    fake_slack.delay = 0.3
    worker = subprocess.Popen(procfile_command("worker"), cwd=ROOT, env=bot_env(settings),
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        _wait_for(lambda: len(fake_slack.named("chat.postMessage")) >= 2)
    except AssertionError:
        worker.kill()  # not left running after the test
        raise AssertionError(f"the worker posted nothing: {worker.communicate(timeout=30)[0]}") from None
    started = time.monotonic()
    worker.send_signal(signal.SIGTERM)
    output = worker.communicate(timeout=30)[0]
    assert worker.returncode == 0, output
    assert time.monotonic() - started < 10
    assert "worker stopped" in output and "Traceback" not in output
    with sessions() as session:
        entries = session.execute(select(LedgerEntry.status, LedgerEntry.claimed_by)).all()
    statuses = Counter(status for status, _ in entries)
    assert statuses["delivered"] == len(fake_slack.named("chat.postMessage"))
    assert statuses["pending"] == len(entries) - statuses["delivered"] > 0  # given back, not lost
    assert all(claimed is None for status, claimed in entries if status == "pending")


def test_once_with_a_bad_date_or_setting_says_so_in_one_line(settings):
    bad_date = subprocess.run([*ONCE[:-1], "26/11/2026"], cwd=ROOT, env=bot_env(settings), capture_output=True,
                              text=True)
    assert bad_date.returncode == 2 and "is not a date: write it as YYYY-MM-DD" in bad_date.stderr
    no_channel = subprocess.run(ONCE, cwd=ROOT, env=bot_env(settings, SCR_REMINDER_CHANNEL=""), capture_output=True,
                                text=True)
    assert no_channel.returncode == 2
    assert no_channel.stderr.strip() == ("jobs: SCR_REMINDER_CHANNEL is required for the scheduled jobs: set it in "
                                         "the environment or in .env")
