"""Socket Mode: the same Bolt app over a WebSocket that the bot opens to Slack (no public URL needed)."""

from __future__ import annotations

from slack_bolt.adapter.socket_mode import SocketModeHandler

from bot.app import create_app
from scr import db
from scr.logs import configure_logging
from scr.settings import Settings


def socket_mode_handler(settings: Settings) -> SocketModeHandler:
    settings.require("slack_app_token", purpose="for Socket Mode")
    # Over Socket Mode Slack signs nothing; any non-empty secret satisfies Bolt's check for HTTP requests.
    settings = settings.model_copy(update={"slack_signing_secret": settings.slack_signing_secret or "socket-mode"})
    app = create_app(settings, db.make_sessions(db.make_engine(settings.database_url)))
    return SocketModeHandler(app, settings.slack_app_token)


def run_socket_mode(settings: Settings) -> int:
    configure_logging()
    db.migrate(settings.database_url)
    socket_mode_handler(settings).start()  # blocks until interrupted
    return 0
