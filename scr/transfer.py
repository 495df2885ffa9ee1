"""Import and export: the board's spreadsheet as Excel reads and writes CSV, and the full JSON backup.

The CSV holds one review a row, columns by header name. Every row is checked by the rules the commands keep
(`scr.validate.check_review`), and a file goes in whole or not at all. The JSON backup holds every table of the
models, column by column as the models define them, so that fields added later travel without edits here.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import TextIO

from sqlalchemy import Table, func, insert, literal, select
from sqlalchemy.orm import Session

from scr import grammar as g
from scr import service
from scr.grammar import CommandError
from scr.models import DATE_FIELDS, DECISIONS, AuditEntry, Base, Review
from scr.rulebook import RULEBOOKS, Guidance
from scr.validate import check_review, settle_regime

# The columns of the spreadsheet: every field of the record, in the order its life runs (the model's), so that an
# export imports again unchanged, fields added later included; `reference` is the key.
COLUMNS = tuple(column.name for column in Review.__table__.c
                if column.name not in ("id", "reference_key", "created_at"))
_BLANK = {"title": ""}  # what an empty cell records; elsewhere no value (and the regime follows the date)
# A cell beginning with one of these is run as a formula by spreadsheets (CSV injection): export puts a `'` before
# it, and import takes that `'` away again.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
BATCH = 5000  # rows written, or reviews looked up, per statement
BACKUP_FORMAT = "scr-bot backup"


@dataclass
class ImportFailed(Exception):
    """Every problem found, each with its line number; nothing was imported."""

    problems: list[str]

    def __str__(self) -> str:
        if len(self.problems) == 1:
            return f"Nothing was imported: {self.problems[0]}"
        shown = self.problems[:50]
        more = len(self.problems) - len(shown)
        tail = [f"…and {more} more problems."] if more else []
        return "\n".join(["Nothing was imported:", *shown, *tail])


# CSV cells


def _guard(text: str) -> str:
    """A cell a spreadsheet shows as text: `'` before a formula start (and before `'`s already leading one)."""
    return "'" + text if text.lstrip("'").startswith(_FORMULA_START) else text


def _unguard(text: str) -> str:
    return text[1:] if text.startswith("'") and text.lstrip("'").startswith(_FORMULA_START) else text


def _cell(value: object) -> str:
    if value is None:
        return ""
    return _guard(value.isoformat() if isinstance(value, date) else str(value))


def _column_name(cell: str) -> str:
    """`Withheld Reason`, ` REFERENCE ` and a byte-order mark's `\\ufeffreference` name the same columns as SPEC's."""
    return "_".join(cell.replace("\ufeff", "").split()).lower()


# Reading the spreadsheet


def _records(source: TextIO, problems: list[str]) -> Iterator[tuple[int, list[str]]]:
    """Each CSV record with the line it starts on (a quoted cell may run over several lines)."""
    reader = csv.reader(source, dialect="excel")
    while True:
        line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            if "field limit" in str(error):
                problems.append(f"line {line}: a value is longer than {csv.field_size_limit():,} characters: "
                                "is a closing quote (\") missing?")
            else:
                problems.append(f"line {line}: {error}: save the spreadsheet again as CSV UTF-8")
            continue
        if any(cell.strip() for cell in cells):  # Excel writes rows of empty cells below the data
            yield line, cells


def _header(line: int, cells: list[str], problems: list[str]) -> list[str]:
    names = [_column_name(cell) for cell in cells]
    while names and not names[-1]:  # empty columns to the right of the data
        names.pop()
    unknown = [name for name in names if name and name not in COLUMNS]
    if unknown:
        problems.append(f"line {line}: unknown columns {', '.join(unknown)}; the columns are {', '.join(COLUMNS)}")
    if "" in names:
        problems.append(f"line {line}: column {names.index('') + 1} has no name: give it a header or delete it")
    for name in dict.fromkeys(names):
        places = [str(number) for number, other in enumerate(names, start=1) if other == name]
        if name and len(places) > 1:
            problems.append(f"line {line}: the column {name} is there {len(places)} times (columns "
                            f"{', '.join(places)}): keep one")
    if "reference" not in names:
        problems.append(f"line {line}: the header has no reference column")
    return names


def _value(name: str, raw: str, today: date) -> object:
    """A cell's value, read as the grammar reads the same field typed after /scr."""
    if name == "reference":
        return g._reference(g._Token(raw, False) if raw else None, "new")
    if name in DATE_FIELDS:
        return g.parse_date(name, raw, today)
    if name in ("regime", "url"):
        return g._value(name, raw, today)
    if name == "decision":
        if raw.lower() not in DECISIONS:
            raise CommandError(f"`decision={g._show(raw)}` is not a decision: use {' or '.join(DECISIONS)}.", name)
        return raw.lower()
    return g._text("reason" if name.endswith("_reason") else name, raw)


def _values(line: int, names: list[str], cells: list[str], today: date,
            problems: list[str]) -> dict[str, object] | None:
    """The row's values by column, guards removed; None (with each problem recorded) if any cell is wrong."""
    if any(cell.strip() for cell in cells[len(names):]):
        problems.append(f"line {line}: more values than columns (a comma in a value needs \"quotes\")")
        return None
    values: dict[str, object] = {}
    before = len(problems)
    for name, cell in zip(names, cells + [""] * (len(names) - len(cells)), strict=False):  # short rows padded
        raw = cell.strip()
        if not raw and name != "reference":  # most cells of a wide sheet: no more work than this
            values[name] = _BLANK.get(name)
            continue
        if "\x00" in raw:
            problems.append(f"line {line}: the {name} value holds a NUL character: save the spreadsheet again as "
                            "CSV UTF-8")
            return None
        try:
            values[name] = _value(name, _unguard(raw), today)
        except CommandError as error:
            problems.append(f"line {line}, {name}: {error.message}")
    return values if len(problems) == before else None


def _check(line: int, record: dict[str, object], today: date, guidance: Guidance, problems: list[str]) -> bool:
    """Check a new row as a command's `new` would be; settles its regime (in `record`) on the way."""
    try:
        record["regime"] = settle_regime(None, record["regime"], record, today, guidance)  # type: ignore[arg-type]
        # The rules read the record's fields only: a namespace checks it at a fraction of an ORM object's cost.
        check_review(SimpleNamespace(**record), today)  # type: ignore[arg-type]
    except CommandError as error:
        problems.append(f"line {line}: {error.message}")
        return False
    return True


def _rows(source: TextIO, today: date, problems: list[str]) -> Iterator[tuple[int, dict[str, object]]]:
    """Each well-formed row's values, by column; problems found on the way are added to `problems`."""
    records = _records(source, problems)
    first = next(records, None)
    if first is None:
        problems.append("line 1: the file is empty: the first line names the columns, e.g. reference,title,initiated")
        return
    names = _header(*first, problems)
    if problems:
        return
    seen: dict[str, int] = {}
    for line, cells in records:
        values = _values(line, names, cells, today, problems)
        if values is None:
            continue
        key = str(values["reference"]).upper()
        if key in seen:
            problems.append(f"line {line}: review {values['reference']} is also on line {seen[key]}")
            continue
        seen[key] = line
        yield line, values


def _context(session: Session, actor: service.Actor, now: datetime, doing: str,
             guidance: Guidance) -> service.Context:
    ctx = service.Context(session, actor, now, guidance)
    service.authorise(ctx, "editor", doing)
    return ctx


def import_reviews(session: Session, source: TextIO, actor: service.Actor, now: datetime, name: str,
                   guidance: Guidance = RULEBOOKS) -> int:
    """Add every review of the CSV in `source`, or none: raises `ImportFailed` listing each bad line.

    Rows are written in batches while the file is read, to keep memory flat; the caller's transaction rolls all of
    them back if any line is bad.
    """
    _context(session, actor, now, "import reviews", guidance)
    problems: list[str] = []
    existing = set(session.scalars(select(Review.reference_key)))
    before = session.scalar(select(func.max(Review.id))) or 0
    batch: list[dict] = []
    today = now.date()
    count = 0
    for line, values in _rows(source, today, problems):
        key = str(values["reference"]).upper()
        if key in existing:
            problems.append(f"line {line}: review {values['reference']} already exists "
                            "(`scr import --update FILE` changes existing reviews)")
            continue
        record = {**dict.fromkeys(COLUMNS), **_BLANK, **values}
        if not _check(line, record, today, guidance, problems) or problems:
            continue
        batch.append({**record, "reference_key": key, "created_at": now})
        count += 1
        if len(batch) == BATCH:
            session.execute(insert(Review.__table__), batch)
            batch = []
    if problems:
        raise ImportFailed(problems)
    if batch:
        session.execute(insert(Review.__table__), batch)
    # One audit entry per imported review, by one statement: the rows this import just wrote.
    session.execute(insert(AuditEntry.__table__).from_select(
        ["at", "actor", "review_id", "field", "new"],
        select(literal(now.astimezone(UTC), AuditEntry.at.type), literal(actor.id), Review.id, literal("imported"),
               literal(name))
        .where(Review.id > before, Review.created_at == now),
    ))
    return count


def update_reviews(session: Session, source: TextIO, actor: service.Actor, now: datetime,
                   guidance: Guidance = RULEBOOKS) -> tuple[int, int]:
    """Change existing reviews to the values of the CSV in `source`: (reviews changed, rows read), or `ImportFailed`.

    Only the columns the file has are changed; an empty cell clears its value. Each change is in the audit trail,
    as a command's is; any bad line rolls every change back (the caller's transaction).
    """
    ctx = _context(session, actor, now, "update reviews", guidance)
    problems: list[str] = []
    changed = rows = 0
    pending: list[tuple[int, dict[str, object]]] = []

    def apply(pending: list[tuple[int, dict[str, object]]]) -> int:
        keys = [str(values["reference"]).upper() for _, values in pending]
        reviews = {review.reference_key: review
                   for review in session.scalars(select(Review).where(Review.reference_key.in_(keys)))}
        count = 0
        for line, values in pending:
            reference = str(values.pop("reference"))
            review = reviews.get(reference.upper())
            if review is None:
                problems.append(f"line {line}: review {reference} not found (`scr import FILE` adds new reviews)")
                continue
            try:
                count += bool(service.apply_changes(ctx, review, values))
            except CommandError as error:
                problems.append(f"line {line}: {error.message}")
        return count

    for line, values in _rows(source, ctx.today, problems):
        rows += 1
        pending.append((line, values))
        if len(pending) == BATCH:
            changed += apply(pending)
            pending = []
    changed += apply(pending)
    if problems:
        raise ImportFailed(problems)
    return changed, rows


def export_reviews(session: Session, target: TextIO) -> int:
    """Write every review as Excel's CSV (a byte-order mark, CRLF, formulas neutralised); returns how many."""
    target.write("\ufeff")
    writer = csv.writer(target, dialect="excel")
    writer.writerow(COLUMNS)
    count = 0
    query = select(*(getattr(Review, name) for name in COLUMNS)).order_by(Review.reference_key)
    for row in session.execute(query).yield_per(2000):
        writer.writerow([_cell(value) for value in row])
        count += 1
    return count


# The backup


def _to_json(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


def _from_json(table: Table, name: str, value: object) -> object:
    kind = table.c[name].type.python_type  # KeyError: a column the models do not have
    if value is None or not isinstance(value, str):
        return value
    if kind is datetime:
        return datetime.fromisoformat(value)
    if kind is date:
        return date.fromisoformat(value)
    return value


def write_backup(session: Session, target: TextIO) -> dict[str, int]:
    """Every table of the models as JSON, rows in key order, so that two backups of one database are identical."""
    if session.get_bind().dialect.name == "postgresql":  # one snapshot of all the tables
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    counts: dict[str, int] = {}
    target.write(f'{{"format": "{BACKUP_FORMAT}", "version": 1, "tables": {{')
    for number, table in enumerate(Base.metadata.sorted_tables):
        names = list(table.c.keys())
        target.write(f'{"," if number else ""}\n"{table.name}": [')
        rows = session.execute(select(table).order_by(*table.primary_key.columns)).yield_per(2000)
        count = 0
        for count, row in enumerate(rows, start=1):
            record = dict(zip(names, map(_to_json, row), strict=True))
            target.write(("\n" if count == 1 else ",\n") + json.dumps(record, ensure_ascii=False))
        target.write("\n]")
        counts[table.name] = count
    target.write("\n}}\n")
    return counts


def restore_backup(session: Session, source: TextIO) -> dict[str, int]:
    """Load a backup into an empty database, exactly as it was written; `ImportFailed` if it cannot be."""
    try:
        backup = json.load(source)
    except json.JSONDecodeError as error:
        raise ImportFailed([f"line {error.lineno}: this is not a backup ({error.msg})"]) from None
    if not isinstance(backup, dict) or backup.get("format") != BACKUP_FORMAT or not isinstance(
            backup.get("tables"), dict):
        raise ImportFailed(["this JSON file is not a backup written by `scr export --format json`"])
    tables = {table.name: table for table in Base.metadata.sorted_tables}
    unknown = [name for name in backup["tables"] if name not in tables]
    if unknown:
        raise ImportFailed([f"the backup has tables this version does not know ({', '.join(unknown)}): "
                            "restore it with the version of scr that wrote it"])
    held = [name for name, table in tables.items() if session.scalar(select(literal(1)).select_from(table).limit(1))]
    if held:
        raise ImportFailed([f"the database is not empty (it has {', '.join(held)}): a backup restores only into an "
                            "empty database; point DATABASE_URL at a new one and run the import again"])
    counts: dict[str, int] = {}
    for name, table in tables.items():
        rows = backup["tables"].get(name, [])
        try:
            records = [{column: _from_json(table, column, value) for column, value in row.items()} for row in rows]
        except (AttributeError, KeyError, TypeError, ValueError):
            raise ImportFailed([f"the backup's {name} table is damaged: a row has an unknown column or a bad "
                                "value"]) from None
        for start in range(0, len(records), BATCH):
            session.execute(insert(table), records[start:start + BATCH])
        counts[name] = len(records)
        _resume_numbering(session, table)
    return counts


def _resume_numbering(session: Session, table: Table) -> None:
    """PostgreSQL's sequences do not see ids written by hand: move them past the restored rows."""
    keys = list(table.primary_key.columns)
    if session.get_bind().dialect.name != "postgresql" or len(keys) != 1 or keys[0].type.python_type is not int:
        return
    key = keys[0]
    session.execute(select(func.setval(func.pg_get_serial_sequence(table.name, key.name),
                                       func.coalesce(select(func.max(key)).scalar_subquery(), 0) + 1, False)))
