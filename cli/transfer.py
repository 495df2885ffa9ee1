"""`scr import` and `scr export`: the spreadsheet (CSV) and the backup (JSON), between files and the database."""

from __future__ import annotations

import io
import sys
from datetime import datetime

from scr import db
from scr.rulebook import Guidance
from scr.service import Actor
from scr.transfer import ImportFailed, export_reviews, import_reviews, restore_backup, update_reviews, write_backup

IMPORT_USAGE = "Usage: scr import FILE.csv (new reviews), scr import --update FILE.csv, or scr import BACKUP.json"
EXPORT_USAGE = "Usage: scr export [--format csv|json] > FILE"


def import_command(sessions, args: list[str], actor: Actor, now: datetime, guidance: Guidance) -> int:
    update = "--update" in args
    files = [arg for arg in args if arg != "--update"]
    if len(files) != 1 or files[0].startswith("-") or (update and files[0].lower().endswith(".json")):
        print(IMPORT_USAGE, file=sys.stderr)
        return 2
    path = files[0]
    try:
        with open(path, newline="", encoding="utf-8-sig") as source, db.transaction(sessions) as session:
            if path.lower().endswith(".json"):
                counts = restore_backup(session, source)
                done = f"Restored {path}: " + ", ".join(f"{count} {table}" for table, count in counts.items()) + "."
            elif update:
                changed, rows = update_reviews(session, source, actor, now, guidance)
                done = f"Updated {changed} of the {rows} reviews in {path}."
            else:
                done = f"Imported {import_reviews(session, source, actor, now, path, guidance)} reviews from {path}."
    except OSError as error:
        print(f"scr: cannot read {path}: {error.strerror}", file=sys.stderr)
        return 1
    except UnicodeDecodeError:
        print(f"scr: {path} is not UTF-8 text: save the spreadsheet as CSV UTF-8", file=sys.stderr)
        return 1
    except ImportFailed as failed:
        print(failed, file=sys.stderr)
        return 1
    print(done)
    return 0


def export_command(sessions, args: list[str]) -> int:
    options = " ".join(args).replace("--format=", "--format ").split()
    if options not in ([], ["--format", "csv"], ["--format", "json"]):
        print(EXPORT_USAGE, file=sys.stderr)
        return 2
    sys.stdout.flush()
    # Exact bytes whatever the terminal's encoding: UTF-8, and the CSV's own CRLF line ends.
    target = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="")
    try:
        with sessions() as session:
            if options[1:] == ["json"]:
                write_backup(session, target)
            else:
                export_reviews(session, target)
    finally:
        target.flush()
        target.detach()
    return 0
