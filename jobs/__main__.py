"""`python -m jobs`: the worker; `python -m jobs --once [--as-of YYYY-MM-DD]`: every job once, then exit.

`--once` exits 0 when it ran (notices it could not deliver stay in the ledger for the next run), and non-zero only
when it could not run at all: a configuration problem or no database.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime
from functools import partial

from sqlalchemy.exc import OperationalError

from jobs.run import run_once, senders_for
from jobs.worker import run_worker
from scr import db
from scr.logs import configure_logging
from scr.settings import ConfigError, load_settings


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: write it as YYYY-MM-DD") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m jobs", description="scr-bot's scheduled jobs.")
    parser.add_argument("--once", action="store_true", help="run every job once and exit")
    parser.add_argument("--as-of", type=_date, help="with --once: the day to run as (default: today)")
    args = parser.parse_args(argv)
    configure_logging()
    try:
        settings = load_settings()
        sessions = db.make_sessions(db.make_engine(settings.database_url))
        if not args.once:
            return run_worker(settings, sessions)
        senders = senders_for(settings, sessions)
        clock = partial(datetime.now, settings.timezone)
        report = run_once(settings, sessions, senders, args.as_of or clock().date(), clock)
    except ConfigError as error:
        print(f"jobs: {error}", file=sys.stderr)
        return 2
    except OperationalError as error:
        print(f"jobs: cannot use the database: {error.orig}", file=sys.stderr)
        return 1
    print(f"{report.delivered} notices delivered, {report.failed} left for the next run, "
          f"{report.undeliverable} undeliverable, {report.cancelled} resolved before sending.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
