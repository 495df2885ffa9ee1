"""Buttons, forms and App Home over signed HTTP, as Slack sends them."""

import json

import pytest

from scr.grammar import CommandError
from scr.models import Review
from tests.fakeslack import event, interaction, slash_command


def _click(web, fake_slack, action_id: str, reference: str, user: str = "UADMIN"):
    payload = {
        "type": "block_actions", "user": {"id": user}, "team": {"id": "T0TEAM"}, "api_app_id": "A0APP",
        "trigger_id": "trigger-2", "response_url": fake_slack.response_url(), "container": {"type": "message"},
        "channel": {"id": "C0CHAN"},
        "actions": [{"action_id": action_id, "block_id": "b1", "value": reference, "type": "button", "action_ts": "1"}],
    }
    status, _ = interaction(f"{web}/slack/events", payload)
    assert status == 200


def _replies(fake_slack) -> list[dict]:
    return [call.params for call in fake_slack.named("/respond/r1")]


def _submit(web, callback_id: str, values: dict, metadata: dict | None = None, user: str = "UADMIN"):
    state = {}
    for field, value in values.items():
        if field in ("initiated", "incident", "aware", "notified", "planned", "on"):
            state[field] = {field: {"type": "datepicker", "selected_date": value}}
        elif field == "regime":
            state[field] = {field: {"type": "static_select", "selected_option": {"value": value}}}
        else:
            state[field] = {field: {"type": "plain_text_input", "value": value}}
    payload = {
        "type": "view_submission", "user": {"id": user}, "team": {"id": "T0TEAM"}, "api_app_id": "A0APP",
        "trigger_id": "trigger-3",
        "view": {"id": "V1", "type": "modal", "callback_id": callback_id,
                 "private_metadata": json.dumps(metadata or {}), "state": {"values": state}},
    }
    status, body = interaction(f"{web}/slack/events", payload)
    assert status == 200
    return json.loads(body) if body else {}


def _review(sessions, reference: str) -> Review:
    with sessions() as session:
        return session.query(Review).filter_by(reference_key=reference).one()


def test_mark_published_twice_records_once(web, fake_slack, run, sessions):
    run("new SCR-1 initiated=2026-03-02")
    run("complete SCR-1 on=2026-07-20")
    run("grant UEDITOR editor")
    _click(web, fake_slack, "scr_publish", "SCR-1", user="UEDITOR")
    _click(web, fake_slack, "scr_publish", "SCR-1", user="UEDITOR")
    replies = _replies(fake_slack)
    assert replies[0]["text"] == "Recorded: `SCR-1` published on 2026-11-25."
    assert replies[1]["text"] == "`SCR-1` was already published on 2026-11-25; nothing changed."
    assert all(reply["response_type"] == "ephemeral" and reply["replace_original"] is False for reply in replies)
    assert [e.field for e in run("history SCR-1").entries].count("published") == 1


def test_buttons_refuse_people_who_are_not_editors(web, fake_slack, run, sessions):
    run("new SCR-1 initiated=2026-03-02")
    run("complete SCR-1 on=2026-07-20")
    run('withhold SCR-1 reason="x"')
    for action in ("scr_publish", "scr_refer", "scr_withhold", "scr_update"):
        _click(web, fake_slack, action, "SCR-1", user="UVIEWER")
    assert all(reply["text"].startswith("You don't have permission to") for reply in _replies(fake_slack))
    assert len(_replies(fake_slack)) == 4
    assert fake_slack.named("views.open") == []
    assert _review(sessions, "SCR-1").referred is None


def test_record_referral_button(web, fake_slack, run, sessions):
    run("new SCR-1 initiated=2026-03-02")
    run("complete SCR-1 on=2026-07-20")
    run('withhold SCR-1 reason="x" on=2026-10-01')
    _click(web, fake_slack, "scr_refer", "SCR-1")
    assert _review(sessions, "SCR-1").referred.isoformat() == "2026-11-25"
    assert "referred to the Child Safeguarding Practice Review Panel, the national panel" in _replies(fake_slack)[0]["text"]


def test_open_button_shows_the_review(web, fake_slack, run):
    run("grant UVIEWER viewer")
    run("new SCR-1 initiated=2026-03-02 title=\"Child A\"")
    _click(web, fake_slack, "scr_view", "SCR-1", user="UVIEWER")
    reply = _replies(fake_slack)[0]
    assert reply["blocks"][0]["text"]["text"] == "SCR-1 Child A"
    assert not any(block["type"] == "actions" for block in reply["blocks"])  # a viewer gets no edit buttons


def test_new_with_no_arguments_opens_the_form_and_its_errors_show_on_fields(web, fake_slack, sessions):
    status, body = slash_command(f"{web}/slack/events", "new")
    assert (status, body) == (200, "")
    opened = fake_slack.named("views.open")[0].params
    assert opened["trigger_id"] == "trigger-1"
    view = json.loads(opened["view"]) if isinstance(opened["view"], str) else opened["view"]
    assert view["callback_id"] == "scr_new"

    answer = _submit(web, "scr_new", {"reference": "SCR 1", "initiated": "2026-03-02"})
    assert answer["response_action"] == "errors" and "not a review reference" in answer["errors"]["reference"]
    answer = _submit(web, "scr_new", {"reference": "SCR-1", "initiated": "2027-03-02"})
    assert answer["errors"] == {"initiated": "The initiated date 2027-03-02 is in the future: give the date it "
                                              "happened as YYYY-MM-DD."}
    answer = _submit(web, "scr_new", {"reference": "SCR-1", "title": "Child A", "regime": "lcspr",
                                      "initiated": "2026-03-02", "incident": None, "notified": None, "reviewer": None})
    assert answer["response_action"] == "update"
    review = _review(sessions, "SCR-1")
    assert (review.title, review.regime, review.initiated.isoformat()) == ("Child A", "lcspr", "2026-03-02")
    answer = _submit(web, "scr_new", {"reference": "scr-1", "initiated": "2026-03-02"})
    assert "already exists" in answer["errors"]["reference"]


def _opened_view(fake_slack) -> dict:
    view = fake_slack.named("views.open")[-1].params["view"]
    return json.loads(view) if isinstance(view, str) else view


def test_the_new_form_lets_the_regime_follow_the_date_and_refuses_a_contradiction_on_the_field(web, fake_slack, run,
                                                                                                 sessions):
    slash_command(f"{web}/slack/events", "new")
    regime = next(block for block in _opened_view(fake_slack)["blocks"] if block.get("block_id") == "regime")
    assert regime["element"]["initial_option"]["value"] == "date"
    assert [option["value"] for option in regime["element"]["options"]] == ["date", "scr", "lcspr"]
    for reference, dates, expected in (("OLD", {"initiated": "2017-01-05"}, "scr"),
                                       ("AWARE", {"aware": "2026-06-20"}, "lcspr"),
                                       ("UNDATED", {}, "lcspr")):  # begun today, 2026-11-25
        answer = _submit(web, "scr_new", {"reference": reference, "regime": "date", **dates})
        assert answer["response_action"] == "update", answer
        assert _review(sessions, reference).regime == expected
    assert _review(sessions, "AWARE").aware.isoformat() == "2026-06-20"
    # Typed and submitted, a contradiction gets the same words; the form shows them on the regime field.
    with pytest.raises(CommandError) as typed:
        run("new SCR-9 initiated=2014-01-02 regime=lcspr")
    answer = _submit(web, "scr_new", {"reference": "SCR-9", "regime": "lcspr", "initiated": "2014-01-02"})
    assert answer == {"response_action": "errors", "errors": {"regime": typed.value.message}}
    assert "2014-01-02 is an SCR (regime=scr), not an LCSPR" in typed.value.message
    assert run("list all").total == 3


def test_the_update_form_refuses_a_regime_against_the_date_and_lets_it_follow_the_date(web, fake_slack, run,
                                                                                      sessions):
    run("new SCR-1 initiated=2019-01-10 regime=lcspr")  # within the transition: the partnership's choice
    form = _open_update_form(web, fake_slack, "SCR-1")
    assert form["values"]["regime"] == "lcspr"
    answer = _submit(web, "scr_update", {**form["values"], "regime": "scr", "initiated": "2026-01-10"},
                     metadata=form["metadata"])
    assert answer["errors"]["regime"].startswith("A review whose initiated date is 2026-01-10 is an LCSPR")
    assert _review(sessions, "SCR-1").initiated.isoformat() == "2019-01-10"  # nothing saved
    answer = _submit(web, "scr_update", {**form["values"], "regime": "date", "initiated": "2017-01-10"},
                     metadata=form["metadata"])
    assert answer["response_action"] == "update"
    assert _review(sessions, "SCR-1").regime == "scr"
    assert [(e.field, e.old, e.new) for e in run("history SCR-1").entries][-2:] == [
        ("initiated", "2019-01-10", "2017-01-10"), ("regime", "lcspr", "scr")]


def test_update_button_opens_a_prefilled_form_and_saves_it(web, fake_slack, run, sessions):
    run('new SCR-1 initiated=2026-03-02 title="Child A" reviewer="Ms Smith"')
    _click(web, fake_slack, "scr_update", "SCR-1")
    view = fake_slack.named("views.open")[0].params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    reviewer = next(block for block in view["blocks"] if block.get("block_id") == "reviewer")
    assert reviewer["element"]["initial_value"] == "Ms Smith"
    answer = _submit(web, "scr_update", {"title": "Child A", "regime": "lcspr", "initiated": "2026-03-02",
                                         "incident": None, "notified": None, "reviewer": None, "notes": "Trial in May"},
                     metadata={"reference": "SCR-1"})
    assert answer["response_action"] == "update"
    review = _review(sessions, "SCR-1")
    assert (review.reviewer, review.notes) == (None, "Trial in May")
    changed = [e.field for e in run("history SCR-1").entries][-2:]
    assert changed == ["reviewer", "notes"]


def test_a_viewer_submitting_a_form_is_refused(web, run, sessions):
    run("new SCR-1 initiated=2026-03-02")
    answer = _submit(web, "scr_withhold", {"reason": "x", "on": None}, metadata={"reference": "SCR-1"}, user="UVIEWER")
    assert "You don't have permission to withhold reviews" in answer["errors"]["reason"]
    assert _review(sessions, "SCR-1").withheld is None


def test_withhold_form(web, run, sessions):
    run("new SCR-1 initiated=2026-03-02")
    run("complete SCR-1 on=2026-07-20")
    answer = _submit(web, "scr_withhold", {"reason": "", "on": None}, metadata={"reference": "SCR-1"})
    assert answer["errors"] == {"reason": "Give the reason for not publishing."}
    answer = _submit(web, "scr_withhold", {"reason": "Identifies a sibling", "on": "2026-10-01"},
                     metadata={"reference": "SCR-1"})
    assert answer["response_action"] == "update"
    assert _review(sessions, "SCR-1").withheld_reason == "Identifies a sibling"


def test_app_home_shows_open_reviews_needing_referral_and_overdue_first(web, fake_slack, run):
    run("new SOON initiated=2026-07-01")
    run("new LATE initiated=2026-01-05")
    run("new HELD initiated=2026-02-01")
    run("complete HELD on=2026-07-20")
    run('withhold HELD reason="x" on=2026-08-01')
    run("grant UVIEWER viewer")
    status, _ = event(f"{web}/slack/events", {"type": "app_home_opened", "user": "UVIEWER", "tab": "home"})
    assert status == 200
    published = fake_slack.named("views.publish")[0].params
    assert published["user_id"] == "UVIEWER"
    view = json.loads(published["view"]) if isinstance(published["view"], str) else published["view"]
    rows = [b["text"]["text"] for b in view["blocks"] if b["type"] == "section" and b.get("accessory")]
    assert [row.split("*")[1] for row in rows] == ["HELD", "LATE", "SOON"]


def test_open_on_the_home_tab_shows_the_review_in_a_modal(web, fake_slack, run):
    run('new SCR-1 initiated=2026-03-02 title="Child A"')
    run("grant UVIEWER viewer")
    payload = {  # a click on the Home tab: no response_url, no channel, the view it came from
        "type": "block_actions", "user": {"id": "UVIEWER"}, "team": {"id": "T0TEAM"}, "api_app_id": "A0APP",
        "trigger_id": "trigger-home", "container": {"type": "view", "view_id": "VHOME"},
        "view": {"id": "VHOME", "type": "home"},
        "actions": [{"action_id": "scr_view", "block_id": "b1", "value": "SCR-1", "type": "button", "action_ts": "1"}],
    }
    status, _ = interaction(f"{web}/slack/events", payload)
    assert status == 200
    opened = fake_slack.named("views.open")[0].params
    assert opened["trigger_id"] == "trigger-home"
    view = json.loads(opened["view"]) if isinstance(opened["view"], str) else opened["view"]
    assert view["type"] == "modal"
    assert view["blocks"][0]["text"]["text"] == "SCR-1 Child A"


def test_an_answer_that_fails_after_the_change_was_saved_does_not_say_nothing_changed(web, fake_slack, run, sessions,
                                                                                     monkeypatch):
    from bot import blocks

    run("new SCR-1 initiated=2026-03-02")
    run("complete SCR-1 on=2026-07-20")

    def broken(result, today):
        raise RuntimeError("the answer cannot be laid out")

    monkeypatch.setattr(blocks, "answer", broken)
    _click(web, fake_slack, "scr_publish", "SCR-1")
    reply = _replies(fake_slack)[0]["text"]
    assert _review(sessions, "SCR-1").published is not None
    assert "nothing was changed" not in reply and "went through and was saved" in reply
    answer = json.loads(slash_command(f"{web}/slack/events", "update SCR-1 reviewer=Someone")[1])
    assert _review(sessions, "SCR-1").reviewer == "Someone"
    assert "went through and was saved" in answer["text"]
    monkeypatch.setattr(blocks, "answer", lambda result, today: {"text": "never reached"})
    refused = json.loads(slash_command(f"{web}/slack/events", "update SCR-9 reviewer=x")[1])
    assert "not found" in refused["text"]


def _open_update_form(web, fake_slack, reference: str) -> dict:
    _click(web, fake_slack, "scr_update", reference)
    view = fake_slack.named("views.open")[-1].params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    initial = {}
    for block in view["blocks"]:
        element = block.get("element", {})
        initial[block["block_id"]] = (element.get("initial_value") or element.get("initial_date")
                                      or (element.get("initial_option") or {}).get("value"))
    return {"values": initial, "metadata": json.loads(view["private_metadata"])}


def test_an_update_form_does_not_undo_a_change_saved_after_it_was_opened(web, fake_slack, run, sessions):
    run('new SCR-1 initiated=2026-03-02 title="Child A" reviewer="Ms Smith"')
    form = _open_update_form(web, fake_slack, "SCR-1")
    run('update SCR-1 reviewer="Mr Jones" initiated=2026-03-03')  # another editor, while the form is open
    answer = _submit(web, "scr_update", {**form["values"], "notes": "Trial in May"}, metadata=form["metadata"])
    assert answer["response_action"] == "update"
    review = _review(sessions, "SCR-1")
    assert (review.reviewer, review.initiated.isoformat(), review.notes) == ("Mr Jones", "2026-03-03", "Trial in May")
    assert [e.field for e in run("history SCR-1").entries][-3:] == ["reviewer", "initiated", "notes"]


def test_an_update_form_editing_what_someone_else_changed_is_refused_naming_it(web, fake_slack, run, sessions):
    run('new SCR-1 initiated=2026-03-02 title="Child A" reviewer="Ms Smith"')
    form = _open_update_form(web, fake_slack, "SCR-1")
    run('update SCR-1 title="Child B" reviewer="Mr Jones"')
    answer = _submit(web, "scr_update", {**form["values"], "title": "Child C", "reviewer": "Ms Brown",
                                         "notes": "x"}, metadata=form["metadata"])
    assert answer == {"response_action": "errors", "errors": {"title": (
        "Someone else changed title, reviewer of `SCR-1` after you opened this form, so nothing was saved. "
        "Close the form and open it again to see their change.")}}
    review = _review(sessions, "SCR-1")
    assert (review.title, review.reviewer, review.notes) == ("Child B", "Mr Jones", None)
    again = _open_update_form(web, fake_slack, "SCR-1")
    assert _submit(web, "scr_update", {**again["values"], "title": "Child C"},
                   metadata=again["metadata"])["response_action"] == "update"
    assert _review(sessions, "SCR-1").title == "Child C"
