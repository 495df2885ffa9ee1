"""The statutory rules of DOMAIN.md as data: one rulebook per regime, read by the deadline engine.

A later edition of the guidance is a change to this file only. Rules marked *unconfirmed* in DOMAIN.md say so in
their `source`, so that a partnership checking them sees which to confirm.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
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

RULEBOOKS: dict[str, Rulebook] = {book.regime: book for book in (SCR, LCSPR)}


@cache
def rulebooks(rapid_review_from: str = "notified") -> dict[str, Rulebook]:
    """The rulebooks with the partnership's choice of anchor for the rapid review (SCR_RAPID_REVIEW_FROM)."""
    if rapid_review_from == "notified":
        return RULEBOOKS
    rapid = replace(LCSPR.milestone("rapid_review"), starts=rapid_review_from)
    lcspr = replace(LCSPR, milestones=tuple(rapid if m.name == "rapid_review" else m for m in LCSPR.milestones))
    return {**RULEBOOKS, "lcspr": lcspr}
