"""The Bolt app factory: one `App` per process, built from the settings, with every listener registered here."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime

import orjson
from slack_bolt import App, BoltResponse
from slack_bolt.error import BoltUnhandledRequestError
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from sqlalchemy.orm import Session, sessionmaker

from bot import blocks
from bot.listeners import actions, commands, events, views
from bot.members import Members
from scr import db, service
from scr.answers import Cache
from scr.settings import Settings

log = logging.getLogger(__name__)
# Slack gives up on an answer after 3 s: a change that cannot start within 2 s is refused ("busy, nothing changed")
# rather than committed after the person was told it failed, and so made twice when they try again.
WRITE_WAIT = 2.0


@dataclass(frozen=True)
class Runtime:
    """What the listeners need: the settings, the database and the clock."""

    settings: Settings
    sessions: sessionmaker[Session]
    clock: Callable[[], datetime]
    members: Callable[[str], bool]  # is this user a full member of the workspace (not a guest, not from elsewhere)?
    answers: Cache = field(default_factory=Cache)  # this process's rendered answers to reads (`scr.answers`)

    def now(self) -> datetime:
        return self.clock()

    def actor(self, user_id: str) -> service.Actor:
        # Administrators by SCR_ADMINS are named by whoever deploys the bot: no need to ask Slack about them.
        if user_id in self.settings.scr_admins:
            return service.Actor(user_id, admin=True)
        return service.Actor(user_id, outsider=not self.members(user_id))

    def _context(self, session: Session, user_id: str, now: datetime | None) -> service.Context:
        return service.Context(session, self.actor(user_id), now or self.now(), self.settings.guidance,
                               list_limit=blocks.LIST_ROWS, readers=self.settings.scr_readers,
                               admins=self.settings.scr_admins)

    @contextmanager
    def context(self, user_id: str, now: datetime | None = None, write: bool = True) -> Iterator[service.Context]:
        """A use-case context for a Slack user, in one transaction that `CommandError` rolls back."""
        # A read waits for no change's locks (on PostgreSQL only for a schema change, under the statement timeout), so
        # it sets no lock timeout: a round trip fewer on every answer.
        with db.transaction(self.sessions, write, WRITE_WAIT if write else None) as session:
            yield self._context(session, user_id, now)

    def run(self, user_id: str, command, now: datetime | None = None) -> service.Result:
        with self.context(user_id, now, service.changes_records(command)) as ctx:
            return service.execute(ctx, command)

    def answer(self, user_id: str, command, now: datetime) -> str:
        """A read's answer as Block Kit, in JSON (one of `scr.answers.CACHED`): the one rendered before under the same
        records' version, day and role, or a new one (`scr.answers.Cache.answer`). Kept as the very text Bolt would
        write for it, so that an answer from the cache is not encoded again: `ack` sends a text that starts with `{`
        as it is, as JSON."""
        with db.reads(self.sessions) as session:  # no transaction's round trips on PostgreSQL (see scr.db.reads)
            return self.answers.answer(self._context(session, user_id, now), command, _in_json)


def _in_json(result: service.Result, today: date) -> str:
    return orjson.dumps(blocks.answer(result, today)).decode()  # compact, and several times faster than json


def make_client(settings: Settings) -> WebClient:
    client = WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url)
    # slack_sdk retries connection errors by default, but not 429s: honour Retry-After for those too.
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=2))
    return client


# What a listener raises when a signed request lacks a field it reads, or has one of the wrong kind.
MALFORMED = (KeyError, IndexError, TypeError, AttributeError, ValueError)
_KINDS = {"block_actions", "view_submission", "view_closed", "event_callback", "shortcut", "message_action"}


def answer_failure(error: Exception, body: dict) -> BoltResponse:
    """Bolt's error handler: one short line (never the body, nor the error's text, which may quote it), and a 4xx
    for a request that is not one we handle or lacks what we need; a 500 only for a failure of our own."""
    kind = body.get("type") if body.get("type") in _KINDS else "command" if "command" in body else "request"
    if isinstance(error, BoltUnhandledRequestError):
        log.warning("no listener for this Slack %s", kind)
        return BoltResponse(status=404, body="")
    if isinstance(error, MALFORMED):
        log.warning("malformed Slack %s: %s", kind, type(error).__name__)
        return BoltResponse(status=400, body="")
    log.error("Slack %s failed: %s", kind, type(error).__name__)
    return BoltResponse(status=500, body="")


def create_app(settings: Settings, sessions: sessionmaker[Session], clock: Callable[[], datetime] | None = None) -> App:
    settings.require("slack_bot_token", "slack_signing_secret", purpose="to connect to Slack")
    members = Members(settings.slack_bot_token, settings.slack_api_url).is_member
    runtime = Runtime(settings, sessions, clock or (lambda: datetime.now(settings.timezone)), members)
    app = App(
        client=make_client(settings),
        signing_secret=settings.slack_signing_secret,
        logger=logging.getLogger("slack_bolt"),  # Bolt's loggers then take its level (scr.logs), not the root's
        # Answers are computed before the HTTP response and carried in the ack itself: no second round trip.
        process_before_response=True,
        request_verification_enabled=True,
        # Starting must not depend on Slack answering: the token is checked on the first request instead.
        token_verification_enabled=False,
        raise_error_for_unhandled_request=True,
    )
    app.error(answer_failure)
    for module in (commands, actions, views, events):
        module.register(app, runtime)
    return app
