"""The logging policy (scr/logs.py), enforced: the processes run as in production with secrets planted where an
attacker, a user or an operator puts them, and their logs are scanned for every one.

Planted: case text and a `response_url` in hostile requests to `web`; a title, notes, a reason and an action in
records changed over signed HTTP; a Teams webhook's `sig=` secret, retried by the worker as Slack and Teams refuse;
a database password given in a URL's query string to `scr`.
"""

import logging
import subprocess

import pytest
from sqlalchemy import text

from scr import db
from tests.bot.hostile import ATTACKS, PLANTED, RESPONSE_URL, send
from tests.fakeslack import SIGNING_SECRET, slash_command
from tests.processes import ROOT, bot_env, free_port, process_env, web_process

TITLE, NOTES, REASON, ACTION = "PLANTED-title-Child-R", "PLANTED-notes-mother", "PLANTED-reason-trial", "PLANTED-action"
SIG = "PLANTED-webhook-sig"
PASSWORD = "PLANTED-db-password"
SECRETS = (PLANTED, RESPONSE_URL, "PLANTED-response-url-secret", TITLE, NOTES, REASON, ACTION, SIG, PASSWORD)


def _planted(output: str) -> list[str]:
    return [secret for secret in SECRETS if secret in output]


def test_logs_of_web_the_worker_and_scr_hold_no_planted_secret(database_url, settings, sessions, fake_slack,
                                                                  tmp_path):
    web_log = tmp_path / "web.log"
    with web_process(web_log, DATABASE_URL=database_url, SLACK_BOT_TOKEN="xoxb-test-token",
                     SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=fake_slack.api_url,
                     SCR_ADMINS="UADMIN") as (port, _web):
        for attack in ATTACKS:
            assert 400 <= send(port, attack).status < 500
        url = f"http://127.0.0.1:{port}/slack/events"
        for command in (f'new SCR-1 initiated=2026-01-05 title="{TITLE}"', f'update SCR-1 notes="{NOTES}"',
                        f'action SCR-1 add "{ACTION}" owner=UADMIN due=2026-02-01',
                        f'delay SCR-1 reason="{REASON}"', "delay SCR-1 clear", "status SCR-1", "history SCR-1"):
            status, _ = slash_command(url, command, response_url=RESPONSE_URL)
            assert status == 200

    # The worker's run: Slack rate-limits, the Teams webhook fails, and both are retried within the run.
    fake_slack.refuse(429, times=2, path="/api/chat.postMessage", Retry_After="0")
    fake_slack.refuse(503, times=2, path="/teams")
    env = bot_env(settings, SCR_TEAMS_WEBHOOK_URL=f"{fake_slack.teams_url}?sig={SIG}")
    jobs = subprocess.run(["python", "-m", "jobs", "--once", "--as-of", "2026-11-26"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert jobs.returncode == 0, jobs.stderr
    assert fake_slack.named("chat.postMessage")  # the retries got through
    assert [call for call in fake_slack.calls if call.path.startswith("/teams")]

    # An operator's typing mistake: the password in the query string of an unreachable database's URL.
    scr = subprocess.run(["scr", "status"], cwd=tmp_path, capture_output=True, text=True, timeout=60, env=process_env(
        DATABASE_URL=f"postgresql://scr@127.0.0.1:{free_port()}/scr?password={PASSWORD}"))
    assert scr.returncode == 1 and "cannot use the database" in scr.stderr

    logs = {"web": web_log.read_text(errors="replace"), "worker": jobs.stdout + jobs.stderr,
            "scr": scr.stdout + scr.stderr}
    assert {name: _planted(output) for name, output in logs.items()} == {"web": [], "worker": [], "scr": []}
    assert "Traceback" not in logs["web"]


def test_sql_errors_never_carry_their_parameters(database_url, caplog):
    engine = db.make_engine(database_url)
    with pytest.raises(Exception) as failed, engine.connect() as connection:
        connection.execute(text("INSERT INTO no_such_table VALUES (:reason)"), {"reason": REASON})
    logging.getLogger("test").error("a write failed", exc_info=failed.value)
    assert REASON not in str(failed.value) and REASON not in caplog.text
