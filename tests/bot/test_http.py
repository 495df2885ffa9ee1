"""/scr over signed HTTP, the way Slack sends it, against a fake Slack Web API."""

import json
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from sqlalchemy import func, select

from scr.models import AuditEntry, Review
from tests.asgi import serving
from tests.fakeslack import post, sign, slash_command


def _json(response):
    status, body = response
    assert status == 200, body
    return json.loads(body)


def _reviews(sessions) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(Review))


def test_healthz_says_ok_when_the_database_answers(web):
    with urllib.request.urlopen(f"{web}/healthz") as response:
        assert response.status == 200
        assert json.loads(response.read()) == {"status": "ok"}


def test_healthz_is_503_when_the_database_is_down(settings, fake_slack):
    from scr import db
    from web.app import web_app

    settings = settings.model_copy(update={"database_url": "postgresql+psycopg://nobody@127.0.0.1:1/none"})
    app = web_app(settings, db.make_engine(settings.database_url))
    with serving(app) as url, pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{url}/healthz")
    assert refused.value.code == 503 and b"database" in refused.value.read()


@pytest.mark.parametrize("method", ["GET", "HEAD", "PUT"])
def test_slacks_path_takes_only_posts(web, method):
    request = urllib.request.Request(f"{web}/slack/events", method=method, data=b"" if method == "PUT" else None)
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request)
    assert refused.value.code == 405 and refused.value.headers["Allow"] == "POST"


def test_create_and_query_over_signed_http(web, sessions, run):
    run("grant UVIEWER viewer")
    created = _json(slash_command(f"{web}/slack/events", 'new SCR-1 initiated=2026-03-02 title="Child A"'))
    assert created["response_type"] == "ephemeral"
    assert created["text"] == "Created review `SCR-1`, due 2026-09-02."
    listing = _json(slash_command(f"{web}/slack/events", "status", user="UVIEWER"))
    assert listing["response_type"] == "ephemeral"
    assert "*SCR-1* Child A: due 2026-09-02, *84 days overdue*" in listing["text"]
    detail = _json(slash_command(f"{web}/slack/events", "status scr-1"))
    assert "Completion and publication: due 2026-09-02, *84 days overdue*" in detail["text"]
    assert detail["blocks"][0]["type"] == "header" and detail["blocks"][0]["text"]["text"] == "SCR-1 Child A"
    buttons = [e["action_id"] for b in detail["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert buttons == ["scr_update", "scr_publish", "scr_withhold"]


def test_a_command_whose_text_says_payload_is_answered_like_any_other(web, sessions, run):
    """Bolt mistakes a form body containing the word "payload" for an interaction (`web.app.SlackEvents`)."""
    run('new SCR-1 initiated=2026-03-02 title="Child A"')
    updated = _json(slash_command(f"{web}/slack/events", 'update SCR-1 notes="payload of the chronology"'))
    assert updated["text"].startswith("Updated `SCR-1`")
    with sessions() as session:
        assert session.scalar(select(Review.notes)) == "payload of the chronology"


@pytest.mark.parametrize(("text", "words"), [
    ("status NOPE", "`NOPE` not found"),
    ("wibble", "/scr help"),
    ("new SCR-2 initiated=2026-02-30", "YYYY-MM-DD"),
    ("new SCR-2 initiated=2026-01-01 title=\"unclosed", "closing quote"),
    ("grant <@UOTHER|bob> editor", "You don't have permission to grant roles"),
    ("x" * 4000, "/scr help"),
    ("new " + "\u202e\x00" * 500, "not a review reference"),
    ("payload={}", "/scr help"),
])
def test_bad_input_gets_a_clear_ephemeral_answer(web, sessions, text, words):
    user = "UVIEWER" if text.startswith("grant") else "UADMIN"
    answer = _json(slash_command(f"{web}/slack/events", text, user=user))
    assert answer["response_type"] == "ephemeral"
    assert words in answer["text"]
    assert "Traceback" not in answer["text"]
    assert _reviews(sessions) == 0


def test_a_viewer_may_not_write(web, sessions):
    answer = _json(slash_command(f"{web}/slack/events", "new SCR-1 initiated=2026-03-02", user="UVIEWER"))
    assert answer["text"].startswith("You don't have permission to create reviews")
    assert _reviews(sessions) == 0


def _body(text: str) -> str:
    return urllib.parse.urlencode({"command": "/scr", "text": text, "user_id": "UADMIN", "team_id": "T0TEAM",
                                   "channel_id": "C0CHAN", "trigger_id": "t", "response_url": ""})


@pytest.mark.parametrize("forge", ["unsigned", "wrong secret", "replayed", "tampered"])
def test_requests_not_signed_by_slack_get_401_and_change_nothing(web, sessions, forge):
    body = _body("new SCR-1 initiated=2026-03-02")
    headers = {
        "unsigned": {},
        "wrong secret": sign(body, secret="not-the-secret"),
        "replayed": sign(body, timestamp=int(time.time()) - 6 * 60),
        "tampered": sign(_body("new SCR-9 initiated=2026-03-02")),
    }[forge]
    status, _ = post(f"{web}/slack/events", body, headers, "application/x-www-form-urlencoded")
    assert status == 401
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == 0
    assert _reviews(sessions) == 0


def test_status_keeps_within_fifty_blocks_and_says_how_many_more(web, run):
    for n in range(80):
        run(f"new R-{n:03d} initiated=2026-0{1 + n % 9}-01")
    answer = _json(slash_command(f"{web}/slack/events", "status"))
    assert len(answer["blocks"]) == 50
    assert answer["blocks"][-1]["elements"][0]["text"].startswith("…and 32 more.")
    assert answer["blocks"][1]["text"]["text"].startswith(":rotating_light: *R-000*")


def test_typed_text_cannot_ping_or_link_in_answers(web, sessions):
    _json(slash_command(f"{web}/slack/events", 'new SCR-1 initiated=2026-03-02 title="<!channel> &amp; <http://x|y>"'))
    listing = _json(slash_command(f"{web}/slack/events", "status"))
    assert "*SCR-1* &lt;!channel&gt; &amp; &lt;http://x|y&gt;:" in listing["blocks"][1]["text"]["text"]
    assert "<!channel>" not in json.dumps(listing)


def test_buttons_that_record_a_date_ask_for_confirmation_first(web, run):
    run('new SCR-1 initiated=2026-03-02')
    run('new SCR-2 initiated=2026-03-02')
    run("complete SCR-2 on=2026-07-20")
    run('withhold SCR-2 reason="x"')
    confirms = {}
    for reference in ("SCR-1", "SCR-2"):
        detail = _json(slash_command(f"{web}/slack/events", f"status {reference}"))
        for element in (e for b in detail["blocks"] if b["type"] == "actions" for e in b["elements"]):
            confirms[element["action_id"]] = element.get("confirm")
    assert confirms["scr_publish"]["text"]["text"] == "Record that the final report of *SCR-1* was published today?"
    assert confirms["scr_publish"]["confirm"]["text"] == "Mark published"
    assert "*SCR-2* was referred to the national panel" in confirms["scr_refer"]["text"]["text"]
    assert confirms["scr_update"] is None and confirms["scr_withhold"] is None  # these open a form: the form asks
