"""Guests and people from other organisations, over signed HTTP against the fake Slack's `users.info`."""

import json

import pytest

from tests.fakeslack import event, slash_command


def _answer(web, text: str, user: str) -> str:
    status, body = slash_command(f"{web}/slack/events", text, user=user)
    assert status == 200
    return json.loads(body)["text"]


@pytest.mark.parametrize("account", [
    {"is_restricted": True},  # a multi-channel guest
    {"is_ultra_restricted": True},  # a single-channel guest
    {"team_id": "T0ELSEWHERE"},  # Slack Connect: a person from another organisation
    {"deleted": True},
])
def test_guests_and_outsiders_never_read_even_with_a_grant(web, fake_slack, run, account):
    run('new SCR-1 initiated=2026-03-02 title="Child A"')
    run("grant UGUEST editor")
    fake_slack.users["UGUEST"] = account
    for text in ("status", "status SCR-1", "history SCR-1", "list all", "update SCR-1 title=x"):
        assert "could not confirm that you are one" in _answer(web, text, "UGUEST")
    assert "Child A" not in json.dumps([call.params for call in fake_slack.calls])


def test_a_member_with_a_grant_reads_and_slack_is_asked_once_a_minute(web, fake_slack, run):
    run('new SCR-1 initiated=2026-03-02 title="Child A"')
    run("grant UVIEW viewer")
    assert "Child A" in _answer(web, "status", "UVIEW")
    assert "Child A" in _answer(web, "status SCR-1", "UVIEW")
    assert [call.params["user"] for call in fake_slack.named("users.info")] == ["UVIEW"]
    assert len(fake_slack.named("auth.test")) >= 1


def test_when_slack_cannot_say_who_is_asking_nothing_is_shown(web, fake_slack, run):
    run('new SCR-1 initiated=2026-03-02 title="Child A"')
    run("grant UVIEW viewer")
    fake_slack.refuse(500, times=1, path="/api/users.info")
    assert "could not confirm" in _answer(web, "status", "UVIEW")
    assert "Child A" in _answer(web, "status", "UVIEW")  # a refusal is not remembered: the next command asks again


def test_the_home_tab_of_someone_without_a_role_shows_no_reviews(web, fake_slack, run):
    run('new SCR-1 initiated=2026-03-02 title="Child A"')
    status, _ = event(f"{web}/slack/events", {"type": "app_home_opened", "user": "UNOBODY", "tab": "home"})
    assert status == 200
    view = fake_slack.named("views.publish")[0].params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert "You don't have permission to read reviews" in json.dumps(view)
    assert "SCR-1" not in json.dumps(view)


def test_workspace_readers_read_without_a_grant_but_guests_still_do_not(settings, engine, sessions, fake_slack, run):
    from tests.asgi import serving
    from tests.conftest import NOW
    from web.app import web_app

    run('new SCR-1 initiated=2026-03-02 title="Child A"')
    fake_slack.users["UGUEST"] = {"is_restricted": True}
    workspace = settings.model_copy(update={"scr_readers": "workspace"})
    with serving(web_app(workspace, engine, clock=lambda: NOW)) as web:
        assert "Child A" in _answer(web, "status", "UANYONE")
        assert "could not confirm" in _answer(web, "status", "UGUEST")
