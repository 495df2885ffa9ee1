"""The `web` process's ASGI app: `POST /slack/events` for Slack, `POST /api/messages` for Teams (when configured),
`GET /healthz` for the platform.

Served by gunicorn with uvicorn workers (`Procfile`): `gunicorn --config web/gunicorn_conf.py 'web.app:create()'`.
Slack's Bolt app is synchronous and stays exactly as it was: it is a WSGI app behind a2wsgi, on a plain `Route` (a
`Mount` would rewrite the path Bolt checks), run in a2wsgi's threads so that it never blocks the event loop.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime

from a2wsgi import WSGIMiddleware
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import Engine, text
from starlette.routing import Route

from bot.app import create_app
from scr import db
from scr.settings import ConfigError, Settings, load_settings

log = logging.getLogger(__name__)
# The exit status that tells gunicorn's master the app cannot load, so that it stops instead of respawning workers.
APP_LOAD_ERROR = 4
TEAMS_PATH = "/api/messages"


def database_answers(engine: Engine) -> bool:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception:
        log.warning("health check: the database does not answer", exc_info=True)
        return False


def json_object_only(app, path: str):
    """ASGI middleware: a request to `path` whose body is not a JSON object gets 400, before the SDK parses it
    (which would answer 500 and log a traceback)."""

    async def guarded(scope, receive, send) -> None:
        if scope["type"] != "http" or scope["path"] != path or scope["method"] != "POST":
            return await app(scope, receive, send)
        chunks, more = [], True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = None
        if not isinstance(parsed, dict):
            log.info("refused a request to %s: its body is not a JSON object", path)
            return await JSONResponse({"error": "the body must be a JSON object"}, status_code=400)(
                scope, receive, send)
        replayed = False

        async def replay():
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        return await app(scope, replay, send)

    return guarded


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
    if settings.slack_bot_token is not None:
        slack = SlackRequestHandler(create_app(settings, sessions, clock), path="/slack/events")
        app.router.routes.append(Route("/slack/events", WSGIMiddleware(slack), methods=["POST"]))
    if settings.teams_enabled:
        from teams.app import create_teams

        teams = create_teams(settings, sessions, clock, app)

    # A plain `def`: FastAPI runs it in its thread pool, so a slow database never holds up the event loop.
    @app.api_route("/healthz", methods=["GET", "HEAD"])
    def healthz() -> JSONResponse:
        if database_answers(engine):
            return JSONResponse({"status": "ok"})
        return JSONResponse({"status": "database unavailable"}, status_code=503)

    return json_object_only(app, TEAMS_PATH)


def create():
    """The gunicorn entry point: settings once, then the app; a configuration problem is one line, then exit."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        settings = load_settings()
        if settings.slack_bot_token is not None or not settings.teams_enabled:
            settings.require("slack_signing_secret", "slack_bot_token", purpose="for the web process")
        return web_app(settings, db.make_engine(settings.database_url))
    except ConfigError as error:
        print(f"scr-bot web: {error}", file=sys.stderr, flush=True)
        sys.exit(APP_LOAD_ERROR)
