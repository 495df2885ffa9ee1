"""The records: reviews, their action plans, role grants, the audit trail and the notice ledger."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

REGIMES = ("scr", "lcspr")
ROLES = ("viewer", "editor", "admin")

DECISIONS = ("review", "no-review")

# Reviews that may still need attention: unpublished, neither referred (an SCR's referral ends it; a withheld
# LCSPR still owes its improvements) nor ended by an LCSPR's no-review decision; and any withheld one not yet
# referred (a withheld LCSPR whose improvements are published still owes its referral). What `status` lists, what
# the daily run counts as open, and the partial index ix_reviews_open's predicate (see scr.service, jobs.run): plain
# SQL, so it cannot depend on settings (SCR_PANEL_FROM); `status` flags which of them need referral. Its last
# operator is an OR: bracket it before ANDing anything to it as text.
OPEN_WHERE = ("(published IS NULL AND (referred IS NULL OR regime = 'lcspr') "
              "AND (decision IS NULL OR decision <> 'no-review' OR regime = 'scr')) "
              "OR (withheld IS NOT NULL AND referred IS NULL)")
# The dates a review records, in the order its life runs; the hold's dates last.
DATE_FIELDS = ("incident", "aware", "notified", "rapid", "rapid_sent", "decided", "initiated", "completed", "planned",
               "copied", "published", "withheld", "referred", "delay_from", "delay_until", "delay_told")


class Base(DeclarativeBase):
    pass


class Review(Base):
    __tablename__ = "reviews"
    __table_args__ = (
        Index("ix_reviews_open", "initiated", "withheld", "regime", "decision",
              sqlite_where=text(OPEN_WHERE), postgresql_where=text(OPEN_WHERE)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(40))
    # The reference upper-cased: references are unique whatever their case.
    reference_key: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    regime: Mapped[str] = mapped_column(String(10), default="scr")
    reviewer: Mapped[str | None] = mapped_column(String(200))
    incident: Mapped[date | None] = mapped_column(Date)
    aware: Mapped[date | None] = mapped_column(Date)
    notified: Mapped[date | None] = mapped_column(Date)
    rapid: Mapped[date | None] = mapped_column(Date)
    rapid_sent: Mapped[date | None] = mapped_column(Date)
    # The decision whether to hold a review: `review` (its date is `initiated`) or `no-review` (its date `decided`).
    decision: Mapped[str | None] = mapped_column(String(10))
    decided: Mapped[date | None] = mapped_column(Date)
    decision_reason: Mapped[str | None] = mapped_column(String(500))
    initiated: Mapped[date | None] = mapped_column(Date, index=True)
    completed: Mapped[date | None] = mapped_column(Date)
    planned: Mapped[date | None] = mapped_column(Date)
    copied: Mapped[date | None] = mapped_column(Date)
    published: Mapped[date | None] = mapped_column(Date)
    url: Mapped[str | None] = mapped_column(String(500))
    withheld: Mapped[date | None] = mapped_column(Date)
    withheld_reason: Mapped[str | None] = mapped_column(String(500))
    referred: Mapped[date | None] = mapped_column(Date)
    # The hold for parallel proceedings (a trial, an inquest): one at a time; the audit trail keeps earlier ones.
    delay_reason: Mapped[str | None] = mapped_column(String(500))
    delay_from: Mapped[date | None] = mapped_column(Date)
    delay_until: Mapped[date | None] = mapped_column(Date)
    delay_told: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    actions: Mapped[list[Action]] = relationship(
        back_populates="review", order_by="Action.number", cascade="all, delete-orphan"
    )

    @property
    def is_open(self) -> bool:
        return self.published is None and self.withheld is None and self.decision != "no-review"


class Action(Base):
    """One lesson or recommendation of a review's action plan."""

    __tablename__ = "actions"
    __table_args__ = (UniqueConstraint("review_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(String(500))
    owner: Mapped[str] = mapped_column(String(32))
    due: Mapped[date] = mapped_column(Date, index=True)
    done: Mapped[date | None] = mapped_column(Date)
    evidence: Mapped[str | None] = mapped_column(String(500))  # what shows it was done
    # The impact review, some months after it was done: did it work (effective, partly, not), and when it was judged.
    impact: Mapped[str | None] = mapped_column(String(10))
    impact_note: Mapped[str | None] = mapped_column(String(500))
    impact_on: Mapped[date | None] = mapped_column(Date)

    review: Mapped[Review] = relationship(back_populates="actions")


class Grant(Base):
    """A stored role; everyone else in the workspace is a viewer, and SCR_ADMINS are administrators."""

    __tablename__ = "grants"

    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    role: Mapped[str] = mapped_column(String(10))


class AuditEntry(Base):
    """One changed field: who, when, which field, from what, to what."""

    __tablename__ = "audit"
    __table_args__ = (Index("ix_audit_review_at", "review_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(64))
    review_id: Mapped[int | None] = mapped_column(ForeignKey("reviews.id"))
    field: Mapped[str] = mapped_column(String(64))
    old: Mapped[str | None] = mapped_column(Text)
    new: Mapped[str | None] = mapped_column(Text)


class LedgerEntry(Base):
    """One notice for one destination, written before it is sent and marked once delivered.

    `key` (destination, kind, subject, window) is unique: a notice planned twice, by a re-run or by two job
    processes at once, is stored once.
    """

    __tablename__ = "notices"
    __table_args__ = (Index("ix_notices_status", "status", "id"), Index("ix_notices_subject_kind", "subject", "kind"))

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    destination: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(40))
    window: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text)  # the rendered message, exactly as it is sent
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending, sending, delivered
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Snooze(Base):
    """An editor's "Snooze 7 days" on a review's notice of one kind: it does not repeat before `until`."""

    __tablename__ = "snoozes"

    subject: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    until: Mapped[date] = mapped_column(Date)


class TeamsConversation(Base):
    """A Teams channel the bot was added to (from the install activity): where notices through the bot can go, and
    the service URL (Teams' regional endpoint) that reaches it."""

    __tablename__ = "teams_conversations"

    conversation_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    service_url: Mapped[str] = mapped_column(String(300))
    captured_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
