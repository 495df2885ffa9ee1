"""The `web` process's WSGI app: `POST /slack/events` for Slack, `GET /healthz` for the platform.

Served by gunicorn (`Procfile`): `gunicorn --config bot/gunicorn_conf.py 'bot.web:create()'`.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterable
from datetime import datetime

from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import Engine, text

from bot.app import create_app
from scr import db
from scr.settings import ConfigError, Settings, load_settings

log = logging.getLogger(__name__)
# The exit status that tells gunicorn's master the app cannot load, so that it stops instead of respawning workers.
APP_LOAD_ERROR = 4


def _json(start_response, status: str, body: dict) -> list[bytes]:
    payload = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
    return [payload]


def database_answers(engine: Engine) -> bool:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception:
        log.warning("health check: the database does not answer", exc_info=True)
        return False


def web_app(settings: Settings, engine: Engine, clock: Callable[[], datetime] | None = None):
    slack = SlackRequestHandler(create_app(settings, db.make_sessions(engine), clock), path="/slack/events")

    def app(environ: dict, start_response) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz" and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            if database_answers(engine):
                return _json(start_response, "200 OK", {"status": "ok"})
            return _json(start_response, "503 Service Unavailable", {"status": "database unavailable"})
        return slack(environ, start_response)

    return app


def create():
    """The gunicorn entry point: settings once, then the app; a configuration problem is one line, then exit."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        settings = load_settings()
        settings.require("slack_signing_secret", "slack_bot_token", purpose="for the web process")
        return web_app(settings, db.make_engine(settings.database_url))
    except ConfigError as error:
        print(f"scr-bot web: {error}", file=sys.stderr, flush=True)
        sys.exit(APP_LOAD_ERROR)
