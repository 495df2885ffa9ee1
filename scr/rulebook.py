"""The statutory rules of DOMAIN.md as data: one rulebook per regime, read by the deadline engine.

A later edition of the guidance is a change to this file only. Rules marked *unconfirmed* in DOMAIN.md say so in
their `source`, so that a partnership checking them sees which to confirm.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import date
from functools import cache
from typing import Literal

Unit = Literal["months", "working_days", "days"]


@dataclass(frozen=True)
class Period:
    amount: int
    unit: Unit

    def __str__(self) -> str:
        words = {"months": "month", "working_days": "working day", "days": "day"}[self.unit]
        return f"{self.amount} {words}{'' if self.amount == 1 else 's'}"


@dataclass(frozen=True)
class Milestone:
    """A deadline: `period` after the date in field `starts` (or before it, for `before`), met by any of `met_by`.

    `starts` names a date field of the review, or "due" for the review's own publication deadline.
    """

    name: str
    label: str
    starts: str
    period: Period
    met_by: tuple[str, ...]
    source: str
    before: bool = False
    # False for a milestone the record cannot show as met (nothing records the copy being sent): remind, never escalate.
    escalates: bool = True


@dataclass(frozen=True)
class Rulebook:
    regime: str
    title: str
    milestones: tuple[Milestone, ...]
    panel: str

    def milestone(self, name: str) -> Milestone:
        return next(m for m in self.milestones if m.name == name)


# The six months within which a review is completed and published: the deadline that makes a review overdue.
PUBLICATION = "publication"

SCR = Rulebook(
    regime="scr",
    title="Serious case review (Working Together 2013/2015)",
    panel="the national panel",
    milestones=(
        Milestone("notification", "Serious incident notification", "incident", Period(5, "working_days"),
                  ("notified",), "WT2015 ch. 4"),
        Milestone("initiation", "Decision to initiate", "notified", Period(1, "months"),
                  ("initiated",), "WT2015, quoted by local boards"),
        Milestone("pre_publication_copy", "Copy to DfE and Ofsted", "due", Period(7, "days"),
                  ("published",), "unconfirmed: one week before publication", before=True, escalates=False),
        Milestone(PUBLICATION, "Completion and publication", "initiated", Period(6, "months"),
                  ("published", "withheld"), "WT2013"),
    ),
)

LCSPR = Rulebook(
    regime="lcspr",
    title="Local child safeguarding practice review (Working Together 2018/2023)",
    panel="the national panel (Child Safeguarding Practice Review Panel) and the Secretary of State",
    milestones=(
        Milestone("notification", "Serious incident notification", "incident", Period(5, "working_days"),
                  ("notified",), "Children Act 2004 s16C(1)"),
        # The rapid review leads to the decision whether to hold an LCSPR, so recording `initiated` meets it.
        Milestone("rapid_review", "Rapid review", "notified", Period(15, "working_days"),
                  ("initiated",), "WT2018, local procedures"),
        Milestone("pre_publication_copy", "Copy to the Panel and the Secretary of State", "due",
                  Period(7, "working_days"), ("published",),
                  "unconfirmed: at least 7 working days before publication", before=True, escalates=False),
        Milestone(PUBLICATION, "Completion and publication", "initiated", Period(6, "months"),
                  ("published", "withheld"), "WT2018 (exact wording unconfirmed)"),
    ),
)

# The national transition from SCRs to LCSPRs (SI 2018/789; DfE bulletin): before it every review is an SCR; from
# the partnership's own day (SCR_LCSPR_FROM) every review is an LCSPR; in between, the partnership chose.
TRANSITION_FROM = date(2018, 6, 29)
TRANSITION_TO = date(2019, 9, 29)
BOOKS: dict[str, Rulebook] = {book.regime: book for book in (SCR, LCSPR)}


@dataclass(frozen=True)
class Guidance(Mapping[str, Rulebook]):
    """The rulebooks by regime, with the partnership's own dates: which regime a date falls in, which panel hears it."""

    books: Mapping[str, Rulebook]
    lcspr_from: date = TRANSITION_TO
    panel_from: date = date(2013, 4, 15)

    def __getitem__(self, regime: str) -> Rulebook:
        return self.books[regime]

    def __iter__(self) -> Iterator[str]:
        return iter(self.books)

    def __len__(self) -> int:
        return len(self.books)

    def __hash__(self) -> int:
        return hash((tuple(self.books.items()), self.lcspr_from, self.panel_from))

    def regimes_on(self, day: date) -> tuple[str, ...]:
        """The regimes a review dated `day` may follow; the first is the one it follows unless told otherwise."""
        if day >= self.lcspr_from:
            return ("lcspr",)
        if day >= TRANSITION_FROM:
            return ("scr", "lcspr")
        return ("scr",)


RULEBOOKS = Guidance(BOOKS)


@cache
def rulebooks(rapid_review_from: str = "aware", lcspr_from: date = TRANSITION_TO,
              panel_from: date = date(2013, 4, 15)) -> Guidance:
    """The rulebooks with the partnership's choices (SCR_RAPID_REVIEW_FROM, SCR_LCSPR_FROM, SCR_PANEL_FROM)."""
    books = dict(BOOKS)
    if rapid_review_from != "notified":
        rapid = replace(LCSPR.milestone("rapid_review"), starts=rapid_review_from)
        books["lcspr"] = replace(LCSPR, milestones=tuple(rapid if m.name == "rapid_review" else m
                                                         for m in LCSPR.milestones))
    return Guidance(books, lcspr_from, panel_from)
