"""The `web` process exactly as the Procfile starts it serves Slack and Teams side by side."""

import json
import signal
import subprocess

from sqlalchemy import select

from scr.models import Review
from tests.fakebotframework import CLIENT_ID, CLIENT_SECRET, TENANT_ID
from tests.fakeslack import SIGNING_SECRET, slash_command
from tests.processes import ROOT, free_port, process_env, procfile_command, wait_until_healthy
from tests.teams.conftest import ADMIN_OID, activity, card_of, post, texts


def test_web_serves_slack_and_teams(database_url, sessions, fake_slack, bot_framework, certificate):
    port = free_port()
    env = process_env(
        PORT=str(port), WEB_CONCURRENCY="2", DATABASE_URL=database_url, SLACK_BOT_TOKEN="xoxb-test-token",
        SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=fake_slack.api_url, SCR_ADMINS=f"UADMIN,{ADMIN_OID}",
        TEAMS_CLIENT_ID=CLIENT_ID, TEAMS_CLIENT_SECRET=CLIENT_SECRET, TEAMS_TENANT_ID=TENANT_ID,
        TEAMS_OPENID_URL=bot_framework.openid_url, TEAMS_LOGIN_URL=bot_framework.login_url,
        SSL_CERT_FILE=str(certificate[0]), REQUESTS_CA_BUNDLE=str(certificate[0]),
    )
    web = subprocess.Popen(procfile_command("web"), cwd=ROOT, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(web, port)
        status, body = slash_command(f"{url}/slack/events", 'new SCR-1 initiated=2026-03-02 title="Child A"')
        assert status == 200 and json.loads(body)["text"].startswith("Created review `SCR-1`")
        assert post(url, activity(bot_framework, "status SCR-1", user=ADMIN_OID),
                    bot_framework.activity_token())[0] == 200
        (reply,) = bot_framework.activities()
        assert texts(card_of(reply))[0] == "SCR-1 Child A"
        body = activity(bot_framework, "new SCR-2 initiated=2026-03-02", user=ADMIN_OID)
        assert post(url, body, bot_framework.activity_token(audience="someone-else"))[0] == 401
        assert post(url, body, None, raw=b"{broken")[0] == 400
    finally:
        web.send_signal(signal.SIGTERM)
        output = web.communicate(timeout=30)[0]
    assert web.returncode == 0, output
    assert "Traceback" not in output
    with sessions() as session:
        assert session.scalars(select(Review.reference)).all() == ["SCR-1"]
