"""Socket Mode: the same app, over a WebSocket the bot opens to (a fake) Slack."""

from bot.socket import socket_mode_handler
from tests.fakesocket import FakeSocketMode


def test_scr_over_socket_mode(settings, fake_slack, run):
    run('new SCR-1 initiated=2026-03-02 title="Child A"')
    run("grant UVIEWER viewer")
    endpoint = FakeSocketMode()
    fake_slack.socket_mode_url = endpoint.url
    handler = socket_mode_handler(settings.model_copy(update={"slack_app_token": "xapp-test-token",
                                                              "slack_signing_secret": None}))
    try:
        handler.connect()
        assert endpoint.connected.wait(10)
        for envelope_id, text in (("e1", "status SCR-1"), ("e2", "frobnicate")):
            endpoint.send({"envelope_id": envelope_id, "type": "slash_commands", "accepts_response_payload": True,
                           "payload": {"command": "/scr", "text": text, "user_id": "UVIEWER", "team_id": "T0TEAM",
                                       "channel_id": "C0CHAN", "trigger_id": "t", "response_url": "",
                                       "api_app_id": "A0APP"}})
        answer = endpoint.ack_for("e1")["payload"]
        assert answer["response_type"] == "ephemeral" and answer["blocks"][0]["text"]["text"] == "SCR-1 Child A"
        assert "/scr help" in endpoint.ack_for("e2")["payload"]["text"]
    finally:
        handler.close()
        endpoint.close()
