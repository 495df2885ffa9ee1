"""The daily run: plan what is due from the records (a fixed number of queries), write it to the ledger, deliver."""

from __future__ import annotations

import json
import os
import socket
import threading
from collections.abc import Callable
from datetime import date, datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, sessionmaker

from jobs import ledger
from jobs.delivery import ConsoleSender, DeliveryReport, Sender, SlackSender, TeamsSender, deliver
from scr import db
from scr.models import Action, Review
from scr.notices import ACTION_OVERDUE, NoticeRules, plan_notices
from scr.rulebook import rulebooks
from scr.settings import Settings

# A sender holding a notice longer than this is presumed dead, and the notice is sent by the next run instead.
LEASE = timedelta(minutes=5)
REVIEW_COLUMNS = (Review.id, Review.reference, Review.title, Review.regime, Review.incident, Review.notified,
                  Review.initiated, Review.completed, Review.published, Review.withheld, Review.referred,
                  Review.delay_reason)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def senders_for(settings: Settings) -> dict[str, Sender]:
    settings.require("slack_bot_token", "scr_reminder_channel", purpose="for the scheduled jobs")
    senders: dict[str, Sender] = {"slack": SlackSender(settings.slack_bot_token, settings.slack_api_url)}
    if settings.scr_teams_webhook_url:
        senders["teams"] = TeamsSender(settings.scr_teams_webhook_url)
    return senders


def notice_rules(settings: Settings) -> NoticeRules:
    return NoticeRules(
        reminder_days=settings.scr_reminder_days,
        repeat_days=settings.scr_escalation_repeat_days,
        digest_day=settings.scr_weekly_digest,
        reminder_channel=settings.scr_reminder_channel or "console",
        escalation_channel=settings.escalation_channel or "console",
    )


def plan(session: Session, settings: Settings, as_of: date):
    """Every notice due on `as_of`: four queries whatever the number of reviews."""
    worth_a_look = or_(
        and_(Review.published.is_(None), Review.withheld.is_(None)),
        and_(Review.withheld.is_not(None), Review.referred.is_(None)),
        Review.published > as_of - timedelta(days=7),
    )
    reviews = session.execute(select(*REVIEW_COLUMNS).where(worth_a_look).execution_options(yield_per=5000))
    actions = session.execute(
        select(Action.id, Review.reference, Action.number, Action.text, Action.owner, Action.due)
        .join(Review).where(Action.done.is_(None), Action.due < as_of)
    )
    return plan_notices(reviews, actions, as_of, notice_rules(settings), rulebooks(settings.scr_rapid_review_from),
                        ledger.last_sent(session), ledger.snoozed(session, as_of))


def run_once(settings: Settings, sessions: sessionmaker[Session], senders: dict[str, Sender], as_of: date,
             clock: Callable[[], datetime], stop: threading.Event | None = None) -> DeliveryReport:
    """Plan, record and deliver the notices of `as_of`; running it again for the same day sends nothing new."""
    with sessions() as session:
        notices = plan(session, settings, as_of)
    rows = [
        {"key": f"{destination}:{notice.key}", "destination": destination, "kind": notice.kind,
         "subject": notice.subject, "window": notice.window, "channel": notice.channel, "due_on": as_of,
         "body": json.dumps(sender.render(notice))}
        for notice in notices
        for destination, sender in senders.items()
        # Overdue actions go to their owners in Slack; Teams has a channel, not the owners.
        if destination != "teams" or notice.kind != ACTION_OVERDUE
    ]
    with db.transaction(sessions) as session:
        ledger.record(session, rows, clock())
    return deliver(sessions, senders, worker_name(), clock, LEASE, stop)


def console_senders(out) -> dict[str, Sender]:
    return {"console": ConsoleSender(out)}
