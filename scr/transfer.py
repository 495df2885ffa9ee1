"""Import and export: the board's spreadsheet of reviews, all or nothing, and back again unchanged."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TextIO

from sqlalchemy import func, insert, literal, select
from sqlalchemy.orm import Session

from scr.grammar import REFERENCE, CommandError, parse_date
from scr.models import DATE_FIELDS, REGIMES, AuditEntry, Review
from scr.service import Actor

COLUMNS = ("reference", "title", "regime", "reviewer", "incident", "notified", "initiated", "completed",
           "published", "withheld", "withheld_reason", "referred")
TEXT_LIMITS = {"title": 200, "reviewer": 200, "withheld_reason": 500}
BATCH = 5000


@dataclass
class ImportFailed(Exception):
    """Every problem found, each with its line number; nothing was imported."""

    problems: list[str]

    def __str__(self) -> str:
        shown = self.problems[:50]
        more = len(self.problems) - len(shown)
        tail = [f"…and {more} more problems."] if more else []
        return "\n".join(["Nothing was imported:", *shown, *tail])


def _row_values(line: int, row: dict[str, str], today: date, problems: list[str]) -> dict[str, object] | None:
    values: dict[str, object] = {}
    before = len(problems)
    reference = (row.get("reference") or "").strip()
    if not REFERENCE.fullmatch(reference):
        problems.append(f"line {line}: reference `{reference}` must be letters, digits and -, e.g. SCR-2026-01")
    values["reference"] = reference
    regime = (row.get("regime") or "scr").strip().lower()
    if regime not in REGIMES:
        problems.append(f"line {line}: regime `{regime}` must be scr or lcspr")
    values["regime"] = regime
    for name, limit in TEXT_LIMITS.items():
        text = " ".join((row.get(name) or "").split())
        if len(text) > limit:
            problems.append(f"line {line}: {name} is longer than {limit} characters")
        values[name] = text or None
    values["title"] = values["title"] or ""
    for name in DATE_FIELDS:
        raw = (row.get(name) or "").strip()
        try:
            values[name] = parse_date(name, raw, today) if raw else None
        except CommandError:
            problems.append(f"line {line}: {name} `{raw}` is not a date: write it as YYYY-MM-DD")
            continue
        if values[name] and values[name] > today:
            problems.append(f"line {line}: {name} {raw} is in the future")
    if values.get("withheld") and values.get("published"):
        problems.append(f"line {line}: a review cannot be both published and withheld")
    if values.get("referred") and not values.get("withheld"):
        problems.append(f"line {line}: referred needs a withheld date")
    return values if len(problems) == before else None


def import_reviews(session: Session, source: TextIO, actor: Actor, now: datetime, name: str) -> int:
    """Load every row of the CSV in `source`, or none: raises `ImportFailed` listing each bad line.

    Rows are written in batches while the file is read, to keep memory flat; the caller's transaction rolls all of
    them back if any line is bad.
    """
    reader = csv.DictReader(source)
    header = reader.fieldnames or []
    problems: list[str] = []
    unknown = [column for column in header if column not in COLUMNS]
    if unknown:
        problems.append(f"line 1: unknown columns {', '.join(unknown)}; the columns are {', '.join(COLUMNS)}")
    if "reference" not in header:
        problems.append("line 1: the header has no reference column")
    if problems:
        raise ImportFailed(problems)
    existing = set(session.scalars(select(Review.reference_key)))
    before = session.scalar(select(func.max(Review.id))) or 0
    seen: dict[str, int] = {}
    batch: list[dict] = []
    today = now.date()
    for row in reader:
        line = reader.line_num
        if None in row:
            problems.append(f"line {line}: more values than columns (a comma in a value needs \"quotes\")")
            continue
        values = _row_values(line, row, today, problems)
        if values is None:
            continue
        key = values["reference"].upper()
        if key in existing:
            problems.append(f"line {line}: review {values['reference']} already exists")
        elif key in seen:
            problems.append(f"line {line}: review {values['reference']} is also on line {seen[key]}")
        seen[key] = line
        if not problems:
            batch.append({**values, "reference_key": key, "created_at": now})
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
        select(Review.created_at, literal(actor.id), Review.id, literal("imported"), literal(name))
        .where(Review.id > before, Review.created_at == now),
    ))
    return len(seen)


def _cell(value: object) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, date) else str(value)


def _export_rows(session: Session) -> Iterable[dict[str, str]]:
    columns = [getattr(Review, name) for name in COLUMNS]
    for row in session.execute(select(*columns).order_by(Review.reference_key)).yield_per(2000):
        yield {name: _cell(value) for name, value in zip(COLUMNS, row, strict=True)}


def export_reviews(session: Session, target: TextIO, fmt: str = "csv") -> int:
    count = 0
    if fmt == "json":
        target.write("[")
        for count, row in enumerate(_export_rows(session), start=1):
            target.write(("\n" if count == 1 else ",\n") + json.dumps(row))
        target.write("\n]\n")
        return count
    writer = csv.DictWriter(target, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in _export_rows(session):
        writer.writerow(row)
        count += 1
    return count
