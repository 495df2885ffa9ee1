"""`/scr`: parse, carry out, answer in the ack (ephemeral), all within Slack's three seconds.

`/scr report` answers with its summary in the ack; its charts take longer to draw, so a lazy listener (Bolt runs it
in a thread after the ack) draws them, uploads them privately and shows them to the asker, or posts them to the
reminder channel for `report share`.
"""

from __future__ import annotations

import logging

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot import blocks
from scr import charts, grammar, present, service
from scr.answers import CACHED

log = logging.getLogger(__name__)


def handle_scr(ack: Ack, command: dict, client: WebClient, runtime) -> None:
    user = command["user_id"]
    now = runtime.now()
    saved = False
    try:
        parsed = grammar.parse(command.get("text", ""), now.date())
        if isinstance(parsed, CACHED):
            ack(runtime.answer(user, parsed, now))  # already in JSON
            return
        result = runtime.run(user, parsed, now)
        saved = True
        if isinstance(result, service.ReportAnswer) and result.share and not runtime.settings.scr_reminder_channel:
            raise grammar.CommandError("There is no reminder channel to share the report with: an administrator "
                                       "sets SCR_REMINDER_CHANNEL.")
        if isinstance(result, service.FormNeeded):
            open_form(client, runtime, command["trigger_id"], result.verb, result.reference)
            ack()
            return
        ack(**blocks.answer(result, now.date()))
    except grammar.CommandError as error:
        ack(**blocks.error_answer(error.message))
    except Exception:
        log.exception("/scr failed")
        ack(**blocks.error_answer(blocks.trouble(saved)))


def send_charts(command: dict, client: WebClient, respond: Respond, runtime) -> None:
    """After the ack of `/scr report`: draw the charts, upload them privately, show them to the asker (or share)."""
    now = runtime.now()
    try:
        parsed = grammar.parse(command.get("text", ""), now.date())
        if not isinstance(parsed, grammar.Report):
            return
        answer = runtime.run(command["user_id"], parsed, now)
    except grammar.CommandError:
        return  # the ack has said what was wrong
    channel = runtime.settings.scr_reminder_channel
    if answer.share and not channel:
        return  # the ack has said there is nowhere to share it
    try:
        drawn = charts.charts(answer.report)
        uploads = [{"file": charts.draw(chart, answer.report, "png"), "filename": f"scr-report-{chart.name}.png",
                    "title": chart.title, "alt_txt": chart.alt} for chart in drawn]
        if answer.share:
            # Shared into the channel as files of the workspace: never made public.
            client.files_upload_v2(file_uploads=uploads, channel=channel,
                                   initial_comment=present.as_text(answer, now.date())[:3000])
            posted = service.Done("Posted the report and its charts to the reminder channel.")
            respond(**blocks.answer(posted, now.date()), replace_original=False)
            return
        # No channel: the files stay private to the app, and only the asker sees them, in this ephemeral answer.
        uploaded = client.files_upload_v2(file_uploads=uploads)
        respond(**blocks.chart_answer([(chart, file["id"]) for chart, file in zip(drawn, uploaded["files"],
                                                                                    strict=True)]))
    except Exception:
        log.exception("/scr report: the charts failed")
        respond(**blocks.error_answer("The report's charts could not be drawn or sent; the summary above stands. "
                                      "`scr report --format html` draws them on paper."))


def open_form(client: WebClient, runtime, trigger_id: str, verb: str, reference: str | None) -> None:
    if verb == "new":
        view = blocks.new_review_modal()
    else:
        with runtime.sessions() as session:
            review = service.find_review(session, reference)
            view = blocks.update_review_modal(review, service.version_of(session, review))
    client.views_open(trigger_id=trigger_id, view=view)


def may_ask_for_a_report(command: dict) -> bool:
    """Whether the command's text could be `report …` (a cheap over-estimate: `send_charts` parses it)."""
    return "report" in command.get("text", "").lower()


def register(app: App, runtime) -> None:
    def answer(ack: Ack, command: dict, client: WebClient) -> None:
        handle_scr(ack, command, client, runtime)

    # Bolt copies the request and starts a thread for a lazy listener on every request it matches: only a command
    # that may be `report` pays for that, not every `status`. Bolt runs the first listener that matches: the one
    # that most commands match comes first, so that they pass as few matchers as they can.
    app.command("/scr", matchers=[lambda command: not may_ask_for_a_report(command)])(answer)
    app.command("/scr")(
        ack=answer, lazy=[lambda command, client, respond: send_charts(command, client, respond, runtime)],
    )
