"""The `worker` process: one APScheduler BlockingScheduler, its jobs defined here in code.

Every day at POST_AT (in SCR_TIMEZONE) it runs the day's notices, and once at start-up so that a restarted worker
catches up; every 15 minutes it retries what is still undelivered, and plans the day again if its run failed (the
database was away) until that succeeds. On SIGTERM (Heroku allows 30 seconds) it stops after the notice in flight
and gives the rest back to the ledger for the next run.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from datetime import datetime
from functools import partial

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from jobs.run import deliver_pending, run_once, senders_for
from scr.settings import Settings

log = logging.getLogger(__name__)
POST_AT = {"hour": 9, "minute": 0}
RETRY_MINUTES = 15


def build_scheduler(settings: Settings, sessions: sessionmaker[Session], stop: threading.Event,
                    clock: Callable[[], datetime] | None = None) -> BlockingScheduler:
    senders = senders_for(settings, sessions)
    zone = settings.timezone
    clock = clock or partial(datetime.now, zone)
    unplanned = threading.Event()  # set from a day's run until it succeeds

    def notices() -> None:
        unplanned.set()
        try:
            report = run_once(settings, sessions, senders, clock().date(), clock, stop)
        except SQLAlchemyError as error:
            log.warning("notices: the database failed (%s): planning the day again in %s minutes",
                        type(error).__name__, RETRY_MINUTES)
            return
        unplanned.clear()
        log.info("notices: %s delivered, %s failed (retried later), %s undeliverable, %s resolved before sending, "
                 "%s left by a stop", report.delivered, report.failed, report.undeliverable, report.cancelled,
                 report.stopped)

    def retry() -> None:
        if unplanned.is_set():
            notices()
            return
        try:
            report = deliver_pending(settings, sessions, senders, clock, stop)
        except SQLAlchemyError as error:
            log.warning("retry: the database failed (%s)", type(error).__name__)
            return
        if report.delivered or report.failed or report.undeliverable:
            log.info("retry: %s delivered, %s failed, %s undeliverable", report.delivered, report.failed,
                     report.undeliverable)

    scheduler = BlockingScheduler(timezone=zone, job_defaults={
        "coalesce": True,  # a day missed while the dyno slept runs once, not once per missed day
        "max_instances": 1,
        "misfire_grace_time": 6 * 3600,
    })
    scheduler.add_job(notices, CronTrigger(timezone=zone, **POST_AT), id="notices", next_run_time=clock())
    scheduler.add_job(retry, IntervalTrigger(minutes=RETRY_MINUTES, timezone=zone), id="retry")
    return scheduler


def run_worker(settings: Settings, sessions: sessionmaker[Session]) -> int:
    stop = threading.Event()
    scheduler = build_scheduler(settings, sessions, stop)

    def shut_down(signum: int, _frame) -> None:
        log.info("signal %s: finishing the notice in flight, then stopping", signum)
        stop.set()
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, shut_down)
    signal.signal(signal.SIGINT, shut_down)
    log.info("worker started: notices daily at %02d:%02d %s", POST_AT["hour"], POST_AT["minute"], settings.scr_timezone)
    scheduler.start()
    log.info("worker stopped")
    return 0
