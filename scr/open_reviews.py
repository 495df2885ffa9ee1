"""The open reviews as `status` lists them, kept per process and brought up to date by reading only what changed.

Read whole once (one statement), then, after any change, only the reviews stamped since the version last read
(migration 0009: each review carries the version of the change that last wrote it, and the version moves in commit
order), in one statement that reads the version too. Each review is assessed once a day; the list is ordered and
counted here as `scr.service.list_reviews` does it in SQL, and a test holds the two to the same answers. So `status`
after a change costs a read of the few reviews that changed, not of every open one. A deletion of reviews (no
command deletes one; SQL typed by hand might) has it read them all again.

Only for answers to reads (`scr.answers`, through `scr.db.reads`): a transaction that wrote could show it rows that
were then rolled back, under a version that the next change would reuse.
"""

from __future__ import annotations

import threading
from datetime import date

from sqlalchemy import Connection, bindparam, literal_column, select, text
from sqlalchemy.orm import Session

from scr import db
from scr.models import OPEN_WHERE, Review
from scr.rulebook import Guidance
from scr.service import REVIEW_COLUMNS, ListedReview, ReviewList, ReviewRow, listed_row


def _reviews_joined(on) -> select:
    """The version and when reviews were last deleted, then each review `on` selects (none: one row of NULLs),
    with whether it is open."""
    is_open = literal_column(f"CASE WHEN {OPEN_WHERE} THEN 1 ELSE 0 END")
    return (select(db.VERSION.c.number, db.VERSION.c.reviews_deleted, Review.id, is_open, *REVIEW_COLUMNS)
            .select_from(db.VERSION.outerjoin(Review.__table__, on))
            .where(db.VERSION.c.id == 1))


_EVERY_OPEN = _reviews_joined(text(OPEN_WHERE))
_CHANGED_SINCE = _reviews_joined(literal_column(f"reviews.{db.STAMP}") > bindparam("since"))


def _soonest(row: ReviewRow) -> tuple:
    """`list_reviews`' order: needing referral first, then by start (the six months run from it), then reference."""
    review = row.review
    return not row.needs_referral, review.initiated is None, review.initiated or date.min, review.reference.upper()


class OpenReviews:
    """One process's copy of the open reviews, safe across its threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._since: int | None = None  # the version last read (None: nothing read yet)
        self._reviews: dict[int, ListedReview] = {}
        self._rows: dict[int, ReviewRow] = {}  # assessed on `_assessed`'s day, under its rulebooks
        self._assessed: tuple[date, Guidance] | None = None
        self._listed: tuple[list[ReviewRow], int, int] | None = None  # in order, with the overdue and referral counts

    def listing(self, connection: Connection | Session, as_of: date, rulebooks: Guidance,
                limit: int | None = None) -> ReviewList:
        """What `list_reviews(…, "open", limit)` answers, as the records stand now."""
        with self._lock:
            self._catch_up(connection)
            rows, overdue, referral = self._ordered(as_of, rulebooks)
        return ReviewList("open", rows[:limit], len(rows), overdue, referral)

    def _catch_up(self, connection: Connection | Session) -> None:
        since = self._since
        found = connection.execute(_EVERY_OPEN if since is None else _CHANGED_SINCE, {"since": since}).all()
        version, deleted = found[0][:2]
        if since is not None and deleted > since:  # reviews were deleted since: read them all again
            self._since, self._reviews, self._rows, self._listed = None, {}, {}, None
            self._catch_up(connection)
            return
        for _, _, review_id, is_open, *columns in found:
            if review_id is None:  # the version's row alone: no review changed
                continue
            self._rows.pop(review_id, None)
            if is_open:
                self._reviews[review_id] = ListedReview._make(columns)
            else:
                self._reviews.pop(review_id, None)
            self._listed = None
        self._since = version

    def _ordered(self, as_of: date, rulebooks: Guidance) -> tuple[list[ReviewRow], int, int]:
        if self._assessed != (as_of, rulebooks):
            self._assessed, self._rows, self._listed = (as_of, rulebooks), {}, None
        if self._listed is None:
            for review_id, review in self._reviews.items():
                if review_id not in self._rows:
                    self._rows[review_id] = listed_row(review, as_of, rulebooks)
            rows = sorted(self._rows.values(), key=_soonest)
            self._listed = rows, sum(row.overdue for row in rows), sum(row.needs_referral for row in rows)
        return self._listed
