"""The `web` process's ASGI app: `POST /slack/events` for Slack, `POST /api/messages` for Teams (when configured),
`GET /healthz` for the platform.

Served by gunicorn with uvicorn workers (`Procfile`): `gunicorn --config web/gunicorn_conf.py 'web.app:create()'`.
Slack's Bolt app is synchronous and stays exactly as it was: it is a WSGI app behind a2wsgi, on a plain `Route` (a
`Mount` would rewrite the path Bolt checks), run in a2wsgi's threads so that it never blocks the event loop.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
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


def database_answers(engine: Engine) -> bool:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception:
        log.warning("health check: the database does not answer", exc_info=True)
        return False


def web_app(settings: Settings, engine: Engine, clock: Callable[[], datetime] | None = None) -> FastAPI:
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    slack = SlackRequestHandler(create_app(settings, db.make_sessions(engine), clock), path="/slack/events")
    app.router.routes.append(Route("/slack/events", WSGIMiddleware(slack), methods=["POST"]))

    # A plain `def`: FastAPI runs it in its thread pool, so a slow database never holds up the event loop.
    @app.api_route("/healthz", methods=["GET", "HEAD"])
    def healthz() -> JSONResponse:
        if database_answers(engine):
            return JSONResponse({"status": "ok"})
        return JSONResponse({"status": "database unavailable"}, status_code=503)

    return app


def create() -> FastAPI:
    """The gunicorn entry point: settings once, then the app; a configuration problem is one line, then exit."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        settings = load_settings()
        settings.require("slack_signing_secret", "slack_bot_token", purpose="for the web process")
        return web_app(settings, db.make_engine(settings.database_url))
    except ConfigError as error:
        print(f"scr-bot web: {error}", file=sys.stderr, flush=True)
        sys.exit(APP_LOAD_ERROR)
