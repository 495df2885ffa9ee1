"""Buttons on answers and notices: open a review, update it, mark it published, withhold it, record the referral.

Every click is checked against the clicker's role; a second click on "Mark published" or "Record referral" finds
the date already recorded and changes nothing.
"""

from __future__ import annotations

import logging

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot import blocks
from scr import grammar, service

log = logging.getLogger(__name__)


def _reply(respond: Respond, runtime, user: str, make_command) -> None:
    """Run the command a button stands for and tell the clicker, privately, what happened."""
    now = runtime.now()
    try:
        result = runtime.run(user, make_command(now.date()), now)
        respond(replace_original=False, **blocks.answer(result, now.date()))
    except grammar.CommandError as error:
        respond(replace_original=False, **blocks.error_answer(error.message))


def _reference(body: dict) -> str:
    return body["actions"][0]["value"]


def register(app: App, runtime) -> None:
    @app.action(blocks.VIEW)
    def view(ack: Ack, body: dict, respond: Respond) -> None:
        ack()
        _reply(respond, runtime, body["user"]["id"], lambda _today: grammar.Status(_reference(body)))

    @app.action(blocks.PUBLISH)
    def publish(ack: Ack, body: dict, respond: Respond) -> None:
        ack()
        _reply(respond, runtime, body["user"]["id"], lambda today: grammar.Publish(_reference(body), today))

    @app.action(blocks.REFER)
    def refer(ack: Ack, body: dict, respond: Respond) -> None:
        ack()
        _reply(respond, runtime, body["user"]["id"], lambda today: grammar.Refer(_reference(body), today))

    @app.action(blocks.UPDATE)
    def update(ack: Ack, body: dict, client: WebClient, respond: Respond) -> None:
        ack()
        _open_form(body, client, respond, runtime, "update reviews",
                   lambda review: blocks.update_review_modal(review))

    @app.action(blocks.WITHHOLD)
    def withhold(ack: Ack, body: dict, client: WebClient, respond: Respond) -> None:
        ack()
        _open_form(body, client, respond, runtime, "withhold reviews",
                   lambda review: blocks.withhold_modal(review.reference))


def _open_form(body: dict, client: WebClient, respond: Respond, runtime, doing: str, make_view) -> None:
    try:
        with runtime.context(body["user"]["id"]) as ctx:
            service.authorise(ctx, "editor", doing)
            view = make_view(service.find_review(ctx.session, _reference(body)))
    except grammar.CommandError as error:
        respond(replace_original=False, **blocks.error_answer(error.message))
        return
    client.views_open(trigger_id=body["trigger_id"], view=view)
