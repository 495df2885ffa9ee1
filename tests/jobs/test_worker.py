"""The worker's jobs, run as its scheduler would run them: a day whose run failed is planned again."""

import logging
import threading
from datetime import datetime

from sqlalchemy import event

from jobs.worker import build_scheduler
from scr import db
from tests.conftest import LONDON


def test_a_day_whose_run_failed_is_planned_again_once_the_database_is_back(run, settings, fake_slack, caplog):
    run("new LATE initiated=2026-01-05")
    engine = db.make_engine(settings.database_url)
    away = True

    @event.listens_for(engine, "do_connect")
    def _refuse(*_args) -> None:
        if away:
            raise engine.dialect.loaded_dbapi.OperationalError("connection refused")

    moment = datetime(2026, 11, 26, 9, 0, tzinfo=LONDON)
    scheduler = build_scheduler(settings, db.make_sessions(engine), threading.Event(), clock=lambda: moment)
    jobs = {job.id: job.func for job in scheduler.get_jobs()}
    jobs["notices"]()  # 09:00, the database away
    jobs["retry"]()  # still away
    assert fake_slack.named("chat.postMessage") == []
    failures = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.getMessage() for r in failures] == [
        "notices: the database failed (OperationalError): planning the day again in 15 minutes"] * 2
    assert not any(r.exc_info for r in failures)
    away = False
    jobs["retry"]()  # back: the day is planned and delivered, not left until tomorrow
    texts = [call.params["text"] for call in fake_slack.named("chat.postMessage")]
    assert len(texts) == 2 and texts[0].startswith("Escalation: Completion and publication for LATE")
    jobs["retry"]()  # planned once: later retries only deliver what is left
    assert len(fake_slack.named("chat.postMessage")) == 2
    engine.dispose()
