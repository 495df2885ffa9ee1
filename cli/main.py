"""`scr`: run as a local administrator, recorded in the audit trail as `cli:<os user>`.

    scr status                      any /scr command, as typed after /scr
    scr import [--update] FILE.csv  add (or change) reviews: all rows or none
    scr import BACKUP.json          restore a backup into an empty database
    scr export [--format csv|json]  the reviews for Excel, or a full backup, to standard output
    scr report [--format html|csv|md] [--from DATE --to DATE | --period YYYY/YY] [--out FILE]
                                    the board's report (scr report --help says more)
    scr demo                        the local demo (no Slack needed)
    scr migrate                     apply database migrations (the `release` process)
"""

from __future__ import annotations

import getpass
import re
import sys
from datetime import datetime

from sqlalchemy.exc import OperationalError

from cli.report import report_command
from cli.transfer import export_command, import_command
from scr import db, grammar, present, service
from scr.markup import terminal_text
from scr.settings import ConfigError, Settings, load_settings

_EMOJI = {":rotating_light:": "!!", ":white_check_mark:": "ok", ":heavy_minus_sign:": "--",
          ":grey_question:": "??", ":hourglass_flowing_sand:": ".."}


def plain(text: str) -> str:
    """Slack mark-up made readable, and safe, in a terminal (control characters shown as escapes)."""
    for code, symbol in _EMOJI.items():
        text = text.replace(code, symbol)
    return terminal_text(text)


def quote_args(args: list[str]) -> str:
    """Rebuild the command line as typed: the shell took the quotes off values with spaces."""
    quoted = []
    for arg in args:
        if any(char.isspace() for char in arg) or not arg:
            key, sep, value = arg.partition("=")
            arg = f'{key}="{value}"' if sep and re.fullmatch(r"[a-z_]+", key) else f'"{arg}"'
        quoted.append(arg)
    return " ".join(quoted)


def cli_actor() -> service.Actor:
    return service.Actor(f"cli:{getpass.getuser()}", admin=True)


def run_command(settings: Settings, sessions, text: str, now: datetime) -> tuple[int, str]:
    """One command of the grammar in one transaction: (exit status, what to print)."""
    try:
        command = grammar.parse(text, now.date())
        with db.transaction(sessions) as session:
            ctx = service.Context(session, cli_actor(), now, settings.guidance)
            result = service.execute(ctx, command)
            return (2 if isinstance(result, service.FormNeeded) else 0), plain(present.as_text(result, now.date()))
    except grammar.CommandError as error:
        return 1, plain(error.message.replace("/scr ", "scr "))


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    try:
        settings = load_settings()
        if args[:1] == ["demo"]:
            from cli.demo import run_demo

            return run_demo(settings)
        db.migrate(settings.database_url)
        if args[:1] == ["migrate"]:
            print("Database is up to date.")
            return 0
        sessions = db.make_sessions(db.make_engine(settings.database_url))
        now = datetime.now(settings.timezone)
        if args[:1] == ["import"]:
            return import_command(sessions, args[1:], cli_actor(), now, settings.guidance)
        if args[:1] == ["export"]:
            return export_command(sessions, args[1:])
        if args[:1] == ["report"] and any(arg.startswith("-") for arg in args[1:]):
            return report_command(settings, sessions, args[1:], now, plain)
        status, output = run_command(settings, sessions, quote_args(args), now)
        print(output, file=sys.stderr if status == 1 else sys.stdout)
        return status
    except ConfigError as error:
        print(f"scr: {error}", file=sys.stderr)
        return 2
    except OperationalError as error:
        print(f"scr: cannot use the database ({db.printable(settings.database_url)}): {error.orig}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
