"""The `web` process exactly as the Procfile starts it: gunicorn, on $PORT."""

import json
import signal
import subprocess

import pytest

from tests.fakeslack import SIGNING_SECRET, slash_command
from tests.processes import ROOT, free_port, process_env, procfile_command, wait_until_healthy


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
