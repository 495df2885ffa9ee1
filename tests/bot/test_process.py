"""The `web` process exactly as the Procfile starts it: gunicorn, on $PORT."""

import json
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request

import pytest
from sqlalchemy import make_url

from tests.fakeslack import SIGNING_SECRET, slash_command
from tests.processes import ROOT, free_port, process_env, procfile_command, wait_until_healthy, web_process


def test_web_serves_health_and_slash_commands_then_stops_on_sigterm(database_url, sessions, fake_slack):
    port = free_port()
    env = process_env(PORT=str(port), DATABASE_URL=database_url, SLACK_BOT_TOKEN="xoxb-test-token",
               SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=fake_slack.api_url)
    web = subprocess.Popen(procfile_command("web"), cwd=ROOT, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
    try:
        wait_until_healthy(web, port)
        status, body = slash_command(f"http://127.0.0.1:{port}/slack/events", "help")
        assert status == 200 and "status [REF]" in json.loads(body)["text"]
    finally:
        web.send_signal(signal.SIGTERM)
        output = web.communicate(timeout=30)[0]
    assert web.returncode == 0, output
    assert "Traceback" not in output


@pytest.mark.parametrize(("env", "words"), [
    ({"SLACK_BOT_TOKEN": "xoxb-test-token"}, "SLACK_SIGNING_SECRET is required for the web process"),
    ({"SLACK_BOT_TOKEN": "xoxb-x", "SLACK_SIGNING_SECRET": "s", "SCR_REMINDER_DAYS": "soon"}, "SCR_REMINDER_DAYS:"),
])
def test_web_with_bad_configuration_stops_with_one_line(env, words, tmp_path):
    web = subprocess.run(procfile_command("web"), cwd=ROOT, env=process_env(PORT=str(free_port()), **env),
                         capture_output=True, text=True, timeout=60)
    assert web.returncode != 0
    assert words in web.stderr
    assert "Traceback" not in web.stderr


@pytest.mark.parametrize(("slack", "line"), [
    ("wrong token", "ERROR web.app: Slack refused SLACK_BOT_TOKEN (invalid_auth)"),
    ("unreachable", "WARNING web.app: Slack did not answer at start-up (URLError)"),
])
def test_web_serves_without_slack_at_start_up_and_says_so_in_one_line(database_url, fake_slack, slack, line):
    port = free_port()
    token, api_url = {"wrong token": ("xoxb-wrong-token", fake_slack.api_url),
                      "unreachable": ("xoxb-test-token", f"http://127.0.0.1:{free_port()}/api/")}[slack]
    env = process_env(PORT=str(port), DATABASE_URL=database_url, SLACK_BOT_TOKEN=token,
                      SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=api_url)
    web = subprocess.Popen(procfile_command("web"), cwd=ROOT, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
    try:
        wait_until_healthy(web, port)
        time.sleep(1)  # the token is checked after start-up, in the background
    finally:
        web.send_signal(signal.SIGTERM)
        output = web.communicate(timeout=30)[0]
    said = [text for text in output.splitlines() if "Slack" in text]
    assert len(said) == 1 and said[0].startswith(line), output
    assert "Traceback" not in output


@pytest.mark.parametrize("database", ["hangs", "refuses"])
def test_healthz_is_503_within_five_seconds_when_the_database_hangs_or_refuses(fake_slack, database):
    with socket.socket() as hung:  # listens, so connections are accepted by the kernel, and never answers
        hung.bind(("127.0.0.1", 0))
        hung.listen(16)
        db_port = hung.getsockname()[1] if database == "hangs" else free_port()
        port = free_port()
        env = process_env(PORT=str(port), DATABASE_URL=f"postgresql://scr:secret@127.0.0.1:{db_port}/scr",
                          SLACK_BOT_TOKEN="xoxb-test-token", SLACK_SIGNING_SECRET=SIGNING_SECRET,
                          SLACK_API_URL=fake_slack.api_url)
        web = subprocess.Popen(procfile_command("web"), cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
        try:
            with pytest.raises(AssertionError, match="did not answer"):
                wait_until_healthy(web, port, seconds=8)  # it starts, then says the database does not answer
            for _ in range(3):
                started = time.monotonic()
                with pytest.raises(urllib.error.HTTPError) as refused:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=30)
                assert refused.value.code == 503
                assert time.monotonic() - started < 5
        finally:
            web.send_signal(signal.SIGTERM)
            output = web.communicate(timeout=30)[0]
    assert "Traceback" not in output and "secret" not in output


class _FreezingProxy:
    """A TCP proxy to the test's PostgreSQL that, once `frozen`, holds every byte: a database that hangs in the
    middle of a conversation, on connections already open (the pool's), not only on new ones."""

    def __init__(self, port: int) -> None:
        self.target, self.frozen = port, threading.Event()
        self.sock = socket.create_server(("127.0.0.1", 0))
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def port(self) -> int:
        return self.sock.getsockname()[1]

    def _accept(self) -> None:
        while True:
            client, _ = self.sock.accept()
            server = socket.create_connection(("127.0.0.1", self.target))
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        while data := source.recv(65536):
            while self.frozen.is_set():
                time.sleep(0.05)
            sink.sendall(data)


def test_healthz_is_503_within_five_seconds_when_an_open_connection_hangs(database_url, fake_slack, tmp_path):
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        pytest.skip("a hang in the middle of a conversation needs a server to talk to: PostgreSQL")
    proxy = _FreezingProxy(url.port or 5432)
    through = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    with web_process(tmp_path / "web.log", DATABASE_URL=through, SLACK_BOT_TOKEN="xoxb-test-token",
                     SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=fake_slack.api_url) as (port, _web):
        proxy.frozen.set()
        for _ in range(3):  # and again, while the first check still hangs
            started = time.monotonic()
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=30)
            assert refused.value.code == 503
            assert time.monotonic() - started < 5
        proxy.frozen.clear()
        assert wait_until_healthy(_web, port) is None  # and well again once the database answers
