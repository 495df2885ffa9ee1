"""The notice ledger: write each notice before it is sent, claim it to send it, mark it once delivered.

Claims are leases: a notice claimed by a process that died is claimed again once its lease runs out, so a crash
loses nothing. Two processes never hold the same notice: a claim is one conditional UPDATE (with SKIP LOCKED on
PostgreSQL), and the unique key stops a notice being stored twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from scr.models import LedgerEntry, Snooze

PENDING, SENDING, DELIVERED = "pending", "sending", "delivered"


def record(session: Session, rows: Iterable[dict], now: datetime) -> None:
    """Store planned notices; one already stored under the same key is left as it is."""
    rows = [{**row, "status": PENDING, "attempts": 0, "created_at": now} for row in rows]
    if not rows:
        return
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    for start in range(0, len(rows), 1000):
        session.execute(insert(LedgerEntry).on_conflict_do_nothing(index_elements=["key"]), rows[start:start + 1000])


def last_sent(session: Session) -> dict[tuple[str, str], date]:
    """The day each (subject, kind) was last noticed: repeats are counted from it."""
    query = select(LedgerEntry.subject, LedgerEntry.kind, func.max(LedgerEntry.due_on)).group_by(
        LedgerEntry.subject, LedgerEntry.kind
    )
    return {(subject, kind): day for subject, kind, day in session.execute(query)}


def snoozed(session: Session, as_of: date) -> dict[tuple[str, str], date]:
    query = select(Snooze.subject, Snooze.kind, Snooze.until).where(Snooze.until > as_of)
    return {(subject, kind): until for subject, kind, until in session.execute(query)}


def _claimable(now: datetime, lease: timedelta):
    return or_(LedgerEntry.status == PENDING,
               and_(LedgerEntry.status == SENDING, LedgerEntry.claimed_at < now - lease))


def claim(session: Session, worker: str, now: datetime, lease: timedelta, limit: int = 50) -> list[LedgerEntry]:
    """Take up to `limit` notices to send: pending ones, and those whose sender's lease ran out."""
    candidates = select(LedgerEntry.id).where(_claimable(now, lease)).order_by(LedgerEntry.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    claimed = session.scalars(
        update(LedgerEntry)
        .where(LedgerEntry.id.in_(candidates.scalar_subquery()), _claimable(now, lease))
        .values(status=SENDING, claimed_by=worker, claimed_at=now, attempts=LedgerEntry.attempts + 1)
        .returning(LedgerEntry)
    ).all()
    return sorted(claimed, key=lambda entry: entry.id)


def delivered(session: Session, entry_id: int, worker: str, now: datetime) -> None:
    session.execute(
        update(LedgerEntry).where(LedgerEntry.id == entry_id, LedgerEntry.claimed_by == worker)
        .values(status=DELIVERED, delivered_at=now, last_error=None)
    )


def release(session: Session, entry_ids: list[int], worker: str, error: str | None = None) -> None:
    """Give notices back, unsent, for a later attempt (this run's next pass, or the next run)."""
    if entry_ids:
        values = {"status": PENDING, "claimed_by": None, "claimed_at": None}
        if error is not None:
            values["last_error"] = error[:500]
        session.execute(update(LedgerEntry).where(LedgerEntry.id.in_(entry_ids), LedgerEntry.claimed_by == worker,
                                                  LedgerEntry.status == SENDING).values(**values))
