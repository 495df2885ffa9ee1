"""Shared fixtures: a migrated database (SQLite, or the PostgreSQL named by SCR_TEST_DATABASE_URL) and a clock."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from slack_sdk.models.blocks import Block
from sqlalchemy import Engine, event, text

from scr import db, service
from scr.models import Base
from scr.rulebook import RULEBOOKS
from scr.settings import load_settings
from tests.asgi import serving
from tests.fakeslack import SIGNING_SECRET, FakeSlack

LONDON = ZoneInfo("Europe/London")
TODAY = date(2026, 11, 25)
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=LONDON)
ADMIN = service.Actor("UADMIN", admin=True)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    configured = os.environ.get("SCR_TEST_DATABASE_URL")
    if configured:
        url = load_settings(database_url=configured).database_url
        engine = db.make_engine(url)
        with engine.begin() as connection:  # a clean schema each run
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    db.migrate(url)
    return url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Engine:
    return db.make_engine(database_url)


@pytest.fixture
def sessions(engine: Engine):
    yield db.make_sessions(engine)
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.fixture
def run(sessions):
    """Parse and execute one command as `who` (an admin by default), in its own transaction, as the edges do."""
    from scr import grammar

    def run(text: str, who: service.Actor = ADMIN, now: datetime = NOW):
        with db.transaction(sessions) as session:
            ctx = service.Context(session, who, now, RULEBOOKS)
            return service.execute(ctx, grammar.parse(text, now.date()))

    return run


# What scr.db says to begin a transaction on SQLite (its lock wait, BEGIN IMMEDIATE) or PostgreSQL (lock_timeout):
# not queries, and the same for every transaction.
TRANSACTION_CONTROL = ("PRAGMA busy_timeout", "BEGIN", "SELECT set_config('lock_timeout'")


@contextmanager
def count_statements(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def before(_conn, _cursor, statement, _params, _context, _many):
        if not statement.startswith(TRANSACTION_CONTROL):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


def check_blocks(built: list[dict]) -> None:
    """Each block as slack_sdk's models read it and write it back: an invalid one raises, one they would change
    (a field they do not know, a value they would fill in) fails the comparison."""
    for block in built:
        assert Block.parse(block).to_dict() == block


@pytest.fixture(autouse=True)
def block_kit_checked(monkeypatch):
    """Every Slack message built while a test runs is checked against slack_sdk's models (`bot.blocks` builds
    plain dicts, and `bot.blocks.message` is the one way out for them)."""
    from bot import blocks

    built = blocks.message

    def checked(text: str, message_blocks: list[dict]) -> dict:
        answer = built(text, message_blocks)
        check_blocks(answer["blocks"])
        return answer

    monkeypatch.setattr(blocks, "message", checked)


@pytest.fixture
def fake_slack():
    fake = FakeSlack()
    yield fake
    fake.close()


@pytest.fixture
def settings(database_url, fake_slack):
    return load_settings(
        slack_bot_token="xoxb-test-token", slack_signing_secret=SIGNING_SECRET, slack_api_url=fake_slack.api_url,
        database_url=database_url, scr_admins="UADMIN", scr_reminder_channel="C0REMIND",
        scr_escalation_channel="C0ESCALATE", _env_file=None,
    )


@pytest.fixture
def web(settings, engine, sessions):
    """The URL of the running `web` app, serving Slack and /healthz (the clock fixed at NOW)."""
    from web.app import web_app

    with serving(web_app(settings, engine, clock=lambda: NOW)) as url:
        yield url
