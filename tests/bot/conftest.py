"""The real `web` WSGI app, served on loopback, talking to a fake Slack."""

from __future__ import annotations

import threading
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest

from bot.web import web_app
from scr.settings import load_settings
from tests.conftest import NOW
from tests.fakeslack import SIGNING_SECRET, FakeSlack


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args) -> None:
        pass


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
    """The URL of `POST /slack/events` on a running `web` app (the clock fixed at tests.conftest.NOW)."""
    server = make_server("127.0.0.1", 0, web_app(settings, engine, clock=lambda: NOW),
                         server_class=_ThreadingServer, handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
