"""Buttons on answers and notices: open a review, update it, mark it published, withhold it, record the referral,
snooze a notice.

Every click is checked against the clicker's role; a second click on "Mark published" or "Record referral" finds
the date already recorded and changes nothing.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot import blocks
from scr import grammar, service

log = logging.getLogger(__name__)

def _value(body: dict) -> str:
    value = body["actions"][0]["value"]
    if not isinstance(value, str):
        raise TypeError("a button's value is text")
    return value


def _show(body: dict, client: WebClient, respond: Respond, answer: dict) -> None:
    """Tell the clicker alone: in the conversation, or, from the Home tab or a modal (no response_url), in a modal."""
    if body.get("response_url"):
        respond(replace_original=False, **answer)
    elif (body.get("view") or {}).get("type") == "modal":
        client.views_push(trigger_id=body["trigger_id"], view=blocks.answer_modal(answer))
    else:
        client.views_open(trigger_id=body["trigger_id"], view=blocks.answer_modal(answer))


def _reply(body: dict, client: WebClient, respond: Respond, runtime,
           act: Callable[[service.Context], service.Result]) -> None:
    """Do what the button stands for as the clicker, and tell them alone what happened."""
    saved = False
    try:
        with runtime.context(body["user"]["id"]) as ctx:
            result = act(ctx)
        saved = True
        answer = blocks.answer(result, ctx.today)
    except grammar.CommandError as error:
        answer = blocks.error_answer(error.message)
    except Exception:
        log.exception("button %s failed", body["actions"][0]["action_id"])
        answer = blocks.error_answer(blocks.trouble(saved))
    _show(body, client, respond, answer)


def _open_form(body: dict, client: WebClient, respond: Respond, runtime, doing: str, make_view) -> None:
    reference = _value(body)
    try:
        with runtime.context(body["user"]["id"]) as ctx:
            service.authorise(ctx, "editor", doing)
            view = make_view(ctx.session, service.find_review(ctx.session, reference))
    except grammar.CommandError as error:
        _show(body, client, respond, blocks.error_answer(error.message))
        return
    client.views_open(trigger_id=body["trigger_id"], view=view)


def register(app: App, runtime) -> None:
    def command(make: Callable[[str, service.Context], grammar.Command]):
        def listener(ack: Ack, body: dict, client: WebClient, respond: Respond) -> None:
            ack()
            reference = _value(body)
            _reply(body, client, respond, runtime, lambda ctx: service.execute(ctx, make(reference, ctx)))
        return listener

    app.action(blocks.VIEW)(command(lambda reference, ctx: grammar.Status(reference)))
    app.action(blocks.PUBLISH)(command(lambda reference, ctx: grammar.Publish(reference, ctx.today)))
    app.action(blocks.REFER)(command(lambda reference, ctx: grammar.Refer(reference, ctx.today)))

    @app.action(blocks.SNOOZE)
    def snooze(ack: Ack, body: dict, client: WebClient, respond: Respond) -> None:
        ack()
        chosen = json.loads(_value(body))
        reference, kind = str(chosen["reference"]), str(chosen["kind"])
        _reply(body, client, respond, runtime, lambda ctx: service.snooze(ctx, reference, kind))

    @app.action(blocks.UPDATE)
    def update(ack: Ack, body: dict, client: WebClient, respond: Respond) -> None:
        ack()
        _open_form(body, client, respond, runtime, "update reviews",
                   lambda session, review: blocks.update_review_modal(review, service.version_of(session, review)))

    @app.action(blocks.WITHHOLD)
    def withhold(ack: Ack, body: dict, client: WebClient, respond: Respond) -> None:
        ack()
        _open_form(body, client, respond, runtime, "withhold reviews",
                   lambda session, review: blocks.withhold_modal(review.reference))
