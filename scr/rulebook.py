"""The statutory rules of DOMAIN.md as data: one rulebook per regime, read by the deadline engine.

A later edition of the guidance is a change to this file only. Rules marked *unconfirmed* in DOMAIN.md say so in
their `source`, so that a partnership checking them sees which to confirm.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import date
from functools import cache, cached_property
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
    """A deadline: `period` after the first recorded date of `starts` (before it, for `before`), met by any date of
    `met_by`.

    A milestone applies only while every field of `applies_if` is recorded (a referral needs a withholding), and has
    no deadline until every field of `needs` is (no rapid review without a notification). Recording a field of
    `ended_by` makes it not needed; one of `lapses_with` leaves it unrecorded for good (a copy never recorded before
    publication). A decision not to hold a review ends every milestone but those that outlive it.
    """

    name: str
    label: str
    starts: tuple[str, ...]
    period: Period
    met_by: tuple[str, ...]
    source: str
    confirmed: bool = True
    before: bool = False
    applies_if: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()
    ended_by: tuple[str, ...] = ()
    lapses_with: tuple[str, ...] = ()
    ends_on: tuple[str, ...] = ()
    # An unmet milestone that escalates goes to the escalation channel; one that does not is a repeated reminder.
    escalates: bool = True
    # One that does not escalate is reminded for this long after its date, then only `status` shows it: a reminder
    # that never stops is one nobody reads.
    reminds_for: Period = Period(28, "days")
    # The review's own six months: past it, the review is overdue.
    deadline: bool = False
    # About completion or publication, which parallel proceedings may delay: a running hold pauses its overdue
    # notices. The other duties (notification, rapid review, decision, referral) run whatever the hold.
    held_by_delay: bool = False
    # Still owed after a decision not to hold a review: the rapid review goes to the Panel with that decision; an
    # SCR's decision not to initiate is told to the national panel.
    outlives_no_review: bool = False
    # A referral to the national panel: needed only for decisions taken from SCR_PANEL_FROM; `{panel}` in the label
    # names the panel of the decision's date.
    referral: bool = False


@dataclass(frozen=True)
class Rulebook:
    regime: str
    title: str
    milestones: tuple[Milestone, ...]
    panel_from: date = date(2013, 4, 15)

    @cached_property
    def _hash(self) -> int:
        return hash((self.regime, self.title, self.milestones, self.panel_from))

    def __hash__(self) -> int:
        # Every assessment is remembered under its rulebook (scr.deadlines): hashed once, not its milestones each time.
        return self._hash

    def milestone(self, name: str) -> Milestone:
        return next(m for m in self.milestones if m.name == name)

    def panel_on(self, day: date) -> str | None:
        """Who hears a decision (not to publish, not to initiate) taken on `day`: None before the national panel."""
        if day < self.panel_from:
            return None
        if self.regime == "lcspr":
            return f"{CSPRP}, the national panel, and the Secretary of State"
        if day >= TRANSITION_FROM:
            return f"{CSPRP}, the national panel"
        return "the national panel of independent experts"


# The national transition from SCRs to LCSPRs (SI 2018/789; DfE bulletin): before it every review is an SCR; from
# the partnership's own day (SCR_LCSPR_FROM) every review is an LCSPR; in between, the partnership chose. From its
# first day the Child Safeguarding Practice Review Panel hears what the national panel of experts heard before.
TRANSITION_FROM = date(2018, 6, 29)
TRANSITION_TO = date(2019, 9, 29)
CSPRP = "the Child Safeguarding Practice Review Panel"
SIX_MONTHS = Period(6, "months")
AWARE = ("aware", "incident")  # becoming aware of the incident; where only the incident is recorded, from that
CLOSED = ("published", "withheld")  # the steps before the report: once it is out (or withheld), too late to chase
# The notification is a statutory duty (s16C(1)) whatever the decision, so a decision not to hold a review does not
# make it "not needed"; but once any decision is taken it is too late to chase, so it is left "not recorded".
UNCHASED = (*CLOSED, "decided", "initiated")

SCR = Rulebook(
    regime="scr",
    title="Serious case review (Working Together 2013/2015)",
    milestones=(
        Milestone("notification", "Serious incident notification", AWARE, Period(5, "working_days"), ("notified",),
                  "WT2015, quoted by local procedures: 5 working days from becoming aware", lapses_with=UNCHASED),
        Milestone("decision", "Decision whether to initiate", ("notified",), Period(1, "months"),
                  ("initiated", "decided"), "WT2015, quoted by local boards; CYP Now legal Q&A", lapses_with=CLOSED),
        Milestone("referral_no_review", "Decision not to initiate told to {panel}", ("decided",), Period(14, "days"),
                  ("referred",), "National panel guidance flowchart: within 14 days", applies_if=("decided",),
                  outlives_no_review=True, referral=True),
        Milestone("completion", "Completion of the final report", ("initiated",), SIX_MONTHS,
                  ("completed", "withheld"), "WT2013/2015: complete within 6 months of the decision to initiate",
                  deadline=True, held_by_delay=True),
        Milestone("copy", "Copy to the DfE and Ofsted", ("planned",), Period(7, "days"), ("copied",),
                  "One week before publication; reminded only until the planned date", confirmed=False, before=True,
                  ended_by=("withheld",), lapses_with=("published",), ends_on=("planned",), escalates=False,
                  held_by_delay=True),
        Milestone("planned", "Planned publication (the board's date)", ("planned",), Period(0, "days"),
                  ("published",), "No statutory timescale for publication (parliamentary answer 68088, 2017): "
                  "the board's own date, reminded, never escalated", ended_by=("withheld",), escalates=False,
                  held_by_delay=True),
        Milestone("referral", "Decision not to publish referred to {panel}", ("withheld",), Period(0, "days"),
                  ("referred",), "WT2013; the national panel's first annual report", applies_if=("withheld",),
                  referral=True),
    ),
)

LCSPR = Rulebook(
    regime="lcspr",
    title="Local child safeguarding practice review (Working Together 2018/2023)",
    milestones=(
        Milestone("notification", "Serious incident notification to the Panel", AWARE, Period(5, "working_days"),
                  ("notified",), "gov.uk \"Report a serious child safeguarding incident\"; Children Act 2004 s16C(1)",
                  lapses_with=UNCHASED),
        Milestone("rapid_review", "Rapid review", AWARE, Period(15, "working_days"), ("rapid",),
                  "Panel expectation, not statute (Trafford and North Yorkshire partnerships; Panel FAQ); anchor: "
                  "SCR_RAPID_REVIEW_FROM; once the decision is recorded, too late to chase", needs=("notified",),
                  lapses_with=("initiated", "decided", *CLOSED)),
        Milestone("rapid_sent", "Rapid review sent to the Panel", ("rapid",), Period(0, "working_days"),
                  ("rapid_sent",), "As soon as it is complete, with the decision whether to hold an LCSPR (local "
                  "procedures; Kent partnership)", escalates=False, lapses_with=CLOSED, outlives_no_review=True),
        # A decision not to publish, taken in time, meets it; the improvements are then still to publish.
        Milestone("publication", "Completion and publication", ("initiated",), SIX_MONTHS, ("published", "withheld"),
                  "Trafford 2020 update; CPS protocol: complete and publish within 6 months", deadline=True,
                  held_by_delay=True),
        Milestone("improvements", "Publication of the improvements (the report is withheld)", ("initiated",),
                  SIX_MONTHS, ("published",), "SI 2018/789 and local procedures: if not the report, the improvements",
                  confirmed=False, applies_if=("withheld",), escalates=False, held_by_delay=True),
        Milestone("copy", "Copy to the Panel and the Secretary of State", ("planned",), Period(7, "working_days"),
                  ("copied",), "At least 7 working days before publication; reminded only until the planned date",
                  confirmed=False, before=True, ended_by=("withheld",), lapses_with=("published",),
                  ends_on=("planned",), escalates=False, held_by_delay=True),
        Milestone("planned", "Planned publication (the partners' date)", ("planned",), Period(0, "days"),
                  ("published",), "The partners' own date: reminded, never escalated", ended_by=("withheld",),
                  escalates=False, held_by_delay=True),
        Milestone("referral", "Decision not to publish justified to {panel}", ("withheld",), Period(0, "days"),
                  ("referred",), "WT2018 as recalled, not yet checked against its text", confirmed=False,
                  applies_if=("withheld",), referral=True),
        Milestone("hold_told", "Delay told to the Panel and the Secretary of State", ("delay_from",),
                  Period(0, "days"), ("delay_told",),
                  "WT2018 as recalled, not yet checked against its text: tell them why publication waits; reminded "
                  "while the hold runs", confirmed=False, applies_if=("delay_reason",), ends_on=("delay_until",),
                  escalates=False),
    ),
)

BOOKS: dict[str, Rulebook] = {book.regime: book for book in (SCR, LCSPR)}


@dataclass(frozen=True)
class Guidance(Mapping[str, Rulebook]):
    """The rulebooks by regime, with the partnership's own dates: which regime a date falls in, which panel hears it."""

    books: Mapping[str, Rulebook]
    lcspr_from: date = TRANSITION_TO
    panel_from: date = date(2013, 4, 15)
    rules: tuple[tuple[str, str], ...] = ()  # SCR_RULES: the unconfirmed rules this partnership changed

    def __getitem__(self, regime: str) -> Rulebook:
        return self.books[regime]

    def __iter__(self) -> Iterator[str]:
        return iter(self.books)

    def __len__(self) -> int:
        return len(self.books)

    @cached_property
    def _hash(self) -> int:
        return hash((tuple(self.books.items()), self.lcspr_from, self.panel_from, self.rules))

    def __hash__(self) -> int:
        return self._hash

    def regimes_on(self, day: date) -> tuple[str, ...]:
        """The regimes a review dated `day` may follow; the first is the one it follows unless told otherwise."""
        if day >= self.lcspr_from:
            return ("lcspr",)
        if day >= TRANSITION_FROM:
            return ("scr", "lcspr")
        return ("scr",)


RULEBOOKS = Guidance(BOOKS)


# SCR_RULES: what a partnership may make of an unconfirmed rule (DOMAIN.md: they "must stay configurable").
CHOICES = "off, remind, escalate, or a period such as 14 days, 7 working days, 1 month"
_PERIOD = re.compile(r"(\d{1,3}) (day|working day|month)s?")


def parse_rules(text: str) -> tuple[tuple[str, str], ...]:
    """SCR_RULES ("scr.copy=off, lcspr.copy=10 working days") as (rule, choice) pairs, each checked: only an
    unconfirmed rule may change, to off, remind, escalate or another period. A ValueError says what was wrong."""
    pairs = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        key, sep, choice = (word.strip().lower() for word in item.partition("="))
        regime, _, name = key.partition(".")
        rule = next((m for m in BOOKS[regime].milestones if m.name == name), None) if regime in BOOKS else None
        if not sep or rule is None:
            unconfirmed = ", ".join(f"{book.regime}.{m.name}" for book in BOOKS.values() for m in book.milestones
                                    if not m.confirmed)
            raise ValueError(f"{item!r} is not RULE=CHOICE with an unconfirmed rule: one of {unconfirmed}")
        if rule.confirmed:
            raise ValueError(f"{key} is a confirmed rule ({rule.source}): only unconfirmed rules can be changed")
        if choice not in ("off", "remind", "escalate") and not _PERIOD.fullmatch(choice):
            raise ValueError(f"{key}={choice!r}: the choice must be {CHOICES}")
        pairs.append((key, choice))
    return tuple(pairs)


def _configured(book: Rulebook, name: str, choice: str) -> Rulebook:
    if choice == "off":
        return replace(book, milestones=tuple(m for m in book.milestones if m.name != name))
    rule = book.milestone(name)
    if choice in ("remind", "escalate"):
        rule = replace(rule, escalates=choice == "escalate")
    else:
        amount, unit = _PERIOD.fullmatch(choice).groups()
        rule = replace(rule, period=Period(int(amount), {"day": "days", "working day": "working_days",
                                                         "month": "months"}[unit]))
    return replace(book, milestones=tuple(rule if m.name == name else m for m in book.milestones))


@cache
def rulebooks(rapid_review_from: str = "aware", lcspr_from: date = TRANSITION_TO,
              panel_from: date = date(2013, 4, 15), rules: tuple[tuple[str, str], ...] = ()) -> Guidance:
    """The rulebooks with the partnership's choices (SCR_RAPID_REVIEW_FROM, SCR_LCSPR_FROM, SCR_PANEL_FROM, and
    SCR_RULES for the unconfirmed rules)."""
    books = {regime: replace(book, panel_from=panel_from) for regime, book in BOOKS.items()}
    if rapid_review_from == "notified":
        rapid = replace(LCSPR.milestone("rapid_review"), starts=("notified",))
        books["lcspr"] = replace(books["lcspr"], milestones=tuple(rapid if m.name == "rapid_review" else m
                                                                   for m in LCSPR.milestones))
    for key, choice in rules:
        regime, _, name = key.partition(".")
        books[regime] = _configured(books[regime], name, choice)
    return Guidance(books, lcspr_from, panel_from, rules)
