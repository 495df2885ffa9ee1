"""Teams activities over HTTP, with Bot Framework tokens the SDK verifies, against the fake Bot Framework."""

import pytest
from sqlalchemy import func, select

from scr.models import AuditEntry, Grant, Review
from scr.users import teams_user
from teams.app import PRIVATELY
from tests.fakebotframework import OTHER_TENANT
from tests.teams.conftest import ADMIN_OID, ASKER_OID, JANE_OID, activity, card_of, post, texts, valid

PERSONAL = f"a:personal-29:{ASKER_OID}"
CHANNEL = "19:general@thread.tacv2"


def _count(sessions, model) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_teams_is_off_without_a_client_id(web):
    status, _ = post(web, {"type": "message"})
    assert status == 404


def test_status_in_personal_chat_answers_readers_with_a_card(teams_web, bot_framework, run):
    run('new SCR-1 initiated=2026-03-02 title="Child A"')
    # SCR_READERS=granted: someone in the tenant with no role reads nothing until granted one (by object ID).
    assert post(teams_web, activity(bot_framework, "status"), bot_framework.activity_token())[0] == 200
    (refused,) = bot_framework.activities(PERSONAL)
    assert "You don't have permission to read" in texts(card_of(refused))[0]
    run(f"grant {ASKER_OID} viewer")
    status, _ = post(teams_web, activity(bot_framework, "status"), bot_framework.activity_token())
    assert status == 200
    reply = bot_framework.activities(PERSONAL)[-1]
    card = card_of(reply)
    assert "**SCR-1** Child A: due 2026-09-02, **84 days overdue**" in " ".join(texts(card))
    assert bot_framework.token_requests[0]["client_id"] and bot_framework.token_requests[0]["grant_type"] == \
        "client_credentials"


def test_a_mention_in_a_channel_is_answered_privately(teams_web, bot_framework, run):
    run('new SCR-1 initiated=2026-03-02 title="Child A"')
    run(f"grant {ASKER_OID} viewer")
    status, _ = post(teams_web, activity(bot_framework, "status scr-1", channel=True),
                     bot_framework.activity_token())
    assert status == 200
    (in_channel,) = bot_framework.activities(CHANNEL)
    assert in_channel["text"] == PRIVATELY and "attachments" not in in_channel
    (private,) = bot_framework.activities(PERSONAL)
    card = card_of(private)
    assert texts(card)[0] == "SCR-1 Child A"
    assert "Completion and publication: due 2026-09-02, **84 days overdue**" in texts(card)


def test_an_admin_grants_by_mention_and_the_grant_keys_on_the_object_id(teams_web, bot_framework, sessions):
    bot_framework.members["29:jane"] = JANE_OID  # her mention carries no object ID: the bot looks her up
    grant = activity(bot_framework, "grant <at>Jane</at> editor", user=ADMIN_OID, channel=True,
                     mentions=(("29:jane", "Jane", None),))
    assert post(teams_web, grant, bot_framework.activity_token())[0] == 200
    with sessions() as session:
        assert session.scalar(select(Grant.role).where(Grant.user_id == teams_user(JANE_OID))) == "editor"
    new = activity(bot_framework, 'new SCR-9 initiated=2026-03-02 title="Child B"', user=JANE_OID)
    assert post(teams_web, new, bot_framework.activity_token())[0] == 200
    (answer,) = bot_framework.activities(f"a:personal-29:{JANE_OID}")
    assert texts(card_of(answer)) == ["Created review `SCR-9`, due 2026-09-02."]
    with sessions() as session:
        assert session.scalar(select(AuditEntry.actor).where(AuditEntry.field == "reference")) == \
            teams_user(JANE_OID)


def test_help_and_hints_say_what_to_type_in_teams(teams_web, bot_framework, run):
    run(f"grant {ASKER_OID} viewer")
    assert post(teams_web, activity(bot_framework, "help", channel=True), bot_framework.activity_token())[0] == 200
    (helped,) = bot_framework.activities(PERSONAL)
    lines = texts(card_of(helped))
    assert "Commands (`VERB …`)" in lines[0] and "• `status [REF]`" in lines
    assert lines[-1].startswith("In a channel, mention me first: `@scr-bot status`")
    for line in ("status SCR-404", "frobnicate"):  # the service's and the grammar's own hints
        assert post(teams_web, activity(bot_framework, line), bot_framework.activity_token())[0] == 200
    answers = [texts(card_of(answer))[0] for answer in bot_framework.activities(PERSONAL)[1:]]
    assert answers == ["⚠️ Review `SCR-404` not found. `list all` shows every review.",
                       "⚠️ I don't know the command `frobnicate`. Try `help` to see what I can do."]
    assert "/scr" not in " ".join(lines + answers)


def test_a_viewer_cannot_write(teams_web, bot_framework, sessions):
    assert post(teams_web, activity(bot_framework, "new SCR-2 initiated=2026-03-02"),
                bot_framework.activity_token())[0] == 200
    (answer,) = bot_framework.activities(PERSONAL)
    assert "You don't have permission" in texts(card_of(answer))[0]
    assert _count(sessions, Review) == 0


def test_another_tenant_is_refused_and_nothing_is_written(teams_web, bot_framework, sessions):
    body = activity(bot_framework, "new SCR-3 initiated=2026-03-02", user=ADMIN_OID, tenant=OTHER_TENANT)
    assert post(teams_web, body, bot_framework.activity_token())[0] == 200
    assert bot_framework.activities() == []
    assert _count(sessions, Review) == 0


def _forged(fake):
    return fake.activity_token(key=fake.stranger_key)


@pytest.mark.parametrize("token", [
    pytest.param(lambda fake: None, id="no token"),
    pytest.param(lambda fake: fake.activity_token(audience="00000000-0000-0000-0000-000000000000"), id="audience"),
    pytest.param(lambda fake: fake.activity_token(issuer="https://api.example.com"), id="issuer"),
    pytest.param(lambda fake: fake.activity_token(expires_in=-3600), id="expired"),
    pytest.param(lambda fake: fake.activity_token(service_url="https://elsewhere.example.com/"), id="serviceurl"),
    pytest.param(lambda fake: fake.activity_token(algorithm="none"), id="alg none"),
    pytest.param(_forged, id="key not in the JWKS"),
    pytest.param(lambda fake: fake.activity_token(key=fake.stranger_key, kid="someone-elses"), id="unknown kid"),
])
def test_an_unauthenticated_activity_gets_401_and_writes_nothing(teams_web, bot_framework, sessions, token):
    body = activity(bot_framework, "new SCR-4 initiated=2026-03-02", user=ADMIN_OID)
    status, _ = post(teams_web, body, token(bot_framework))
    assert status == 401
    assert _count(sessions, Review) == 0 and _count(sessions, AuditEntry) == 0
    assert bot_framework.activities() == [] and bot_framework.token_requests == []


# Bodies over 1 MB get 413 on every route, Teams' too: the door's hostile suite (tests/bot/test_hostile.py).
@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b'"text"'])
def test_a_malformed_body_is_refused(teams_web, bot_framework, raw):
    status, _ = post(teams_web, None, bot_framework.activity_token(), raw=raw)
    assert status == 400
    assert bot_framework.activities() == []


def _click(fake, web, verb, data, user):
    value = {"action": {"type": "Action.Execute", "verb": verb, "data": {"verb": verb, **data}},
             "trigger": "manual"}
    status, body = post(web, activity(fake, "", user=user, kind="invoke", value=value), fake.activity_token())
    assert status == 200 and body["statusCode"] == 200 and body["type"] == "application/vnd.microsoft.card.adaptive"
    return texts(valid(body["value"]))


def test_card_buttons_ask_then_act_and_check_the_role(teams_web, bot_framework, run, sessions):
    run('new SCR-5 initiated=2026-03-02 title="Child C"')
    run("complete SCR-5 on=2026-09-01")
    data = {"reference": "SCR-5"}
    assert _click(bot_framework, teams_web, "scr_publish", data, ADMIN_OID) == ["Mark `SCR-5` published today?"]
    # A viewer who forges the confirming invoke is refused, and nothing changes.
    forged = _click(bot_framework, teams_web, "scr_publish:confirm", data, ASKER_OID)
    assert "You don't have permission" in forged[0]
    with sessions() as session:
        assert session.scalar(select(Review.published)) is None
    assert _click(bot_framework, teams_web, "scr_publish:cancel", data, ADMIN_OID) == \
        ["Nothing was changed for `SCR-5`."]
    done = _click(bot_framework, teams_web, "scr_publish:confirm", data, ADMIN_OID)
    assert "published" in done[0]
    with sessions() as session:
        assert session.scalar(select(Review.published)).isoformat() == "2026-11-25"


def test_an_answer_that_fails_after_the_change_was_saved_says_it_was_saved(teams_web, bot_framework, run, sessions,
                                                                          monkeypatch):
    from teams import cards

    run(f"grant {ASKER_OID} editor")

    def broken(result, today):
        raise RuntimeError("the card cannot be laid out")

    monkeypatch.setattr(cards, "answer_card", broken)
    assert post(teams_web, activity(bot_framework, "new SCR-2 initiated=2026-03-02"),
                bot_framework.activity_token())[0] == 200
    answer = " ".join(texts(card_of(bot_framework.activities(PERSONAL)[-1])))
    assert _count(sessions, Review) == 1
    assert "went through and was saved" in answer and "nothing was changed" not in answer


def test_with_workspace_readers_members_read_and_guests_do_not(teams_settings, engine, sessions, bot_framework, run):
    from tests.asgi import serving
    from tests.conftest import NOW
    from web.app import web_app

    run('new SCR-1 initiated=2026-03-02 title="Child A"')
    guest_oid = "5c4b3a29-1807-4f6e-9d5c-4b3a29180706"
    bot_framework.members.update({f"29:{ASKER_OID}": ASKER_OID, f"29:{guest_oid}": guest_oid})
    bot_framework.roles[f"29:{guest_oid}"] = "guest"
    workspace = teams_settings.model_copy(update={"scr_readers": "workspace"})
    with serving(web_app(workspace, engine, clock=lambda: NOW)) as url:
        for user in (ASKER_OID, guest_oid, "0f0e0d0c-0b0a-4908-8706-050403020100"):  # the last: Teams knows not
            assert post(url, activity(bot_framework, "status SCR-1", user=user), bot_framework.activity_token())[0] == 200
    member, guest, unknown = (texts(card_of(bot_framework.activities(f"a:personal-29:{user}")[0]))[0]
                              for user in (ASKER_OID, guest_oid, "0f0e0d0c-0b0a-4908-8706-050403020100"))
    assert member == "SCR-1 Child A"
    assert "You don't have permission" in guest and "You don't have permission" in unknown


def test_a_repeated_read_is_answered_from_the_cache_and_a_change_shows_at_once(teams_web, bot_framework, run,
                                                                                 engine):
    from tests.bot.test_answer_cache import VERSION_AND_ROLE
    from tests.conftest import count_statements

    run('new SCR-1 initiated=2026-03-02 title="Child A"')
    run(f"grant {ASKER_OID} viewer")

    def ask() -> list[str]:
        assert post(teams_web, activity(bot_framework, "status"), bot_framework.activity_token())[0] == 200
        return texts(card_of(bot_framework.activities(PERSONAL)[-1]))

    first = ask()
    with count_statements(engine) as statements:
        assert ask() == first
    assert len(statements) == 1 and statements[0].startswith(VERSION_AND_ROLE)  # the same cache as Slack's
    run("update SCR-1 title=\"Child B\"")
    assert "**SCR-1** Child B" in " ".join(ask())
    run(f"revoke {ASKER_OID}")
    assert "You don't have permission to read" in ask()[0]
