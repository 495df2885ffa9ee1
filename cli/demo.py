"""`scr demo`: the bot on a fresh machine with no Slack account.

A new SQLite database with sample reviews in every state, the notices due today printed to the terminal, then a
prompt that takes the `/scr` grammar.
"""

from __future__ import annotations

import contextlib
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
    """Reviews in every state of both regimes. SCRs ended with the transition, so theirs are historic dates; the
    LCSPRs are dated relative to `today`, so that the demo always has news."""

    def months_ago(months: int, days: int = 0) -> date:
        return add_months(today, -months) - timedelta(days=days)

    def ago(days: int) -> date:
        return today - timedelta(days=days)

    def review(reference: str, title: str, regime: str, **values: object) -> Review:
        return Review(reference=reference, reference_key=reference, title=title, regime=regime, created_at=now,
                      **values)

    d = date.fromisoformat
    return [
        # SCRs (Working Together 2013/2015)
        review("SCR-DEMO-01", "Child A", "scr", incident=d("2018-12-20"), aware=d("2018-12-21"),
               notified=d("2019-01-04"), initiated=d("2019-01-14"), completed=d("2019-07-01"),
               delay_reason="Criminal trial listed for the spring", delay_from=d("2019-07-10")),
        review("SCR-DEMO-02", "Child B", "scr", incident=d("2019-01-02"), notified=d("2019-01-08"),
               initiated=d("2019-02-01"), reviewer="Independent reviewer (demo)"),
        review("SCR-DEMO-03", "Child C", "scr", initiated=d("2018-03-01"), completed=d("2018-08-01"),
               withheld=d("2018-09-03"), withheld_reason="Identifies a surviving sibling"),
        review("SCR-DEMO-04", "Child D", "scr", initiated=d("2013-05-01"), completed=d("2013-10-20"),
               published=d("2014-01-15"), url="https://example.org/scr-demo-04"),
        review("SCR-DEMO-05", "Child E", "scr", aware=d("2019-05-28"), notified=d("2019-05-31"),
               decision="no-review", decided=d("2019-06-10"), decision_reason="Criteria not met",
               referred=d("2019-06-20")),
        # LCSPRs (Working Together 2018/2023)
        review("LCSPR-DEMO-06", "Child F", "lcspr", incident=ago(11), aware=ago(10), notified=ago(8)),
        review("LCSPR-DEMO-07", "Child G", "lcspr", aware=months_ago(7), notified=months_ago(7, -3),
               rapid=months_ago(6, -10), rapid_sent=months_ago(6, -11), initiated=months_ago(6, -7),
               planned=today + timedelta(days=14)),
        review("LCSPR-DEMO-08", "Child H", "lcspr", initiated=months_ago(8), completed=months_ago(2),
               delay_reason="Inquest", delay_from=months_ago(3), delay_until=today + timedelta(days=30),
               delay_told=months_ago(3, -2)),
        review("LCSPR-DEMO-09", "Child I", "lcspr", initiated=months_ago(9), delay_reason="Criminal trial",
               delay_from=months_ago(5), delay_until=ago(3), delay_told=months_ago(5, -1)),
        review("LCSPR-DEMO-10", "Child J", "lcspr", aware=ago(40), notified=ago(37), rapid=ago(25),
               rapid_sent=ago(24), decision="no-review", decided=ago(20), decision_reason="Learning taken forward "
               "through the single-agency review"),
        review("LCSPR-DEMO-11", "Child K", "lcspr", initiated=months_ago(5), completed=months_ago(1),
               withheld=ago(20), withheld_reason="Parallel inquest", referred=ago(12)),
        review("LCSPR-DEMO-12", "Child L", "lcspr", initiated=months_ago(12), completed=months_ago(6, -10),
               planned=months_ago(6, -20), copied=months_ago(6, -9), published=months_ago(6, -20),
               url="https://example.org/lcspr-demo-12"),
    ]


def seed(sessions, now: datetime) -> None:
    with db.transaction(sessions) as session:
        reviews = sample_reviews(now.date(), now)
        session.add_all(reviews)
        session.flush()
        session.add(Action(review_id=reviews[-1].id, number=1, owner="U0DEMO01", due=now.date() - timedelta(days=14),
                           text="Audit multi-agency referrals to children's social care"))


def run_demo(settings: Settings, lines=None, out=sys.stdout, now: datetime | None = None) -> int:
    """The demo; `lines` and `now` stand in for the keyboard and the clock in tests. Its database lives in a
    temporary folder that is removed when the demo ends, however it ends."""
    with tempfile.TemporaryDirectory(prefix="scr-demo-") as folder:
        settings = settings.model_copy(update={"database_url": f"sqlite:///{Path(folder) / 'demo.db'}"})
        db.migrate(settings.database_url)
        engine = db.make_engine(settings.database_url)
        try:
            _session(settings, db.make_sessions(engine), lines, out, now)
        except KeyboardInterrupt:  # Ctrl-C before the prompt: leave quietly, the folder is still removed
            print(file=out)
            return 130
        finally:
            engine.dispose()
    return 0


def _session(settings: Settings, sessions, lines, out, now: datetime | None) -> None:
    clock = (lambda: now) if now else (lambda: datetime.now(settings.timezone))
    seed(sessions, clock())
    print("scr-bot local demo: sample reviews in a temporary database, removed when you leave "
          "(nothing here reaches Slack or Teams).\n", file=out)
    print(_answer(settings, sessions, "status", clock()), file=out)
    print_notices(settings, sessions, clock, out)
    print("\nType a /scr command (try: status SCR-DEMO-01, list all, help rules); quit or Ctrl-D leaves.", file=out)
    for line in _keyboard() if lines is None else lines:
        text = _command(line)
        if text in ("quit", "exit"):
            return
        if text:
            print(_answer(settings, sessions, text, clock()), file=out)


def _answer(settings: Settings, sessions, text: str, now: datetime) -> str:
    from cli.main import run_command

    try:
        return run_command(settings, sessions, text, now)[1]
    except KeyboardInterrupt:  # Ctrl-C while a command runs stops that command, not the demo
        return "\n(interrupted: status shows what was saved)"


def _command(line: str) -> str:
    """A line typed at the prompt as the grammar takes it: `/scr status`, `scr status` and `status` alike."""
    words = line.strip()
    for prefix in ("/scr", "scr"):
        if words == prefix or words.startswith(prefix + " "):
            return words[len(prefix):].strip()
    return words


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


def _keyboard():
    """Lines from the keyboard, with line editing and history (`readline`) where the terminal has them. Ctrl-C
    drops the line being typed, as in any shell; Ctrl-D leaves."""
    with contextlib.suppress(ImportError):  # Windows, or a Python built without it: plain lines still work
        import readline  # noqa: F401  (importing it is what gives `input` editing and history)
    while True:
        try:
            yield input(PROMPT)
        except KeyboardInterrupt:
            print("\n(quit or Ctrl-D leaves)")
        except EOFError:
            print()
            return
