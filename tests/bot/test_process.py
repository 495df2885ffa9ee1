"""The `web` process exactly as the Procfile starts it: gunicorn, on $PORT."""

import json
import signal
import socket
import subprocess
import time
import urllib.request

import pytest

from tests.fakeslack import SIGNING_SECRET, slash_command
from tests.processes import ROOT, process_env, procfile_command


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_web_serves_health_and_slash_commands_then_stops_on_sigterm(database_url, sessions, fake_slack):
    port = _free_port()
    env = process_env(PORT=str(port), DATABASE_URL=database_url, SLACK_BOT_TOKEN="xoxb-test-token",
               SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=fake_slack.api_url)
    web = subprocess.Popen(procfile_command("web"), cwd=ROOT, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
                    assert json.loads(response.read()) == {"status": "ok"}
                    break
            except OSError:
                assert web.poll() is None, web.stdout.read()
                assert time.monotonic() < deadline, "web did not answer /healthz within 20 seconds"
                time.sleep(0.2)
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
    web = subprocess.run(procfile_command("web"), cwd=ROOT, env=process_env(PORT=str(_free_port()), **env),
                         capture_output=True, text=True, timeout=60)
    assert web.returncode != 0
    assert words in web.stderr
    assert "Traceback" not in web.stderr
