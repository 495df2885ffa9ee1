"""The daily run: plan what is due from the records (a fixed number of queries), write it to the ledger, deliver."""

from __future__ import annotations

import json
import os
import secrets
import socket
import threading
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from functools import partial

from sqlalchemy import and_, literal_column, or_, select, text
from sqlalchemy.orm import Session, sessionmaker

from jobs import ledger
from jobs.delivery import ConsoleSender, DeliveryReport, Sender, SlackSender, TeamsSender, deliver
from scr import db, service
from scr.deadlines import is_working_day
from scr.models import OPEN_WHERE, Action, LedgerEntry, Review
from scr.notices import DIGEST, REPORT, TO_OWNERS, Notice, NoticeRules, plan_notices, report_notice
from scr.report import scheduled_period
from scr.settings import Settings

# What the notices read of a review: what a list reads, its id, and whether `status` lists it.
REVIEW_COLUMNS = (Review.id, *service.REVIEW_COLUMNS, literal_column(f"({OPEN_WHERE})").label("open"))


def worker_name() -> str:
    """Who holds a claim: this process, and this run of it (the worker's jobs may overlap)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"


def senders_for(settings: Settings, sessions: sessionmaker[Session]) -> dict[str, Sender]:
    settings.require("slack_bot_token", "scr_reminder_channel", purpose="for the scheduled jobs")
    senders: dict[str, Sender] = {"slack": SlackSender(settings.slack_bot_token, settings.slack_api_url)}
    if settings.scr_teams_webhook_url:
        senders["teams"] = TeamsSender(settings.scr_teams_webhook_url)
    if settings.teams_enabled:
        from jobs.teamsbot import TeamsBotSender  # the Teams SDK is loaded only where Teams is configured

        senders["teamsbot"] = TeamsBotSender(settings, sessions)
    return senders


def notice_rules(settings: Settings) -> NoticeRules:
    return NoticeRules(
        reminder_days=settings.scr_reminder_days,
        repeat_days=settings.scr_escalation_repeat_days,
        digest_day=settings.scr_weekly_digest,
        reminder_channel=settings.scr_reminder_channel or "console",
        escalation_channel=settings.escalation_channel or "console",
        impact_days=settings.scr_impact_review_days,
    )


def plan(session: Session, settings: Settings, as_of: date, subject: str | None = None) -> list[Notice]:
    """Every notice due on `as_of`: a fixed number of queries, whatever the number of reviews.

    Given a `subject` (review:ID or action:ID), every notice about it that the record calls for on `as_of`, whether
    or not it was sent already: what `still_due` compares a stored notice with.
    """
    # Reviews that may still owe something (scr.models.OPEN_WHERE, the partial index: one withheld owes its referral
    # even once its improvements are published), and last week's publications for the digest.
    # An LCSPR decided against still sends its rapid review to the Panel with the decision (rapid_sent outlives it).
    worth_a_look = or_(text(OPEN_WHERE), Review.published > as_of - timedelta(days=7),
                       and_(Review.rapid.is_not(None), Review.rapid_sent.is_(None)))
    # In the order the reviews were recorded, so that a day's notices read the same way every day on any database.
    reviews = select(*REVIEW_COLUMNS).where(worth_a_look).order_by(Review.id)
    # Actions overdue, and done ones whose impact review is due and not yet recorded.
    impact_due = as_of - timedelta(days=settings.scr_impact_review_days)
    actions = (select(Action.id, Review.reference, Action.number, Action.text, Action.owner, Action.due, Action.done)
               .join(Review).where(or_(and_(Action.done.is_(None), Action.due < as_of),
                                       and_(Action.done <= impact_due, Action.impact.is_(None))))
               .order_by(Action.id))
    if subject is None:
        last_sent = ledger.last_sent(session)
        undeliverable = _references(session, ledger.undeliverable(session, _start_of(as_of - timedelta(days=7),
                                                                                        settings)))
    else:
        kind, _, number = subject.partition(":")
        reviews = reviews.where(Review.id == int(number)) if kind == "review" else None
        actions = actions.where(Action.id == int(number)) if kind == "action" else None
        last_sent, undeliverable = {}, []
    notices = plan_notices(
        session.execute(reviews.execution_options(yield_per=5000)) if reviews is not None else [],
        session.execute(actions) if actions is not None else [],
        as_of, notice_rules(settings), settings.guidance, last_sent, ledger.snoozed(session, as_of, subject),
        undeliverable,
    )
    return notices if subject is not None else notices + scheduled_report(session, settings, as_of, last_sent)


def scheduled_report(session: Session, settings: Settings, as_of: date, last_sent) -> list[Notice]:
    """The board's report for the month or quarter just ended, on the first working day it can go (once: the
    ledger's key is the period)."""
    if settings.scr_report_schedule == "off" or not is_working_day(as_of):
        return []
    period = scheduled_period(as_of, settings.scr_report_schedule)
    kind = f"{REPORT}.{settings.scr_report_schedule}"
    last = last_sent.get((REPORT, kind))
    if last is not None and last > period.end:
        return []  # this period's report is in the ledger already
    report = service.load_report(session, period, as_of, settings.guidance)
    return [report_notice(report, kind, settings.report_channel or "console")]


def _start_of(day: date, settings: Settings) -> datetime:
    return datetime.combine(day, time.min, settings.timezone)


def _references(session: Session, subjects: list[str]) -> list[str]:
    """The references of the reviews (or of the actions' reviews) that `subjects` name."""
    ids = {kind: {int(subject.partition(":")[2]) for subject in subjects if subject.startswith(f"{kind}:")}
           for kind in ("review", "action")}
    if not any(ids.values()):
        return []
    query = (select(Review.reference).outerjoin(Action)
             .where(or_(Review.id.in_(ids["review"]), Action.id.in_(ids["action"]))).distinct())
    return sorted(session.scalars(query))


def ledger_key(destination: str, notice: Notice) -> str:
    return f"{destination}:{notice.key}"


def still_due(settings: Settings, session: Session, entry: LedgerEntry) -> bool:
    """Whether the record still calls for a stored notice: what was resolved (or snoozed) since is not sent.

    The digest and the scheduled report are summaries of their day, and go as planned.
    """
    if entry.subject in (DIGEST, REPORT):
        return True
    return any(ledger_key(entry.destination, notice) == entry.key
               for notice in plan(session, settings, entry.due_on, entry.subject))


def deliver_pending(settings: Settings, sessions: sessionmaker[Session], senders: dict[str, Sender],
                    clock: Callable[[], datetime], stop: threading.Event | None = None) -> DeliveryReport:
    """Send what the ledger holds: this run's notices and what earlier runs could not deliver."""
    return deliver(sessions, senders, worker_name(), clock, settings.lease, partial(still_due, settings), stop)


def run_once(settings: Settings, sessions: sessionmaker[Session], senders: dict[str, Sender], as_of: date,
             clock: Callable[[], datetime], stop: threading.Event | None = None) -> DeliveryReport:
    """Plan, record and deliver the notices of `as_of`; running it again for the same day sends nothing new."""
    record_day(settings, sessions, senders, as_of, clock)
    return deliver_pending(settings, sessions, senders, clock, stop)


def record_day(settings: Settings, sessions: sessionmaker[Session], senders: dict[str, Sender], as_of: date,
               clock: Callable[[], datetime]) -> None:
    """Plan the notices of `as_of` and record them in the ledger, each once, for every destination that takes it."""
    with sessions() as session:
        notices = plan(session, settings, as_of)
    rows = [
        {"key": ledger_key(destination, notice), "destination": destination, "kind": notice.kind,
         "subject": notice.subject, "window": notice.window, "channel": notice.channel, "due_on": as_of,
         "body": json.dumps(sender.render(notice))}
        for notice in notices
        for destination, sender in senders.items()
        # Notices about actions go to their owners in Slack; Teams has a channel, not the owners.
        if destination not in ("teams", "teamsbot") or notice.kind not in TO_OWNERS
    ]
    with db.transaction(sessions) as session:
        ledger.record(session, rows, clock())


def console_senders(out) -> dict[str, Sender]:
    return {"console": ConsoleSender(out)}
