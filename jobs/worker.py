"""The `worker` process: one APScheduler BlockingScheduler, its jobs defined here in code.

Every day at POST_AT (in SCR_TIMEZONE) it runs the day's notices, and once at start-up so that a restarted worker
catches up; every 15 minutes it retries what is still undelivered. On SIGTERM (Heroku allows 30 seconds) it stops
after the notice in flight and gives the rest back to the ledger for the next run.
"""

from __future__ import annotations

import logging
import signal
import threading
from datetime import datetime

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.orm import Session, sessionmaker

from jobs.delivery import deliver
from jobs.run import LEASE, run_once, senders_for, worker_name
from scr.settings import Settings

log = logging.getLogger(__name__)
POST_AT = {"hour": 9, "minute": 0}
RETRY_MINUTES = 15


def build_scheduler(settings: Settings, sessions: sessionmaker[Session], stop: threading.Event) -> BlockingScheduler:
    senders = senders_for(settings)
    zone = settings.timezone

    def clock() -> datetime:
        return datetime.now(zone)

    def notices() -> None:
        report = run_once(settings, sessions, senders, clock().date(), clock, stop)
        log.info("notices: %s delivered, %s failed and %s left by a stop (both retried later)",
                 report.delivered, report.failed, report.abandoned)

    def retry() -> None:
        report = deliver(sessions, senders, worker_name(), clock, LEASE, stop)
        if report.delivered or report.failed:
            log.info("retry: %s delivered, %s failed", report.delivered, report.failed)

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
