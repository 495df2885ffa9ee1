"""The Teams bot in the running web app, against a fake Bot Framework over TLS."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from importlib.resources import files

import jsonschema
import pytest

from scr.settings import load_settings
from teams.cards import CONTENT_TYPE, MAX_BYTES
from tests.asgi import serving
from tests.conftest import NOW
from tests.fakebotframework import CLIENT_ID, CLIENT_SECRET, TENANT_ID, FakeBotFramework, make_certificate

ADMIN_OID = "6a1f3c2e-4b5d-4e6f-8a9b-0c1d2e3f4a5b"
ASKER_OID = "1b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9"
JANE_OID = "9e8d7c6b-5a49-4382-9170-6f5e4d3c2b1a"
SCHEMA = json.loads(files("adaptive_cards").joinpath("schemas/schema-1.5.json").read_text())


@pytest.fixture(scope="session")
def certificate(tmp_path_factory):
    return make_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def bot_framework(certificate, monkeypatch):
    """The fake, trusted by this process the way a deployed process would be told to trust it."""
    cert_file, key_file = certificate
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert_file))
    # The SDK reads this switch from the environment unless told otherwise: every test runs with it on, and the
    # bot must still verify every token.
    monkeypatch.setenv("DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS", "true")
    fake = FakeBotFramework(cert_file, key_file)
    yield fake
    fake.close()


@pytest.fixture
def teams_settings(settings, bot_framework):
    return load_settings(**{
        **{name: getattr(settings, name) for name in ("slack_bot_token", "slack_signing_secret", "slack_api_url",
                                                      "database_url", "scr_reminder_channel")},
        "scr_admins": f"UADMIN,{ADMIN_OID}", "teams_client_id": CLIENT_ID, "teams_client_secret": CLIENT_SECRET,
        "teams_tenant_id": TENANT_ID, "teams_openid_url": bot_framework.openid_url,
        "teams_login_url": bot_framework.login_url, "_env_file": None,
    })


@pytest.fixture
def teams_web(teams_settings, engine, sessions):
    from web.app import web_app

    with serving(web_app(teams_settings, engine, clock=lambda: NOW)) as url:
        yield url


def post(url: str, body: object, token: str | None = None, raw: bytes | None = None) -> tuple[int, dict]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = raw if raw is not None else json.dumps(body).encode()
    request = urllib.request.Request(f"{url}/api/messages", data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            payload = response.read()
            return response.status, json.loads(payload) if payload else {}
    except urllib.error.HTTPError as error:
        payload = error.read()
        return error.code, json.loads(payload) if payload else {}


def activity(fake: FakeBotFramework, text: str, *, user: str = ASKER_OID, channel: bool = False,
             tenant: str = TENANT_ID, mentions: tuple[tuple[str, str, str | None], ...] = (),
             kind: str = "message", value: dict | None = None) -> dict:
    """An activity as Teams sends it; `mentions` are (29:… id, name, object ID or None) besides the bot's."""
    bot = {"id": f"28:{CLIENT_ID}", "name": "scr-bot"}
    entities = []
    if channel:
        text = f"<at>scr-bot</at> {text}"
        entities.append({"type": "mention", "mentioned": bot, "text": "<at>scr-bot</at>"})
    for member_id, name, object_id in mentions:
        mentioned = {"id": member_id, "name": name, **({"aadObjectId": object_id} if object_id else {})}
        entities.append({"type": "mention", "mentioned": mentioned, "text": f"<at>{name}</at>"})
    conversation = ({"id": "19:general@thread.tacv2", "conversationType": "channel", "tenantId": tenant} if channel
                    else {"id": f"a:personal-29:{user}", "conversationType": "personal", "tenantId": tenant})
    body = {
        "type": kind, "id": "1700000000000", "timestamp": "2026-11-25T10:00:00Z", "channelId": "msteams",
        "serviceUrl": fake.service_url, "from": {"id": f"29:{user}", "name": "Asker", "aadObjectId": user},
        "recipient": bot, "conversation": conversation, "channelData": {"tenant": {"id": tenant}},
        "entities": entities, "locale": "en-GB",
    }
    if kind == "message":
        body["text"] = text
    if kind == "installationUpdate":
        body["action"] = "add"
    if kind == "invoke":
        body["name"] = "adaptiveCard/action"
        body["value"] = value
    return body


def card_of(message: dict) -> dict:
    """The one Adaptive Card a message carries, checked against the 1.5 schema and Teams' size limit."""
    (attachment,) = message["attachments"]
    assert attachment["contentType"] == CONTENT_TYPE
    return valid(attachment["content"], message)


def valid(card: dict, whole: dict | None = None) -> dict:
    jsonschema.Draft6Validator(SCHEMA).validate(card)
    assert card["version"] == "1.5"
    assert len(json.dumps(whole or card).encode()) < MAX_BYTES
    return card


def texts(card: dict) -> list[str]:
    return [block["text"] for block in card["body"] if block["type"] == "TextBlock"]
