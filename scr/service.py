"""The use-cases: one function per `/scr` verb, over a database session.

Each runs inside the caller's transaction (`scr.db.transaction`), checks the actor's permission first, records
every changed field in the audit trail, and raises `CommandError` (so that the transaction rolls back and nothing
is written) for anything refused or wrong. Queries run a fixed number of SQL statements whatever the number of
reviews.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from operator import attrgetter
from typing import TYPE_CHECKING

from sqlalchemy import Connection, and_, bindparam, case, delete, func, or_, select, text
from sqlalchemy.orm import Session

from scr import db
from scr import grammar as g
from scr.deadlines import Assessment, MilestoneState, assess, latest_start_past, publication_due
from scr.grammar import CommandError
from scr.models import DATE_FIELDS, OPEN_WHERE, REGIMES, ROLES, Action, AuditEntry, Grant, Review, Snooze
from scr.report import IMPACTS, Report, ReportPeriod, build_report
from scr.rulebook import Guidance, Rulebook
from scr.validate import check_dates, check_review, settle_regime

if TYPE_CHECKING:
    from scr.open_reviews import OpenReviews


@dataclass(frozen=True)
class Actor:
    """Who is acting: a Slack user ID, or `cli:<os user>` for the operator's shell (always an administrator)."""

    id: str
    admin: bool = False  # an SCR_ADMINS member or the CLI: administrator whatever the grants say
    # A guest, a person from another workspace or organisation (Slack Connect), or one whose account could not be
    # checked: holds no role whatever the grants say, so reads and writes nothing.
    outsider: bool = False


@dataclass(frozen=True)
class Context:
    session: Session | Connection  # a Connection only for answers to reads (`scr.db.reads`, `scr.answers.CACHED`)
    actor: Actor
    now: datetime  # aware, in SCR_TIMEZONE
    rulebooks: Guidance
    list_limit: int | None = None  # how many reviews the asker's screen shows; the counts cover them all
    readers: str = "granted"  # SCR_READERS: "granted" (viewers, editors, admins) or "workspace" (every member)
    admins: tuple[str, ...] = ()  # SCR_ADMINS: administrators by the setting, whom chat cannot demote

    @property
    def today(self) -> date:
        return self.now.date()

    def rulebook(self, review: Review) -> Rulebook:
        return self.rulebooks[review.regime]


# Results: what a command found or did, for the renderers (`scr.present`, `bot.blocks`) to word.


@dataclass(frozen=True)
class Done:
    message: str
    reference: str | None = None


@dataclass(frozen=True)
class ReviewRow:
    review: ListedReview  # the columns of REVIEW_COLUMNS
    due: date | None
    days_left: int | None
    overdue: bool
    needs_referral: bool
    held: bool = False
    late: MilestoneState | None = None  # the first milestone past due that escalates, if any


@dataclass(frozen=True)
class ReviewList:
    which: str
    rows: list[ReviewRow]
    total: int
    overdue: int
    needs_referral: int


@dataclass(frozen=True)
class ReviewDetail:
    review: ReadReview
    assessment: Assessment
    rulebook: Rulebook
    can_edit: bool


@dataclass(frozen=True)
class HistoryEntry:
    """One audit entry as its reader may see it: `at` in the reader's time zone, text withheld from viewers."""

    at: datetime
    actor: str
    field: str
    old: str | None
    new: str | None


@dataclass(frozen=True)
class HistoryPage:
    reference: str
    entries: list[HistoryEntry]
    text_withheld: bool = False  # some values were free text the reader may not see


@dataclass(frozen=True)
class RoleList:
    """Who holds what: administrators by SCR_ADMINS, then the stored grants."""

    by_setting: tuple[str, ...]
    grants: list[tuple[str, str]]  # (user, role), administrators first
    readers: str


@dataclass(frozen=True)
class RulesPage:
    """`help rules`: the rulebooks this deployment enforces, with the partnership's dates."""

    rulebooks: Guidance


@dataclass(frozen=True)
class FormNeeded:
    """`/scr new` or `/scr update REF` with nothing else: Slack opens the form; the CLI shows the usage."""

    verb: str
    reference: str | None = None


@dataclass(frozen=True)
class ReportAnswer:
    report: Report
    share: bool  # to be posted to the reminder channel, not only shown to the asker


Result = Done | ReportAnswer | ReviewList | ReviewDetail | HistoryPage | RoleList | RulesPage | FormNeeded | g.Help


# Permissions


def role_of(session: Session, actor: Actor) -> str | None:
    """The actor's role, or None: no grant, or an outsider, whom no grant reaches."""
    asked = not (actor.admin or actor.outsider)  # neither holds a stored grant that counts
    return _role(actor, session.scalar(select(Grant.role).where(Grant.user_id == actor.id)) if asked else None)


def _role(actor: Actor, granted: str | None) -> str | None:
    """The actor's role given their stored grant: administrators by SCR_ADMINS are admins, outsiders have none."""
    return "admin" if actor.admin else None if actor.outsider else granted


def authorise(ctx: Context, role: str, doing: str) -> str:
    """The actor's role if it is `role` or above (viewer < editor < admin), else "You don't have permission to …".

    With SCR_READERS=workspace every member of the workspace reads, granted or not; outsiders never do.
    """
    return _permit(ctx, role, doing, role_of(ctx.session, ctx.actor))


# The records' version (`scr.db.records_version`) and one person's stored grant, in one statement.
GRANTED = select(Grant.role).where(Grant.user_id == bindparam("user")).scalar_subquery()
_VERSION_AND_GRANT = select(db.VERSION.c.number, GRANTED).where(db.VERSION.c.id == 1)


def version_and_role(ctx: Context) -> tuple[int, str]:
    """The records' version, then the actor's role, `reader`: one round trip, the version read first (see
    scr.answers), the grant with it."""
    version, granted = ctx.session.execute(_VERSION_AND_GRANT, {"user": ctx.actor.id}).one()
    return version, reader(ctx, granted)


def reader(ctx: Context, granted: str | None) -> str:
    """The actor's role given their stored grant, if they may read reviews (`authorise`), else "You don't have …"."""
    return _permit(ctx, "viewer", "read reviews", _role(ctx.actor, granted))


def _permit(ctx: Context, role: str, doing: str, have: str | None) -> str:
    if have is not None and ROLES.index(have) >= ROLES.index(role):
        return have
    if role == "viewer" and ctx.readers == "workspace" and not ctx.actor.outsider:
        return "reader"
    if ctx.actor.outsider:
        raise CommandError(f"You don't have permission to {doing}: these records are for members of this workspace, "
                           f"and I could not confirm that you are one (guests and people from other organisations "
                           f"never see them).")
    asks = "an existing administrator" if role == "admin" else "an administrator"
    raise CommandError(f"You don't have permission to {doing}: ask {asks} to `/scr grant` you {role} access.")


# Reading


def find_review(session: Session, reference: str, *, for_update: bool = False) -> Review:
    query = select(Review).where(Review.reference_key == reference.upper())
    if for_update:
        query = query.with_for_update()
    review = session.scalar(query)
    if review is None:
        raise CommandError(not_found(reference))
    return review


def not_found(reference: str) -> str:
    return f"Review `{reference}` not found. `/scr list all` shows every review."


def _overdue_clause(as_of: date, rulebooks: Guidance):
    """Overdue, in SQL, from the rulebooks' data as `scr.deadlines` reads it (`Assessment.late`): a milestone that
    escalates (referrals apart) applies, is neither met, ended nor lapsed, and started long enough ago."""
    def column(field: str):
        return getattr(Review, field)

    late = []
    for regime, book in rulebooks.items():
        for m in book.milestones:
            if not m.escalates or m.referral:
                continue
            started = func.coalesce(*map(column, m.starts)) if len(m.starts) > 1 else column(m.starts[0])
            late.append(and_(
                Review.regime == regime,
                started <= latest_start_past(as_of, m.period, before=m.before),
                *(column(f).is_not(None) for f in (*m.applies_if, *m.needs)),
                *(column(f).is_(None) for f in (*m.met_by, *m.ended_by, *m.lapses_with)),
                *(or_(column(f).is_(None), column(f) >= as_of) for f in m.ends_on),
                *(() if m.outlives_no_review else (or_(Review.decision.is_(None), Review.decision != "no-review"),)),
            ))
    return or_(*late)


def _needs_referral_clause(rulebooks: Guidance):
    """A decision the national panel must hear, from SCR_PANEL_FROM, with no referral recorded."""
    return and_(Review.referred.is_(None), or_(
        Review.withheld >= rulebooks.panel_from,
        and_(Review.regime == "scr", Review.decided >= rulebooks.panel_from),  # `decided`: not to hold one
    ))


_FILTERS = {
    # Reviews that may still owe something (scr.models.OPEN_WHERE): the partial index ix_reviews_open is on these.
    "open": lambda: text(OPEN_WHERE),
    "withheld": lambda: Review.withheld.is_not(None),
    "published": lambda: Review.published.is_not(None),
    "all": lambda: True,
}

# What a list reads of a review: what the deadline engine reads (`scr.deadlines.ReviewDates`), and its name.
REVIEW_COLUMNS = (Review.reference, Review.title, Review.regime, Review.decision, Review.delay_reason,
                  *(getattr(Review, field) for field in DATE_FIELDS))
ListedReview = namedtuple("ListedReview", [column.key for column in REVIEW_COLUMNS])


@lru_cache(maxsize=64)  # a few lists (open, overdue, …) at a few lengths (Slack, App Home, Teams, CLI) a day
def _list_statement(which: str, as_of: date, rulebooks: Guidance, limit: int | None):
    """The one statement behind a list: its rows soonest deadline first (those needing referral before all), each
    carrying the whole list's counts (window functions count every row the filter keeps, before the limit).

    Built once a day per list: building the overdue clause from the rulebooks costs more than running it.
    Six calendar months is monotonic, so ordering by `initiated` orders by due date without computing it in SQL.
    """
    overdue = _overdue_clause(as_of, rulebooks)
    needs_referral = _needs_referral_clause(rulebooks)
    held = and_(Review.delay_reason.is_not(None), or_(Review.delay_until.is_(None), Review.delay_until >= as_of))
    where = {"overdue": overdue, "held": held}[which] if which in ("overdue", "held") else _FILTERS[which]()
    return (
        select(*REVIEW_COLUMNS, func.count().over(), func.count(case((overdue, 1))).over(),
               func.count(case((needs_referral, 1))).over())
        .where(where)
        .order_by(case((needs_referral, 0), else_=1), Review.initiated.is_(None), Review.initiated,
                  db.CodePointOrder(Review.reference_key))
        .limit(limit)
    )


def listed_row(review: ListedReview, as_of: date, rulebooks: Guidance) -> ReviewRow:
    assessment = assess(review, as_of, rulebooks[review.regime])
    late = assessment.late
    return ReviewRow(review, assessment.due, assessment.days_left, bool(late), assessment.needs_referral,
                     assessment.held, late[0] if late else None)


def list_reviews(
    session: Session | Connection, as_of: date, rulebooks: Guidance, which: str = "open", limit: int | None = None,
    open_reviews: OpenReviews | None = None,
) -> ReviewList:
    """Reviews soonest deadline first (those needing referral before all), with counts: one statement; the open ones
    from `open_reviews` when given (`scr.open_reviews`, brought up to date by the caller)."""
    if which == "open" and open_reviews is not None:
        return open_reviews.listing(as_of, rulebooks, limit)
    rows, counts = [], (0, 0, 0)
    width = len(REVIEW_COLUMNS)
    for row in session.execute(_list_statement(which, as_of, rulebooks, limit)):
        rows.append(listed_row(ListedReview._make(row[:width]), as_of, rulebooks))
        counts = row[width:]
    total, overdue_count, referral_count = counts
    return ReviewList(which, rows, total, overdue_count, referral_count)


class ReadReview(namedtuple("ReadReview", [*(column.key for column in Review.__table__.c), "actions"])):
    """A review as its detail reads it: every column, then its actions in order, as plain values."""

    __slots__ = ()
    is_open = Review.is_open  # the model's own rule


ReadAction = namedtuple("ReadAction", [column.key for column in Action.__table__.c])


@lru_cache(maxsize=2)
def _versioned_detail(dialect: str):
    """The records' version, the asker's grant, and the review with its actions as one JSON value built by the
    database (NULL for a reference that matches none): all an answer from the cache needs, whether it is there or
    must be built, in one round trip of three columns."""
    array, arrays = db.json_builders(dialect)
    reviews, actions = Review.__table__, Action.__table__
    its_actions = db.json_of(dialect, select(arrays(array(*actions.c))).where(actions.c.review_id == reviews.c.id)
                             .scalar_subquery())
    review = select(array(array(*reviews.c), its_actions)).where(reviews.c.reference_key == bindparam("reference"))
    return (select(db.VERSION.c.number, GRANTED, db.json_of(dialect, review.scalar_subquery()))
            .where(db.VERSION.c.id == 1))


_REVIEW_FROM_JSON, _ACTION_FROM_JSON = db.from_json(Review.__table__.c), db.from_json(Action.__table__.c)


def _read_detail(ctx: Context, reference: str) -> tuple[int, str | None, list | None]:
    """The records' version, the asker's stored grant, and the review with its actions as JSON (None: not found)."""
    values = {"user": ctx.actor.id, "reference": reference.upper()}
    return ctx.session.execute(_versioned_detail(db.dialect_of(ctx.session)), values).one()


def review_detail(ctx: Context, reference: str, role: str | None) -> ReviewDetail:
    """The review in full for a reader holding `role` (which says whether to offer the edit buttons)."""
    return _detail(ctx, reference, _read_detail(ctx, reference)[2], role)


def version_and_detail(ctx: Context, reference: str) -> tuple[int, str, Callable[[], ReviewDetail]]:
    """The records' version, the asker's role (`authorise`d to read: a refusal says nothing of the review) and how to
    build the review's detail from what the same statement read (`scr.answers`: only when it is not cached)."""
    version, granted, found = _read_detail(ctx, reference)
    role = reader(ctx, granted)
    return version, role, lambda: _detail(ctx, reference, found, role)


def _detail(ctx: Context, reference: str, found: list | None, role: str | None) -> ReviewDetail:
    """The detail from the review's JSON (`_read_detail`), as plain values: no ORM objects to build."""
    if found is None:
        raise CommandError(not_found(reference))
    columns, actions = found
    actions = sorted((ReadAction._make(_ACTION_FROM_JSON(action)) for action in actions or ()),
                     key=attrgetter("number"))
    review = ReadReview(*_REVIEW_FROM_JSON(columns), actions)
    book = ctx.rulebook(review)
    return ReviewDetail(review, assess(review, ctx.today, book), book, role in ("editor", "admin"))


def _plain_value(value: str | None) -> bool:
    """A value any reader may see in the history: empty, a date, a regime or a role.

    Everything else is free text (a title, notes, a reason, an action), and a corrected one may have named a child:
    that is why it was corrected. Viewers see that it changed, and `status` shows its current value; editors and
    administrators, who keep the records right, see what it was.
    """
    if value is None or value in REGIMES or value in ROLES:
        return True
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


WITHHELD_TEXT = "(text)"


def _as_read(entry: AuditEntry, ctx: Context, shows_text: bool) -> HistoryEntry:
    # Stored in UTC; SQLite hands it back without its zone.
    at = entry.at if entry.at.tzinfo else entry.at.replace(tzinfo=UTC)
    old, new = entry.old, entry.new
    if not shows_text and entry.field != "reference":
        old = old if _plain_value(old) else WITHHELD_TEXT
        new = new if _plain_value(new) else WITHHELD_TEXT
    return HistoryEntry(at.astimezone(ctx.now.tzinfo), entry.actor, entry.field, old, new)


def history(ctx: Context, reference: str, role: str | None) -> HistoryPage:
    """The audit trail, as a reader holding `role` may see it."""
    review = find_review(ctx.session, reference)
    entries = ctx.session.scalars(
        select(AuditEntry).where(AuditEntry.review_id == review.id).order_by(AuditEntry.id)
    ).all()
    shown = [_as_read(entry, ctx, role in ("editor", "admin")) for entry in entries]
    withheld = any(WITHHELD_TEXT in (e.old, e.new) for e in shown)
    return HistoryPage(review.reference, shown, withheld)


def list_roles(ctx: Context) -> RoleList:
    authorise(ctx, "admin", "list roles")
    grants = ctx.session.execute(select(Grant.user_id, Grant.role)).all()
    ordered = sorted(grants, key=lambda grant: (-ROLES.index(grant.role), grant.user_id))
    return RoleList(ctx.admins, [(user, role) for user, role in ordered], ctx.readers)


REPORT_ACTION_COLUMNS = (Review.reference, Action.number, Action.due, Action.done, Action.evidence, Action.impact,
                         Action.impact_on)


def load_report(session: Session, period: ReportPeriod, as_of: date, rulebooks: Guidance) -> Report:
    """The board's report: two statements whatever the number of reviews, rows streamed as plain tuples.

    Loaded: what is open now (it may need attention), and what has any date since the period began; the pure
    `build_report` sorts out exactly what counts.
    """
    since = period.start
    reviews = session.execute(
        select(*REVIEW_COLUMNS).where(or_(
            and_(Review.published.is_(None), Review.withheld.is_(None)),
            _needs_referral_clause(rulebooks),
            *(column >= since for column in (Review.notified, Review.rapid, Review.initiated, Review.completed,
                                             Review.published, Review.withheld, Review.referred)),
        )).execution_options(yield_per=5000)
    )
    actions = session.execute(
        select(*REPORT_ACTION_COLUMNS).join(Review)
        .where(or_(Action.done.is_(None), Action.done >= since, Action.impact_on >= since))
        .execution_options(yield_per=5000)
    )
    return build_report(reviews, actions, period, as_of, rulebooks)


def report(ctx: Context, command: g.Report) -> ReportAnswer:
    if command.share:
        authorise(ctx, "editor", "share the report with the channel")
    return ReportAnswer(load_report(ctx.session, command.period, ctx.today, ctx.rulebooks), command.share)


# Writing


def _audit_value(value: object) -> str | None:
    return None if value is None else str(value)


def _record(ctx: Context, review: Review | None, field: str, old: object, new: object) -> None:
    ctx.session.add(AuditEntry(
        at=ctx.now.astimezone(UTC), actor=ctx.actor.id, review_id=None if review is None else review.id,
        field=field, old=_audit_value(old), new=_audit_value(new),
    ))


def _set(ctx: Context, review: Review, field: str, new: object) -> bool:
    old = getattr(review, field)
    if old == new:
        return False
    setattr(review, field, new)
    _record(ctx, review, field, old, new)
    return True


# The dates that decide a review's regime (scr.validate.regime_date).
REGIME_DATES = ("initiated", "aware", "incident")


def dates_of(review: Review) -> dict[str, date | None]:
    return {field: getattr(review, field) for field in DATE_FIELDS}


def apply_changes(ctx: Context, review: Review, fields: dict[str, g.Value]) -> list[str]:
    """Set `fields`, let the regime follow its date, check the whole record (scr.validate); the changed fields.

    The check comes last: a corrected date can move a review into the other regime, whose rules it must then keep
    (an LCSPR withheld with its improvements published cannot become an SCR, which is one or the other).
    """
    changed = [field for field, value in fields.items() if field != "regime" and _set(ctx, review, field, value)]
    if "regime" in fields or set(changed) & set(REGIME_DATES):
        regime = settle_regime(review.regime, fields.get("regime"), dates_of(review), ctx.today, ctx.rulebooks)  # type: ignore[arg-type]
        if _set(ctx, review, "regime", regime):
            changed.append("regime")
    check_review(review, ctx.today)
    return changed


def create_review(ctx: Context, command: g.New) -> Result:
    authorise(ctx, "editor", "create reviews")
    if command.reference is None:
        return FormNeeded("new")
    key = command.reference.upper()
    if ctx.session.scalar(select(Review.id).where(Review.reference_key == key)) is not None:
        raise CommandError(f"Review `{command.reference}` already exists: `/scr status {command.reference}` shows it.")
    values = {"title": "", "regime": None, **command.fields}
    values["regime"] = settle_regime(None, values.get("regime"), values, ctx.today, ctx.rulebooks)  # type: ignore[arg-type]
    review = Review(reference=command.reference, reference_key=key, created_at=ctx.now, **values)
    check_review(review, ctx.today)
    ctx.session.add(review)
    ctx.session.flush()
    _record(ctx, review, "reference", None, review.reference)
    for field, value in values.items():
        if value:
            _record(ctx, review, field, None, value)
    due = publication_due(review.initiated, ctx.rulebook(review))
    when = f", due {due.isoformat()}" if due else ": record `initiated=` to start its six months"
    return Done(f"Created review `{review.reference}`{when}.", review.reference)


def version_of(session: Session, review: Review) -> int:
    """The review's version: the number of its latest audit entry (every change to it is audited)."""
    return session.scalar(select(func.max(AuditEntry.id)).where(AuditEntry.review_id == review.id)) or 0


def _form_edits(ctx: Context, review: Review, fields: dict[str, g.Value], since: int) -> dict[str, g.Value]:
    """What the form's user edited: the fields whose value differs from the one the form was opened with.

    The rest are sent back as the form showed them, and must not undo a change saved since. An edit to a field
    that someone else has changed since is refused, naming the fields: neither change is silently lost.
    """
    later = ctx.session.scalars(
        select(AuditEntry).where(AuditEntry.review_id == review.id, AuditEntry.id > since).order_by(AuditEntry.id)
    ).all()
    opened_with: dict[str, str | None] = {}
    for entry in later:
        opened_with.setdefault(entry.field, entry.old)
    edited = {name: value for name, value in fields.items()
              if _audit_value(value) != opened_with.get(name, _audit_value(getattr(review, name)))}
    clashes = [name for name, value in edited.items()
               if name in opened_with and _audit_value(value) != _audit_value(getattr(review, name))]
    if clashes:
        raise CommandError(
            f"Someone else changed {', '.join(clashes)} of `{review.reference}` after you opened this form, so "
            f"nothing was saved. Close the form and open it again to see their change.",
            clashes[0],
        )
    return edited


# The verb that first records each date `update` can only correct.
RECORDED_BY = {"rapid": "rapid", "rapid_sent": "rapid", "decided": "decide", "completed": "complete", "copied": "copy",
               "published": "publish", "withheld": "withhold", "referred": "refer"}


def update_review(ctx: Context, command: g.Update) -> Result:
    authorise(ctx, "editor", "update reviews")
    if not command.fields:
        find_review(ctx.session, command.reference)
        return FormNeeded("update", command.reference)
    review = find_review(ctx.session, command.reference, for_update=True)
    for field in g.CORRECTIONS:
        if field in command.fields and getattr(review, field) is None:
            raise CommandError(
                f"`{review.reference}` has no {field} date to correct: record it with "
                f"`/scr {RECORDED_BY[field]} {review.reference} …` (`/scr help {RECORDED_BY[field]}`).", field)
    fields = command.fields if command.since is None else _form_edits(ctx, review, command.fields, command.since)
    changed = apply_changes(ctx, review, fields)
    if not changed:
        return Done(f"Nothing changed: `{review.reference}` already has those values.", review.reference)
    return Done(f"Updated `{review.reference}`: {', '.join(changed)}.", review.reference)


def _close(ctx: Context, review: Review, field: str, on: date, verb: str, **extra: object) -> Result:
    """Record a one-off event date (completed, published, withheld, referred); recording it again changes nothing."""
    current = getattr(review, field)
    if current is not None:
        fix = "" if current == on else \
            f" To correct the date: `/scr update {review.reference} {field}={on.isoformat()}`."
        return Done(f"`{review.reference}` was already {verb} on {current.isoformat()}; nothing changed.{fix}",
                    review.reference)
    apply_changes(ctx, review, {field: on, **extra})
    return Done(f"Recorded: `{review.reference}` {verb} on {on.isoformat()}.", review.reference)


def complete_review(ctx: Context, command: g.Complete) -> Result:
    authorise(ctx, "editor", "complete reviews")
    review = find_review(ctx.session, command.reference, for_update=True)
    if review.initiated is None:
        raise CommandError(
            f"`{review.reference}` has no initiated date: `/scr update {review.reference} initiated=YYYY-MM-DD` first."
        )
    return _close(ctx, review, "completed", command.on, "completed")


def publish_review(ctx: Context, command: g.Publish) -> Result:
    authorise(ctx, "editor", "publish reviews")
    review = find_review(ctx.session, command.reference, for_update=True)
    if review.withheld is not None and review.regime == "scr":
        raise CommandError(f"`{review.reference}` was withheld on {review.withheld}, so it cannot be published.")
    url = {"url": command.url} if command.url else {}
    if review.published is not None:
        if url and apply_changes(ctx, review, url):
            return Done(f"Recorded the web address of `{review.reference}` (published {review.published}).",
                        review.reference)
        return _close(ctx, review, "published", command.on, "published")
    if review.completed is None:
        # Each date is a fact someone recorded, never inferred (SPEC): the completion is recorded on its own.
        raise CommandError(f"`{review.reference}` has no completed date: a report is published once it is completed. "
                           f"Record that first: `/scr complete {review.reference} on=YYYY-MM-DD`.", "completed")
    # A withheld LCSPR publishes its improvements instead of the report (DOMAIN.md).
    what = "published its improvements" if review.withheld is not None else "published"
    return _close(ctx, review, "published", command.on, what, **url)


def copy_review(ctx: Context, command: g.Copy) -> Result:
    authorise(ctx, "editor", "record the copy before publication")
    review = find_review(ctx.session, command.reference, for_update=True)
    if review.completed is None:
        raise CommandError(f"`{review.reference}` has no completed date: the copy is of the final report. "
                           f"`/scr complete {review.reference} on=YYYY-MM-DD` first.")
    to = "the Panel and the Secretary of State" if review.regime == "lcspr" else "the DfE and Ofsted"
    return _close(ctx, review, "copied", command.on, f"copied to {to}")


def rapid_review(ctx: Context, command: g.Rapid) -> Result:
    authorise(ctx, "editor", "record rapid reviews")
    review = find_review(ctx.session, command.reference, for_update=True)
    if review.regime != "lcspr":
        raise CommandError(f"`{review.reference}` is an SCR: rapid reviews belong to LCSPRs (Working Together 2018).")
    # `rapid REF sent=…` records the sending of the rapid review already recorded; a date given again that differs
    # from the recorded one is a correction, for `update`.
    if review.rapid is not None and command.on not in (None, review.rapid):
        return _close(ctx, review, "rapid", command.on, "rapid-reviewed")
    if review.rapid_sent is not None and command.sent not in (None, review.rapid_sent):
        return _close(ctx, review, "rapid_sent", command.sent, "sent to the Panel")
    sent = {"rapid_sent": command.sent} if command.sent else {}
    changed = apply_changes(ctx, review, {"rapid": command.on or review.rapid or ctx.today, **sent})
    if not changed:
        return Done(f"`{review.reference}` already records that rapid review; nothing changed.", review.reference)
    to_panel = f", sent to the Panel on {review.rapid_sent.isoformat()}" if review.rapid_sent else \
        f". Once it goes to the Panel: `/scr rapid {review.reference} sent=YYYY-MM-DD`"
    return Done(f"Recorded: `{review.reference}` rapid review done on {review.rapid.isoformat()}{to_panel}.",
                review.reference)


def decide_review(ctx: Context, command: g.Decide) -> Result:
    authorise(ctx, "editor", "record decisions")
    review = find_review(ctx.session, command.reference, for_update=True)
    if command.decision == "review":
        if review.initiated is not None:
            return _close(ctx, review, "initiated", command.on, "initiated")
        apply_changes(ctx, review, {"decision": "review", "decided": None, "decision_reason": None,
                                    "initiated": command.on})
        due = publication_due(review.initiated, ctx.rulebook(review))
        return Done(f"Recorded: `{review.reference}` initiated on {command.on.isoformat()}; its six months run to "
                    f"{due.isoformat()}.", review.reference)
    if review.initiated is not None:
        raise CommandError(f"`{review.reference}` was initiated on {review.initiated}: a review is under way. To "
                           f"correct that, `/scr update {review.reference} initiated=…` or ask an administrator.")
    if review.decided is not None:
        return _close(ctx, review, "decided", command.on, "decided: no review")
    apply_changes(ctx, review, {"decision": "no-review", "decision_reason": command.reason, "decided": command.on})
    book = ctx.rulebook(review)
    panel = book.panel_on(command.on) if review.regime == "scr" else None
    tail = (f" {panel[0].upper()}{panel[1:]} must be told within 14 days: `/scr refer {review.reference}` once told."
            if panel else " Its deadlines end here.")
    return Done(f"Recorded: no review of `{review.reference}`, decided {command.on.isoformat()}.{tail}",
                review.reference)


def withhold_review(ctx: Context, command: g.Withhold) -> Result:
    authorise(ctx, "editor", "withhold reviews")
    review = find_review(ctx.session, command.reference, for_update=True)
    if review.published is not None:
        raise CommandError(f"`{review.reference}` was published on {review.published}, so it cannot be withheld.")
    result = _close(ctx, review, "withheld", command.on, "withheld", withheld_reason=command.reason)
    panel = ctx.rulebook(review).panel_on(review.withheld)
    if review.referred is None and panel:
        return Done(f"{result.message} It needs referral to {panel}: `/scr refer {review.reference}` once sent.",
                    review.reference)
    return result


def refer_review(ctx: Context, command: g.Refer) -> Result:
    authorise(ctx, "editor", "record referrals")
    review = find_review(ctx.session, command.reference, for_update=True)
    decision = review.withheld or (review.decided if review.regime == "scr" else None)
    if decision is None:
        raise CommandError(
            f"`{review.reference}` is not withheld: a referral to the national panel records a decision not to "
            f"publish (or, for an SCR, not to hold a review). `/scr withhold {review.reference} reason=\"…\"` first."
        )
    panel = ctx.rulebook(review).panel_on(decision) or "the national panel"
    return _close(ctx, review, "referred", command.on, f"referred to {panel}")


def delay_review(ctx: Context, command: g.Delay) -> Result:
    """Record, extend, tell of, or clear the hold for parallel proceedings; the audit trail keeps earlier holds."""
    authorise(ctx, "editor", "record delays")
    review = find_review(ctx.session, command.reference, for_update=True)
    if command.clear:
        if review.delay_reason is None:
            return Done(f"`{review.reference}` has no hold to clear; nothing changed.", review.reference)
        apply_changes(ctx, review, {"delay_reason": None, "delay_from": None, "delay_until": None, "delay_told": None})
        return Done(f"Cleared the hold on `{review.reference}`: its escalations resume.", review.reference)
    if review.delay_reason is None and command.reason is None:
        raise CommandError(f"`{review.reference}` has no hold yet: give its reason. Usage: `/scr {g.USAGE['delay']}`",
                           "reason")
    fields: dict[str, g.Value] = {"delay_reason": command.reason} if command.reason else {}
    if review.delay_reason is None:
        fields["delay_from"] = ctx.today
    fields.update({key: value for key, value in (("delay_until", command.until), ("delay_told", command.told))
                   if value is not None})
    changed = apply_changes(ctx, review, fields)
    if not changed:
        return Done(f"`{review.reference}` already has that hold; nothing changed.", review.reference)
    until = f" until {review.delay_until.isoformat()}" if review.delay_until else " (no end date yet: add until=)"
    told = "" if review.regime != "lcspr" or review.delay_told else \
        f" Tell the Panel and the Secretary of State, then `/scr delay {review.reference} told=YYYY-MM-DD`."
    return Done(f"Recorded the hold on `{review.reference}`{until}: its escalations of completion and publication "
                f"pause.{told}", review.reference)


def add_action(ctx: Context, command: g.AddAction) -> Result:
    authorise(ctx, "editor", "change action plans")
    review = find_review(ctx.session, command.reference, for_update=True)
    number = (ctx.session.scalar(select(func.max(Action.number)).where(Action.review_id == review.id)) or 0) + 1
    ctx.session.add(Action(review_id=review.id, number=number, text=command.text, owner=command.owner,
                           due=command.due))
    _record(ctx, review, f"action {number}", None, f"{command.text} (owner <@{command.owner}>, due {command.due})")
    return Done(f"Added action {number} to `{review.reference}`, due {command.due.isoformat()}.", review.reference)


def _find_action(ctx: Context, reference: str, number: int) -> tuple[Review, Action]:
    review = find_review(ctx.session, reference, for_update=True)
    action = ctx.session.scalar(select(Action).where(Action.review_id == review.id, Action.number == number))
    if action is None:
        raise CommandError(
            f"Action {number} of `{review.reference}` not found: `/scr status {review.reference}` lists them.")
    return review, action


def _set_action(ctx: Context, review: Review, action: Action, field: str, new: object) -> bool:
    old = getattr(action, field)
    if new is None or old == new:
        return False
    setattr(action, field, new)
    _record(ctx, review, f"action {action.number} {field.replace('_', ' ')}", old, new)
    return True


def finish_action(ctx: Context, command: g.FinishAction) -> Result:
    """Record an action done, with what shows it; evidence can follow later for one already done."""
    authorise(ctx, "editor", "change action plans")
    review, action = _find_action(ctx, command.reference, command.number)
    name = f"Action {command.number} of `{review.reference}`"
    if action.done is not None:
        if _set_action(ctx, review, action, "evidence", command.evidence):
            return Done(f"{name} (done {action.done.isoformat()}): evidence recorded.", review.reference)
        return Done(f"{name} was already done on {action.done.isoformat()}; nothing changed.", review.reference)
    check_dates({"done": command.on}, ctx.today)
    _set_action(ctx, review, action, "done", command.on)
    _set_action(ctx, review, action, "evidence", command.evidence)
    missing = "" if command.evidence else (
        f" Record what shows it: `/scr action {review.reference} done {command.number} evidence=\"…\"`.")
    return Done(f"{name} done on {command.on.isoformat()}.{missing}", review.reference)


def judge_action(ctx: Context, command: g.JudgeAction) -> Result:
    """The impact review: whether a done action worked. A later review replaces the verdict; the audit keeps both."""
    authorise(ctx, "editor", "change action plans")
    review, action = _find_action(ctx, command.reference, command.number)
    if action.done is None:
        raise CommandError(f"Action {command.number} of `{review.reference}` is not done yet: record "
                           f"`/scr action {review.reference} done {command.number}` before its impact.")
    check_dates({"on": command.on}, ctx.today)
    if command.on < action.done:
        raise CommandError(f"The impact review {command.on.isoformat()} is before the action was done "
                           f"({action.done.isoformat()}): check on= (YYYY-MM-DD).", "on")
    changed = [_set_action(ctx, review, action, field, value) for field, value in
               (("impact", command.impact), ("impact_note", command.note), ("impact_on", command.on))]
    if not any(changed):
        return Done(f"Action {command.number} of `{review.reference}` was already judged {command.impact}; "
                    f"nothing changed.", review.reference)
    return Done(f"Action {command.number} of `{review.reference}`: {IMPACTS[command.impact]}, impact reviewed "
                f"{command.on.isoformat()}.", review.reference)


def _held_by_setting(ctx: Context, user: str, role: str | None) -> Done | None:
    """An SCR_ADMINS administrator stays one whatever chat says: the setting holds them, and only it can let go."""
    if user not in ctx.admins:
        return None
    if role == "admin":
        return Done(f"<@{user}> is already admin: the SCR_ADMINS setting makes them an administrator.")
    raise CommandError(
        f"<@{user}> is an administrator through the SCR_ADMINS setting, which chat cannot change, so nothing changed. "
        f"Whoever deploys the bot can take them out of SCR_ADMINS."
    )


def grant_role(ctx: Context, command: g.GrantRole) -> Result:
    authorise(ctx, "admin", "grant roles")
    held = _held_by_setting(ctx, command.user, command.role)
    if held:
        return held
    db.lock_table(ctx.session, Grant.__tablename__)
    grant = ctx.session.get(Grant, command.user)
    old = grant.role if grant else None
    if old == command.role:
        return Done(f"<@{command.user}> is already {command.role}.")
    if grant:
        grant.role = command.role
    else:
        ctx.session.add(Grant(user_id=command.user, role=command.role))
    _record(ctx, None, f"role of {command.user}", old, command.role)
    return Done(f"<@{command.user}> is now {command.role}.")


def revoke_role(ctx: Context, command: g.RevokeRole) -> Result:
    authorise(ctx, "admin", "revoke roles")
    _held_by_setting(ctx, command.user, None)
    db.lock_table(ctx.session, Grant.__tablename__)
    grant = ctx.session.get(Grant, command.user)
    if grant is None:
        return Done(f"<@{command.user}> holds no role, so there is nothing to revoke.")
    ctx.session.execute(delete(Grant).where(Grant.user_id == command.user))
    _record(ctx, None, f"role of {command.user}", grant.role, None)
    return Done(f"<@{command.user}> no longer holds a role (was {grant.role}).")


def snooze(ctx: Context, reference: str, kind: str, days: int = 7) -> Done:
    """Hold a review's notices of one kind until `days` from today (the "Snooze 7 days" button)."""
    authorise(ctx, "editor", "snooze notices")
    review = find_review(ctx.session, reference, for_update=True)
    until = ctx.today + timedelta(days=days)
    subject = f"review:{review.id}"
    current = ctx.session.get(Snooze, (subject, kind))
    if current is not None and current.until >= until:
        return Done(f"Already snoozed until {current.until.isoformat()}.", review.reference)
    if current is None:
        ctx.session.add(Snooze(subject=subject, kind=kind, until=until))
    else:
        current.until = until
    _record(ctx, review, f"snooze {kind}", current.until if current else None, until)
    return Done(f"Snoozed {kind.replace('.', ' ')} notices for `{review.reference}` until {until.isoformat()}.",
                review.reference)


# Commands that read the records: each needs a reader (SCR_READERS).
READS = (g.Status, g.ListReviews, g.History, g.Report)


def changes_records(command: g.Command) -> bool:
    """Whether `command` may write (its transaction then takes the write lock up front)."""
    return not isinstance(command, (*READS, g.Help, g.Roles))


def execute(ctx: Context, command: g.Command) -> Result:
    """Carry out one parsed command; the caller's transaction commits it, or rolls it back on `CommandError`."""
    if isinstance(command, READS):
        return read(ctx, command, authorise(ctx, "viewer", "read reviews"))
    match command:
        case g.Help(topic="rules"):
            return RulesPage(ctx.rulebooks)
        case g.Help():
            return command
        case g.Roles():
            return list_roles(ctx)
    writers = {
        g.New: create_review, g.Update: update_review, g.Complete: complete_review, g.Publish: publish_review,
        g.Withhold: withhold_review, g.Refer: refer_review, g.Delay: delay_review, g.Rapid: rapid_review,
        g.Decide: decide_review, g.Copy: copy_review, g.AddAction: add_action,
        g.FinishAction: finish_action, g.JudgeAction: judge_action, g.GrantRole: grant_role, g.RevokeRole: revoke_role,
    }
    return writers[type(command)](ctx, command)


def read(ctx: Context, command: g.Command, role: str, open_reviews: OpenReviews | None = None) -> Result:
    """One of READS, for an actor already authorised to read (`authorise`), who holds `role`; `list_reviews` says
    what `open_reviews` is for."""
    match command:
        case g.Status(reference=None):
            return list_reviews(ctx.session, ctx.today, ctx.rulebooks, limit=ctx.list_limit, open_reviews=open_reviews)
        case g.Status(reference=reference):
            return review_detail(ctx, reference, role)
        case g.ListReviews(which=which):
            return list_reviews(ctx.session, ctx.today, ctx.rulebooks, which, ctx.list_limit, open_reviews)
        case g.History(reference=reference):
            return history(ctx, reference, role)
        case g.Report():
            return report(ctx, command)
    raise TypeError(f"not a read: {type(command).__name__}")
