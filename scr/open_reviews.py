"""The open reviews as `status` lists them, kept per process and brought up to date by reading only what changed.

Read whole once (one statement), then, after any change, only the reviews stamped since the version last read
(migration 0009: a review written has a stamp, the version of the change that last wrote it, and the version moves in
commit order), in one statement that reads the version too. Each review is assessed once a day; the list is ordered
and counted here as `scr.service.list_reviews` does it in SQL, and a test holds the two to the same answers. So `status`
after a change costs a read of the few reviews that changed, not of every open one. A deletion of reviews (no
command deletes one; SQL typed by hand might) has it read them all again.

Only for answers to reads (`scr.answers`, through `scr.db.reads`): a transaction that wrote could show it rows that
were then rolled back, under a version that the next change would reuse.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, insort
from datetime import date
from functools import lru_cache

from sqlalchemy import Connection, bindparam, literal_column, select, text
from sqlalchemy.orm import Session

from scr import db
from scr.models import OPEN_WHERE, Review
from scr.rulebook import Guidance
from scr.service import GRANTED, REVIEW_COLUMNS, ListedReview, ReviewList, ReviewRow, listed_row

_STAMP = db.STAMPS.c.stamp
_UNTIL = 2**62  # above any version
_FROM_JSON = db.from_json(REVIEW_COLUMNS)


@lru_cache(maxsize=4)
def _statement(dialect: str, changed: bool):
    """The version, when reviews were last deleted and a user's stored grant, then every open review, or those
    changed since a version (`changed`), as one JSON array the database builds, of [id, open, columns…] each: four
    columns to read, whatever the number of reviews (reading a column costs more than a review's values do)."""
    array, arrays = db.json_builders(dialect)
    is_open = literal_column(f"CASE WHEN {OPEN_WHERE} THEN 1 ELSE 0 END")
    review = array(Review.id, is_open, *REVIEW_COLUMNS)
    if changed:
        # Each stamp's review by its id (a deleted one: null), so that no plan reads every review to join them; the
        # stamps bounded on both sides by parameters, so that PostgreSQL's plan (a prepared statement's generic one
        # too, and one made before the stamps' statistics exist) expects few and reads ix_review_stamps_stamp.
        stamped = select(review).where(Review.id == db.STAMPS.c.review_id).correlate(db.STAMPS).scalar_subquery()
        reviews = (select(arrays(db.json_value(dialect, stamped))).select_from(db.STAMPS)
                   .where(bindparam("since") < _STAMP, bindparam("until") >= _STAMP))
    else:
        reviews = select(arrays(review)).where(text(OPEN_WHERE))
    reviews = reviews.scalar_subquery()
    return (select(db.VERSION.c.number, db.VERSION.c.reviews_deleted, GRANTED, db.json_of(dialect, reviews))
            .where(db.VERSION.c.id == 1))


def _soonest(row: ReviewRow) -> tuple:
    """`list_reviews`' order: needing referral first, then by start (the six months run from it), then reference."""
    review = row.review
    return not row.needs_referral, review.initiated is None, review.initiated or date.min, review.reference.upper()


class OpenReviews:
    """One process's copy of the open reviews, safe across its threads: brought up to date by `catch_up`, listed
    by `listing`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._since: int | None = None  # the version last read (None: nothing read yet)
        self._reviews: dict[int, ListedReview] = {}
        self._changed: set[int] = set()  # read since they were last assessed
        self._assessed: tuple[date, Guidance] | None = None  # the day and rulebooks of `_rows`
        self._rows: dict[int, ReviewRow] = {}
        self._order: list[tuple] = []  # (`_soonest` of a row, its review's id), in order
        self._overdue = self._referral = 0

    def catch_up(self, connection: Connection | Session, user: str | None = None) -> tuple[int, str | None]:
        """Read what changed since this copy last looked (the first time: every open review), with the records'
        version and `user`'s stored grant, in one statement; after a deletion of reviews, every open one in a second."""
        since, dialect = self._since, db.dialect_of(connection)
        values = {"user": user, "since": since, "until": _UNTIL}
        version, deleted, granted, reviews = connection.execute(_statement(dialect, since is not None), values).one()
        went_back = since is not None and version < since  # the records were replaced (a restore)
        whole = since is None or went_back or deleted > since  # or reviews were deleted: read every open one again
        if whole and since is not None:
            version, deleted, granted, reviews = connection.execute(_statement(dialect, False), values).one()
        with self._lock:
            # Never older than what another thread took meanwhile (a list is cached under the version returned here,
            # and built from this copy): unless the records went back.
            if self._since is None or version > self._since or went_back:
                self._take(reviews or (), whole)
                self._since = version
        return version, granted

    def _take(self, reviews, whole: bool) -> None:
        if whole:
            self._reviews, self._assessed = {}, None
        for review_id, is_open, *columns in filter(None, reviews):  # none: a stamp of a review since deleted
            if is_open:
                self._reviews[review_id] = ListedReview._make(_FROM_JSON(columns))
            else:
                self._reviews.pop(review_id, None)
            self._changed.add(review_id)

    def listing(self, as_of: date, rulebooks: Guidance, limit: int | None = None) -> ReviewList:
        """What `list_reviews(…, "open", limit)` answers, as of the last `catch_up`."""
        with self._lock:
            if self._since is None:
                raise RuntimeError("OpenReviews.listing before catch_up")
            self._assess(as_of, rulebooks)
            rows = [self._rows[review_id] for _, review_id in self._order[:limit]]
            return ReviewList("open", rows, len(self._order), self._overdue, self._referral)

    def _assess(self, as_of: date, rulebooks: Guidance) -> None:
        """Assess what changed, and keep the order and counts; every review again on a new day."""
        if self._assessed != (as_of, rulebooks):
            self._assessed, self._changed = (as_of, rulebooks), set()
            self._rows = {review_id: listed_row(review, as_of, rulebooks)
                          for review_id, review in self._reviews.items()}
            self._order = sorted((_soonest(row), review_id) for review_id, row in self._rows.items())
            self._overdue = sum(row.overdue for row in self._rows.values())
            self._referral = sum(row.needs_referral for row in self._rows.values())
            return
        for review_id in self._changed:
            old = self._rows.pop(review_id, None)
            if old is not None:
                del self._order[bisect_left(self._order, (_soonest(old), review_id))]
                self._overdue -= old.overdue
                self._referral -= old.needs_referral
            review = self._reviews.get(review_id)
            if review is not None:
                row = self._rows[review_id] = listed_row(review, as_of, rulebooks)
                insort(self._order, (_soonest(row), review_id))
                self._overdue += row.overdue
                self._referral += row.needs_referral
        self._changed.clear()
