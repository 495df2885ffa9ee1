"""The `web` process's ASGI app: `POST /slack/events` for Slack, `POST /api/messages` for Teams (when configured),
`GET /healthz` for the platform.

Served by gunicorn with uvicorn workers (`Procfile`): `gunicorn --config web/gunicorn_conf.py 'web.app:create()'`.
Slack's Bolt app is synchronous and stays exactly as it was: it is a WSGI app behind a2wsgi, run in a2wsgi's threads
so that it never blocks the event loop, and reached before FastAPI (`SlackFirst`), whose routing and middleware an
answer need not pay for (a `Mount` would also rewrite the path Bolt checks).
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from urllib.parse import parse_qsl

from a2wsgi import WSGIMiddleware
from fastapi import FastAPI
from fastapi.responses import JSONResponse, PlainTextResponse
from slack_bolt import BoltContext, BoltRequest, BoltResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.request.internals import build_context
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine, text
from starlette.concurrency import run_in_threadpool

from bot.app import create_app
from scr import db
from scr.logs import configure_logging
from scr.settings import ConfigError, Settings, load_settings
from web.door import Door, json_object, slack_check

log = logging.getLogger(__name__)
# The exit status that tells gunicorn's master the app cannot load, so that it stops instead of respawning workers.
APP_LOAD_ERROR = 4
SLACK_PATH = "/slack/events"
TEAMS_PATH = "/api/messages"
HEALTH_SECONDS = 4  # /healthz answers within a few seconds (SPEC), whatever the database does


class SlackEvents(SlackRequestHandler):
    """Bolt's WSGI handler with its form parsing mended. Bolt takes any form body in which the word "payload" merely
    appears for an interaction, and finding no `payload` field reads it as empty: `/scr update X notes="see payload"`
    would go unanswered. Such a body is read as the slash command it is; Bolt still checks its signature."""

    def dispatch(self, request: WsgiHttpRequest) -> BoltResponse:
        body = request.get_body()
        bolt_request = BoltRequest(body=body, query=request.query_string, headers=request.get_headers())
        if not bolt_request.body and body and "payload" not in (form := dict(parse_qsl(body, keep_blank_values=True))):
            bolt_request.body = form
            bolt_request.context = build_context(BoltContext(), form)
        return self.app.dispatch(bolt_request)


def database_answers(engine: Engine) -> bool:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception as error:
        reason = str(getattr(error, "orig", None) or type(error).__name__).splitlines()[0]
        log.warning("health check: the database does not answer: %s", reason)
        return False


def check_slack_token(settings: Settings) -> None:
    """One line about the bot token at start-up, from a thread: `web` serves whether or not Slack answers."""
    # No retries, and slack_sdk's own line about a failed connection is left to ours, which says what it means.
    quiet = logging.getLogger(f"{__name__}.token_check")
    quiet.disabled = True
    client = WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url, timeout=10,
                       retry_handlers=[], logger=quiet)
    try:
        client.auth_test()
    except SlackApiError as error:
        log.error("Slack refused SLACK_BOT_TOKEN (%s): requests from Slack will fail until it is replaced",
                  error.response.get("error"))
    except OSError as error:
        log.warning("Slack did not answer at start-up (%s): the token will be checked on the first request",
                    type(error).__name__)


def web_app(settings: Settings, engine: Engine, clock: Callable[[], datetime] | None = None):
    """Slack when its tokens are set, Teams when TEAMS_CLIENT_ID is (else `/api/messages` is 404), and /healthz."""
    sessions = db.make_sessions(engine)
    teams = None

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if teams is not None:
            await teams.initialize()  # adds POST /api/messages, behind the SDK's token check
        yield

    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None, lifespan=lifespan)
    checks = {TEAMS_PATH: json_object}  # the Bot Framework SDK answers 500 with a traceback to anything else
    slack = None
    if settings.slack_bot_token is not None:
        slack = WSGIMiddleware(SlackEvents(create_app(settings, sessions, clock), path=SLACK_PATH))
        checks[SLACK_PATH] = slack_check(settings.slack_signing_secret)
    if settings.teams_enabled:
        from teams.app import create_teams

        teams = create_teams(settings, sessions, clock, app)

    checking: asyncio.Future | None = None

    @app.api_route("/healthz", methods=["GET", "HEAD"])
    async def healthz() -> JSONResponse:
        # The check runs in a thread, and is given up on after HEALTH_SECONDS: a database that hangs in the middle
        # of an answer holds that thread, not this one. One check at a time: the next joins one still hanging.
        nonlocal checking
        if checking is None or checking.done():
            checking = asyncio.ensure_future(run_in_threadpool(database_answers, engine))
        try:
            answers = await asyncio.wait_for(asyncio.shield(checking), HEALTH_SECONDS)
        except TimeoutError:
            log.warning("health check: the database did not answer within %s s", HEALTH_SECONDS)
            answers = False
        if answers:
            return JSONResponse({"status": "ok"})
        return JSONResponse({"status": "database unavailable"}, status_code=503)

    return Door(SlackFirst(slack, app), checks=checks)


class SlackFirst:
    """What passes the door: a Slack event goes straight to Bolt (behind a2wsgi, whose threads keep the event loop
    free), sparing every answer FastAPI's middleware and routing; all else goes to FastAPI (/healthz, Teams, and
    the 404s and 405s, Slack's path included when Slack is off)."""

    def __init__(self, slack, rest) -> None:
        self.slack = slack
        self.rest = rest

    async def __call__(self, scope, receive, send) -> None:
        if self.slack is None or scope["type"] != "http" or scope["path"] != SLACK_PATH:
            await self.rest(scope, receive, send)
        elif scope["method"] == "POST":
            await self.slack(scope, receive, send)
        else:
            await PlainTextResponse("Method Not Allowed", 405, headers={"Allow": "POST"})(scope, receive, send)


def create():
    """The gunicorn entry point: settings once, then the app; a configuration problem is one line, then exit."""
    configure_logging()
    try:
        settings = load_settings()
        if settings.slack_bot_token is not None or not settings.teams_enabled:
            settings.require("slack_signing_secret", "slack_bot_token", purpose="for the web process")
        app = web_app(settings, db.make_engine(settings.database_url, db.WEB, autocommit=True))
    except ConfigError as error:
        print(f"scr-bot web: {error}", file=sys.stderr, flush=True)
        sys.exit(APP_LOAD_ERROR)
    if settings.slack_bot_token is not None:
        threading.Thread(target=check_slack_token, args=(settings,), daemon=True).start()
    return app
