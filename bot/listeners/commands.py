"""`/scr`: parse, carry out, answer in the ack (ephemeral), all within Slack's three seconds."""

from __future__ import annotations

import logging

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot import blocks
from scr import grammar, service

log = logging.getLogger(__name__)


def handle_scr(ack: Ack, command: dict, client: WebClient, runtime) -> None:
    user = command["user_id"]
    now = runtime.now()
    saved = False
    try:
        result = runtime.run(user, grammar.parse(command.get("text", ""), now.date()), now)
        saved = True
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


def open_form(client: WebClient, runtime, trigger_id: str, verb: str, reference: str | None) -> None:
    if verb == "new":
        view = blocks.new_review_modal()
    else:
        with runtime.sessions() as session:
            review = service.find_review(session, reference)
            view = blocks.update_review_modal(review, service.version_of(session, review))
    client.views_open(trigger_id=trigger_id, view=view)


def register(app: App, runtime) -> None:
    app.command("/scr")(lambda ack, command, client: handle_scr(ack, command, client, runtime))
