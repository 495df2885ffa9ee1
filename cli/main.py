"""`scr`: the operator's command, run as a local administrator, recorded in the audit trail as `cli:<os user>`.

`scr VERB …` takes every `/scr` command as typed after `/scr`, plus the operator's own verbs (`OPERATOR`).

The shell's layer (`-h`, `--help`, `--version`, which verb) is read by argparse: it is in the standard library, so it
is kept with Python itself and adds nothing to install, and it gives the usual `--help`/`--version` behaviour and
error messages. What follows a `/scr` verb is not argparse's to read: it is the grammar Slack speaks
(`scr.grammar`), so that the shell and Slack take the same words.
"""

from __future__ import annotations

import argparse
import getpass
import os
import platform
import re
import sys
from datetime import datetime
from pathlib import Path

from sqlalchemy.exc import OperationalError

import scr
from cli.report import report_command
from cli.transfer import export_command, import_command
from scr import db, grammar, present, service
from scr.present import TERMINAL
from scr.settings import ConfigError, Settings, default_database_url, env_files, load_settings

# The verbs only the shell has, with what `scr help VERB` says of each.
OPERATOR = {
    "import": ("import [--update] FILE.csv  or  import BACKUP.json",
               "Adds (with --update, changes) the reviews of a spreadsheet saved as CSV: all rows, or none if one is "
               "wrong. A .json backup is restored into an empty database."),
    "export": ("export [--format csv|json]",
               "Writes the reviews to standard output: CSV for Excel, or with --format json a full backup (reviews, "
               "actions, holds, roles and the audit trail)."),
    "report": ("report [--format html|csv|md] [--from DATE --to DATE | --period YYYY/YY] [--out FILE]",
               "The board's report: a summary here, or a printable document (html) or its table (csv, md)."),
    "demo": ("demo", "The local demo: sample reviews in a temporary database, and a prompt. Nothing reaches Slack."),
    "migrate": ("migrate", "Brings the database's tables up to date (Heroku's `release` process); safe to repeat."),
    "info": ("info", "The version, the database in use and the settings files read; touches no database."),
    "teams-package": ("teams-package OUT.zip [--domain YOUR-APP.herokuapp.com]",
                      "Writes the Teams app package (manifest and icons) for upload to Teams; needs TEAMS_CLIENT_ID."),
}
OPERATOR_USAGE = {verb: usage for verb, (usage, _) in OPERATOR.items()}


def quote_args(args: list[str]) -> str:
    """Rebuild the command line as typed: the shell took the quotes off values with spaces, and a double quote or
    backslash inside a value is escaped for the grammar (`title='He said "hi"'` keeps its quotes)."""
    quoted = []
    for arg in args:
        if not arg or any(char.isspace() or char in '"\\' for char in arg):
            key, sep, value = arg.partition("=")
            if not (sep and re.fullmatch(r"[a-z_]+", key)):
                key, sep, value = "", "", arg
            escaped = value.replace("\\", "\\\\").replace('"', '\\"')
            arg = f'{key}{sep}"{escaped}"'
        quoted.append(arg)
    return " ".join(quoted)


def cli_actor() -> service.Actor:
    return service.Actor(f"cli:{getpass.getuser()}", admin=True)


def run_command(settings: Settings, sessions, text: str, now: datetime) -> tuple[int, str]:
    """One command of the grammar in one transaction: (exit status, what to print)."""
    try:
        command = grammar.parse(text, now.date())
        if isinstance(command, grammar.Help):  # the shell's help also lists its own verbs
            return 0, help_text(command.topic)
        with db.transaction(sessions) as session:
            ctx = service.Context(session, cli_actor(), now, settings.guidance)
            result = service.execute(ctx, command)
            return (2 if isinstance(result, service.FormNeeded) else 0), present.as_text(result, now.date(), TERMINAL)
    except grammar.CommandError as error:
        return 1, TERMINAL.converts(error.message)


def help_text(topic: str | None = None) -> str:
    if topic in OPERATOR:
        usage, says = OPERATOR[topic]
        return f"{TERMINAL.hint(usage)}\n{says}"
    lines = present.help_lines(topic, TERMINAL, OPERATOR_USAGE)
    if topic is None:
        lines += ["scr help VERB tells more of one; scr --version shows the version and the database in use."]
    return "\n".join(lines)


def info_lines(settings: Settings | None, problem: str | None = None) -> list[str]:
    """The version and where the data is: what an operator checks first. Reads settings, never the database."""
    lines = [f"scr-bot {scr.__version__} (Python {platform.python_version()})"]
    if settings is None:
        return [*lines, f"settings: {problem}"]
    file = db.sqlite_file(settings.database_url)
    missing = "; not created yet" if file is not None and not file.exists() else ""
    source = ("the default, in this user's data folder (set DATABASE_URL to use another)"
              if settings.database_url == default_database_url() else "from DATABASE_URL")
    read = [str(path) for path in env_files() if path.is_file()]
    return [*lines, f"database: {db.location(settings.database_url)}", f"  {source}{missing}",
            f"settings files: {', '.join(read) if read else 'none (environment variables only)'}"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scr", add_help=False, allow_abbrev=False,
        description="Keeps a safeguarding partnership's serious case reviews on time, from a terminal.",
    )
    parser.add_argument("-h", "--help", action="store_true")
    parser.add_argument("--version", action="store_true")
    parser.add_argument("words", nargs=argparse.REMAINDER)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        status = _main(sys.argv[1:] if argv is None else argv)
        sys.stdout.flush()
        return status
    except BrokenPipeError:
        # The reader left (`scr list all | head -1`): stop quietly, as other shell tools do, and send what is still
        # buffered nowhere so that Python's own flush at exit does not complain either.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, what a shell reports for a tool stopped by a closed pipe


def _main(argv: list[str]) -> int:
    options = _parser().parse_args(argv)
    words = options.words
    if options.version or words[:1] == ["info"]:
        try:
            print("\n".join(info_lines(load_settings())))
        except ConfigError as error:
            print("\n".join(info_lines(None, str(error))))
        return 0
    if options.help or not words or words[0] == "help" or {"-h", "--help"} & set(words[1:]):
        topic = (words[1:2] if words[:1] == ["help"] else words[:1]) or [None]
        if topic[0] and topic[0].lower() == "rules":  # the rulebooks with this partnership's settings
            try:
                print(TERMINAL.converts("\n".join(present.rules_lines(load_settings().guidance))))
            except ConfigError as error:
                print(f"scr: {error}", file=sys.stderr)
                return 2
            return 0
        print(help_text(topic[0] and topic[0].lower()))
        return 0
    try:
        settings = load_settings()
    except ConfigError as error:
        print(f"scr: {error}", file=sys.stderr)
        return 2
    try:
        if words[:1] == ["demo"]:
            from cli.demo import run_demo

            return run_demo(settings)
        if words[:1] == ["teams-package"]:
            return _teams_package(settings, words[1:])
        if db.migrate(settings.database_url):
            print(f"scr: created a new database at {db.location(settings.database_url)} "
                  "(set DATABASE_URL to use another)", file=sys.stderr)
        if words[:1] == ["migrate"]:
            print(f"Database is up to date: {db.location(settings.database_url)}")
            return 0
        sessions = db.make_sessions(db.make_engine(settings.database_url))
        now = datetime.now(settings.timezone)
        if words[:1] == ["import"]:
            return import_command(sessions, words[1:], cli_actor(), now, settings.guidance)
        if words[:1] == ["export"]:
            return export_command(sessions, words[1:])
        if words[:1] == ["report"] and any(arg.startswith("-") for arg in words[1:]):
            return report_command(settings, sessions, words[1:], now, TERMINAL.converts)
        status, output = run_command(settings, sessions, quote_args(words), now)
        print(output, file=sys.stderr if status == 1 else sys.stdout)
        return status
    except OperationalError as error:
        print(f"scr: cannot use the database ({db.printable(settings.database_url)}): {error.orig}", file=sys.stderr)
        return 1


def _teams_package(settings: Settings, args: list[str]) -> int:
    if len(args) not in (1, 3) or (len(args) == 3 and args[1] != "--domain"):
        print("Usage: scr teams-package OUT.zip [--domain YOUR-APP.herokuapp.com]", file=sys.stderr)
        return 2
    from teams.package import write_package

    try:
        write_package(Path(args[0]), settings, args[2] if len(args) == 3 else None)
    except ConfigError as error:
        print(f"scr: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"scr: cannot write {args[0]}: {error.strerror}", file=sys.stderr)
        return 1
    print(f"Wrote the Teams app package to {args[0]}: upload it in Teams (Apps → Manage your apps → Upload an app).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
