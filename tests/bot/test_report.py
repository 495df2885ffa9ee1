"""`/scr report` over signed HTTP: the summary in the ack, the charts uploaded privately and shown to the asker."""

import json
import time

import pytest

from tests.fakeslack import slash_command


def _wait_for(fake, method: str, count: int = 1, seconds: float = 20.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        calls = fake.named(method)
        if len(calls) >= count:
            return calls
        time.sleep(0.05)
    raise AssertionError(f"no {method} within {seconds} s: {[c.method for c in fake.calls]}")


def _records(web):
    for text in ("new SCR-1 initiated=2025-03-25 regime=lcspr", "complete SCR-1 on=2025-09-01",
                 "publish SCR-1 on=2025-10-01",
                 "new SCR-2 initiated=2026-01-05", 'action SCR-2 add "Audit" owner=<@U0OWNER> due=2026-06-01',
                 "grant <@UVIEWER> viewer"):
        status, _ = slash_command(f"{web}/slack/events", text)
        assert status == 200


def test_the_summary_comes_in_the_ack_and_the_charts_follow_for_the_asker_alone(web, fake_slack):
    _records(web)
    status, body = slash_command(f"{web}/slack/events", "report period=2025/26", user="UVIEWER",
                                 response_url=fake_slack.response_url("asker"))
    assert status == 200
    ack = json.loads(body)
    assert ack["response_type"] == "ephemeral"
    assert "Board's report: the year 2025/26 (April to March)" in ack["text"]
    assert "*SCR-2*: overdue by" in ack["text"] and "late by 6 days" in ack["text"]
    # The upload: a URL for each chart, the bytes to it, then completion with no channel (the files stay private).
    asked = _wait_for(fake_slack, "files.getUploadURLExternal", 2)
    assert [call.params["filename"] for call in asked] == ["scr-report-timeline.png", "scr-report-actions.png"]
    assert all(call.params["alt_txt"] for call in asked)
    completed = _wait_for(fake_slack, "files.completeUploadExternal")[0]
    assert "channel_id" not in completed.params and "channels" not in completed.params
    uploads = fake_slack.uploads()
    assert len(uploads) == 2 and all(data.startswith(b"\x89PNG") for data in uploads.values())
    shown = _wait_for(fake_slack, "/respond/asker")[0].params
    assert shown["response_type"] == "ephemeral"
    images = [block for block in shown["blocks"] if block["type"] == "image"]
    assert [image["slack_file"]["id"] for image in images] == list(uploads)
    assert all(image["alt_text"] and "image_url" not in image for image in images)
    assert not fake_slack.named("files.sharedPublicURL")


def test_share_posts_it_to_the_reminder_channel(web, fake_slack):
    _records(web)
    status, body = slash_command(f"{web}/slack/events", "report share", response_url=fake_slack.response_url("s"))
    assert status == 200 and "reminder channel" in json.loads(body)["text"] + json.dumps(json.loads(body)["blocks"])
    completed = _wait_for(fake_slack, "files.completeUploadExternal")[0]
    assert completed.params["channel_id"] == "C0REMIND"
    assert "Board's report" in completed.params["initial_comment"]
    assert "Posted the report" in _wait_for(fake_slack, "/respond/s")[0].params["text"]


@pytest.mark.parametrize(("text", "user", "words"), [
    ("report share", "UVIEWER", "You don't have permission to share"),
    ("report", "USTRANGER", "You don't have permission to read"),
    ("report period=2025", "UADMIN", "YYYY/YY"),
])
def test_a_refused_report_is_answered_in_the_ack_and_draws_nothing(web, fake_slack, text, user, words):
    _records(web)
    _, body = slash_command(f"{web}/slack/events", text, user=user, response_url=fake_slack.response_url("r"))
    assert words in json.loads(body)["text"]
    time.sleep(1)  # the lazy listener has long finished by now
    assert not fake_slack.named("files.getUploadURLExternal")
