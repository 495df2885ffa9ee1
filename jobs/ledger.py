"""The notice ledger: write each notice before it is sent, claim it to send it, mark it once delivered.

Claims are leases: a notice claimed by a process that died is claimed again once its lease runs out, so a crash
loses nothing. A live sender renews its leases before each notice it sends, so they never run out under a batch
that is still going. Two processes never hold the same notice: a claim is one conditional UPDATE (with SKIP LOCKED
on PostgreSQL), and the unique key stops a notice being stored twice.

A notice whose last attempt may have reached the destination all the same (the sender died after posting, or the
answer never came) is claimed as CHECKING: the sender looks for it at the destination before posting it again.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from scr.models import LedgerEntry, Snooze

PENDING, SENDING, DELIVERED = "pending", "sending", "delivered"
UNKNOWN = "unknown"  # an attempt ended without knowing whether the notice arrived
CHECKING = "checking"  # claimed from UNKNOWN, or from a sender whose lease ran out: look before posting
CANCELLED = "cancelled"  # the record resolved it before it was sent
GIVEN_UP = "given_up"  # undeliverable: MAX_ATTEMPTS ran out
IN_FLIGHT = (SENDING, CHECKING)
# With the worker's retries every 15 minutes, three hours of trying; with a daily `--once`, twelve days.
MAX_ATTEMPTS = 12


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


def snoozed(session: Session, as_of: date, subject: str | None = None) -> dict[tuple[str, str], date]:
    query = select(Snooze.subject, Snooze.kind, Snooze.until).where(Snooze.until > as_of)
    if subject is not None:
        query = query.where(Snooze.subject == subject)
    return {(subject, kind): until for subject, kind, until in session.execute(query)}


def undeliverable(session: Session, since: datetime) -> list[str]:
    """The subjects of the notices given up since `since` (the time of their last attempt)."""
    query = select(LedgerEntry.subject).where(LedgerEntry.status == GIVEN_UP, LedgerEntry.claimed_at >= since)
    return list(session.scalars(query.order_by(LedgerEntry.id)))


def _claimable(now: datetime, lease: timedelta):
    return or_(LedgerEntry.status.in_((PENDING, UNKNOWN)),
               and_(LedgerEntry.status.in_(IN_FLIGHT), LedgerEntry.claimed_at < now - lease))


def claim(session: Session, worker: str, now: datetime, lease: timedelta, limit: int = 50) -> list[LedgerEntry]:
    """Take up to `limit` notices to send: pending ones, and those whose outcome is unknown or whose sender's lease
    ran out (these as CHECKING)."""
    candidates = select(LedgerEntry.id).where(_claimable(now, lease)).order_by(LedgerEntry.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    claimed = session.scalars(
        update(LedgerEntry)
        .where(LedgerEntry.id.in_(candidates.scalar_subquery()), _claimable(now, lease))
        .values(status=case((LedgerEntry.status == PENDING, SENDING), else_=CHECKING),
                claimed_by=worker, claimed_at=now)
        .returning(LedgerEntry)
    ).all()
    return sorted(claimed, key=lambda entry: entry.id)


def begin(session: Session, entry_id: int, worker: str, now: datetime) -> int | None:
    """Renew every lease `worker` holds and count an attempt at `entry_id`.

    Returns the notice's attempts so far, this one included, or None if `worker` no longer holds it (its lease ran
    out and another process took it over).
    """
    renewed = session.execute(
        update(LedgerEntry)
        .where(LedgerEntry.claimed_by == worker, LedgerEntry.status.in_(IN_FLIGHT))
        .values(claimed_at=now, attempts=LedgerEntry.attempts + case((LedgerEntry.id == entry_id, 1), else_=0))
        .returning(LedgerEntry.id, LedgerEntry.attempts)
        .execution_options(synchronize_session=False)
    ).all()
    return next((attempts for held, attempts in renewed if held == entry_id), None)


def finish(session: Session, entry_id: int, worker: str, status: str, now: datetime) -> None:
    """Mark a notice DELIVERED (or CANCELLED: the record resolved it), if `worker` still holds it."""
    values = {"status": status, "last_error": None, "delivered_at": now if status == DELIVERED else None}
    session.execute(
        update(LedgerEntry).where(LedgerEntry.id == entry_id, LedgerEntry.claimed_by == worker,
                                  LedgerEntry.status.in_(IN_FLIGHT)).values(**values)
    )


def give_back(session: Session, entry_ids: list[int], worker: str) -> None:
    """Hand back notices claimed but not tried (the process is stopping), as they were before the claim."""
    if entry_ids:
        session.execute(
            update(LedgerEntry)
            .where(LedgerEntry.id.in_(entry_ids), LedgerEntry.claimed_by == worker, LedgerEntry.status.in_(IN_FLIGHT))
            .values(status=case((LedgerEntry.status == CHECKING, UNKNOWN), else_=PENDING),
                    claimed_by=None, claimed_at=None)
        )


def release(session: Session, entry_ids: list[int], worker: str, error: str, unknown: bool) -> None:
    """Give back notices that failed, for the next run: UNKNOWN if they may have arrived all the same."""
    if entry_ids:
        session.execute(
            update(LedgerEntry)
            .where(LedgerEntry.id.in_(entry_ids), LedgerEntry.claimed_by == worker, LedgerEntry.status.in_(IN_FLIGHT))
            .values(status=UNKNOWN if unknown else PENDING, claimed_by=None, claimed_at=None, last_error=error[:500])
        )


def give_up(session: Session, entry_ids: list[int], worker: str, error: str) -> None:
    """Mark notices undeliverable; their `claimed_at` stays, the time of the last attempt (the digest reports it)."""
    if entry_ids:
        session.execute(
            update(LedgerEntry)
            .where(LedgerEntry.id.in_(entry_ids), LedgerEntry.claimed_by == worker, LedgerEntry.status.in_(IN_FLIGHT))
            .values(status=GIVEN_UP, last_error=error[:500])
        )
