"""`scr demo`: the bot on a fresh machine with no Slack account.

A new SQLite database with sample reviews in every state, the notices due today printed to the terminal, then a
prompt that takes the `/scr` grammar.
"""

from __future__ import annotations

import sys
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path

from jobs.run import console_senders, run_once
from scr import db
from scr.deadlines import add_months, is_working_day, next_working_day
from scr.models import Action, Review
from scr.settings import Settings

PROMPT = "/scr "


def sample_reviews(today: date, now: datetime) -> list[Review]:
    """One review in each state the bot knows, dated relative to `today` so that the demo always has news."""

    def months_ago(months: int, days: int = 0) -> date:
        return add_months(today, -months) - timedelta(days=days)

    def review(reference: str, title: str, regime: str = "scr", **dates: object) -> Review:
        return Review(reference=reference, reference_key=reference, title=title, regime=regime, created_at=now,
                      **dates)

    return [
        review("SCR-DEMO-01", "Child A", incident=months_ago(7), notified=months_ago(7, -3),
               initiated=months_ago(6, 20), delay_reason="Criminal trial listed for the spring"),
        review("SCR-DEMO-02", "Child B", incident=months_ago(6, 20), notified=months_ago(6, 15),
               initiated=months_ago(6, -7), reviewer="Independent reviewer (demo)"),
        review("SCR-DEMO-03", "Child C", initiated=months_ago(6, -28)),
        review("SCR-DEMO-04", "Child D", initiated=months_ago(9), completed=months_ago(3),
               withheld=months_ago(2), withheld_reason="Identifies a surviving sibling"),
        review("SCR-DEMO-05", "Child E", initiated=months_ago(12), completed=months_ago(6, -10),
               published=months_ago(6, -20)),
        review("LCSPR-DEMO-06", "Child F", regime="lcspr", incident=today - timedelta(days=10),
               notified=today - timedelta(days=8)),
        review("LCSPR-DEMO-07", "Child G", regime="lcspr", initiated=months_ago(2), completed=months_ago(1),
               withheld=today - timedelta(days=20), withheld_reason="Parallel inquest",
               referred=today - timedelta(days=12)),
    ]


def seed(sessions, now: datetime) -> None:
    with db.transaction(sessions) as session:
        reviews = sample_reviews(now.date(), now)
        session.add_all(reviews)
        session.flush()
        session.add(Action(review_id=reviews[4].id, number=1, owner="U0DEMO01", due=now.date() - timedelta(days=14),
                           text="Audit multi-agency referrals to children's social care"))


def run_demo(settings: Settings, lines=None, out=sys.stdout, now: datetime | None = None) -> int:
    """The demo; `lines` and `now` stand in for the keyboard and the clock in tests."""
    from cli.main import run_command

    folder = Path(tempfile.mkdtemp(prefix="scr-demo-"))
    settings = settings.model_copy(update={"database_url": f"sqlite:///{folder / 'demo.db'}"})
    db.migrate(settings.database_url)
    sessions = db.make_sessions(db.make_engine(settings.database_url))
    clock = (lambda: now) if now else (lambda: datetime.now(settings.timezone))
    now = clock()
    seed(sessions, now)

    print(f"scr-bot local demo: sample reviews in {folder / 'demo.db'} (nothing here reaches Slack).\n", file=out)
    print(run_command(settings, sessions, "status", now)[1], file=out)
    print_notices(settings, sessions, clock, out)
    print("\nType a /scr command (try: status SCR-DEMO-01, list all, help); an empty line or Ctrl-D quits.", file=out)
    for line in _lines() if lines is None else lines:
        text = line.strip().removeprefix("/scr").strip()
        if not text or text in ("quit", "exit"):
            break
        print(run_command(settings, sessions, text, clock())[1], file=out)
    return 0


def print_notices(settings: Settings, sessions, clock, out) -> None:
    """Today's notices, through the same planning, ledger and delivery as the worker's, to the terminal."""
    today = clock().date()
    if not is_working_day(today):
        print(f"\nNo notices today ({today:%A %d %B} is not a working day); they wait for "
              f"{next_working_day(today):%A %d %B}.", file=out)
        return
    print("\nNotices due today, as the worker would post them:", file=out)
    channels = {"scr_reminder_channel": "#scr-reminders", "scr_escalation_channel": "#scr-escalations"}
    report = run_once(settings.model_copy(update=channels), sessions, console_senders(out), today, clock)
    if not report.delivered:
        print("  none", file=out)


def _lines():
    while True:
        try:
            yield input(PROMPT)
        except (EOFError, KeyboardInterrupt):
            print()
            return
