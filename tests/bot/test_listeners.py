"""Listeners called directly with a mocked `ack`, and the Block Kit they build."""

from datetime import date
from unittest.mock import Mock

import pytest

from bot import blocks
from bot.app import Runtime
from bot.listeners.commands import handle_scr
from bot.members import Members
from scr.models import Review
from scr.service import ReviewList, ReviewRow
from tests.conftest import NOW, check_blocks


@pytest.fixture
def runtime(settings, sessions):
    return Runtime(settings, sessions, lambda: NOW, Members(settings.slack_bot_token, settings.slack_api_url).is_member)


def _command(text: str, user: str = "UADMIN") -> dict:
    return {"text": text, "user_id": user, "trigger_id": "t", "channel_id": "C0CHAN"}


def test_scr_acks_once_with_the_answer(runtime):
    ack = Mock()
    handle_scr(ack, _command("help"), Mock(), runtime)
    ack.assert_called_once()
    assert ack.call_args.kwargs["response_type"] == "ephemeral"
    assert "`/scr status [REF]`" in ack.call_args.kwargs["text"]


def test_scr_answers_even_when_the_database_fails(runtime):
    broken = Runtime(runtime.settings, Mock(side_effect=RuntimeError("database gone")), lambda: NOW,
                     runtime.members)
    ack = Mock()
    handle_scr(ack, _command("status"), Mock(), broken)
    assert ack.call_args.kwargs["text"] == blocks.TROUBLE


def test_new_without_arguments_opens_the_form_for_editors_only(runtime):
    client, ack = Mock(), Mock()
    handle_scr(ack, _command("new"), client, runtime)
    assert client.views_open.call_args.kwargs["view"]["callback_id"] == "scr_new"
    client, ack = Mock(), Mock()
    handle_scr(ack, _command("new", user="UVIEWER"), client, runtime)
    client.views_open.assert_not_called()
    assert ack.call_args.kwargs["text"].startswith("You don't have permission to create reviews")


def _listing(count: int) -> ReviewList:
    rows = [ReviewRow(Review(reference=f"R-{n}", reference_key=f"R-{n}", title="Child " + "x" * 150, regime="scr"),
                      date(2026, 12, 1), 6, False, False) for n in range(count)]
    return ReviewList("open", rows, total=count + 7, overdue=0, needs_referral=0)


@pytest.mark.parametrize("count", [0, 1, 48, 49, 200])
def test_lists_fit_in_fifty_valid_blocks(count):
    built = blocks.list_blocks(_listing(count))
    assert len(built) <= blocks.MAX_BLOCKS
    check_blocks(built)
    assert "more" in built[-1]["elements"][0]["text"]


def test_long_text_is_split_or_cut_to_slacks_limits():
    sections = blocks._sections(["y" * 2000, "z" * 2000, "w" * 5000])
    assert [len(s["text"]["text"]) for s in sections] == [2000, 2000, 3000]
    check_blocks(sections)


def test_home_and_forms_are_valid_views():
    blocks.home_view(_listing(100))
    blocks.new_review_modal()
    review = Review(reference="SCR-1", title="Child A", regime="lcspr", initiated=date(2026, 3, 2))
    update = blocks.update_review_modal(review, 7)
    assert update["title"]["text"] == "Update SCR-1"
    blocks.withhold_modal("SCR-1")


def test_the_manifest_asks_for_what_the_listeners_use_and_no_more():
    import json
    from pathlib import Path

    manifest = json.loads((Path(__file__).resolve().parents[2] / "manifest.json").read_text())
    # users:read: whether the person asking is a guest or from another organisation (bot.members). The history
    # scopes let delivery look for a notice whose outcome is unknown before posting it again. files:write: the
    # report's charts.
    assert manifest["oauth_config"]["scopes"]["bot"] == ["commands", "chat:write", "users:read", "channels:history",
                                                         "groups:history", "im:history", "im:write",
                                                         "files:write"]
    assert [c["command"] for c in manifest["features"]["slash_commands"]] == ["/scr"]
    assert manifest["features"]["slash_commands"][0]["should_escape"] is True  # mentions arrive as <@U…|name>
    assert manifest["settings"]["event_subscriptions"]["bot_events"] == ["app_home_opened"]
    assert manifest["settings"]["interactivity"]["is_enabled"] is True


def test_a_long_history_is_cut_to_fifty_blocks(run):
    run("new SCR-1 initiated=2026-03-02")
    for n in range(400):
        run(f'update SCR-1 notes="{n} {"x" * 300}"')
    answer = blocks.answer(run("history SCR-1"), NOW.date())
    assert len(answer["blocks"]) == blocks.MAX_BLOCKS
    assert answer["blocks"][-1]["elements"][0]["text"].startswith("Cut to fit in Slack")


def test_a_form_submitted_while_the_database_is_down_gets_an_answer_on_the_form(runtime):
    from bot.listeners.views import submit

    broken = Runtime(runtime.settings, Mock(side_effect=RuntimeError("database gone")), lambda: NOW,
                     runtime.members)
    view = {"private_metadata": "{}", "state": {"values": {
        "reference": {"reference": {"type": "plain_text_input", "value": "SCR-1"}},
        "initiated": {"initiated": {"type": "datepicker", "selected_date": "2026-03-02"}}}}}
    ack = Mock()
    submit(ack, {"user": {"id": "UADMIN"}}, view, broken, "new")
    assert ack.call_args.kwargs == {"response_action": "errors", "errors": {"reference": blocks.TROUBLE}}


@pytest.mark.parametrize("block", [
    {"type": "header", "text": {"type": "plain_text", "text": "x" * 151, "emoji": True}},  # over Slack's limit
    {"type": "section", "text": {"type": "mrkdwn", "text": "hi"}, "colour": "red"},  # a field Slack does not know
    {"type": "actions", "elements": [{"type": "button", "text": {"type": "plain_text", "text": "Go", "emoji": True},
                                      "action_id": "go", "value": "v" * 2001}]},  # a value over Slack's limit
])
def test_the_block_kit_check_refuses_what_slack_would(block):
    with pytest.raises(Exception):  # noqa: B017 - slack_sdk's own error, or the round trip's mismatch
        check_blocks([block])
