"""Form submissions: checked by the same grammar and use-cases as typed commands, errors shown on their fields."""

from __future__ import annotations

import json
import logging
from dataclasses import replace

from slack_bolt import Ack, App

from bot import blocks
from scr import grammar, present

log = logging.getLogger(__name__)


def form_values(view: dict) -> dict[str, str | None]:
    """Each input's value by block ID, whatever the kind of input."""
    values: dict[str, str | None] = {}
    for block_id, inputs in view["state"]["values"].items():
        for state in inputs.values():
            option = state.get("selected_option") or {}
            values[block_id] = state.get("value") or state.get("selected_date") or option.get("value")
    return values


def submit(ack: Ack, body: dict, view: dict, runtime, verb: str) -> None:
    values = form_values(view)
    blocks_shown = list(values)
    metadata = json.loads(view.get("private_metadata") or "{}")
    reference = metadata.get("reference") or values.pop("reference", "") or ""
    now = runtime.now()
    try:
        command = grammar.from_form(verb, reference, values, now.date())
        if isinstance(command, grammar.Update) and isinstance(metadata.get("version"), int):
            command = replace(command, since=metadata["version"])
        result = runtime.run(body["user"]["id"], command, now)
    except grammar.CommandError as error:
        field = error.field if error.field in blocks_shown else blocks_shown[0]
        ack(response_action="errors", errors={field: error.message})
        return
    except Exception:
        log.exception("form %s failed", verb)
        ack(response_action="errors", errors={blocks_shown[0]: blocks.TROUBLE})
        return
    try:
        view = blocks.confirmation_view("Saved", present.as_text(result, now.date()))
    except Exception:
        log.exception("form %s saved, but its answer failed", verb)
        view = blocks.confirmation_view("Saved", blocks.TROUBLE_AFTER_SAVE)
    ack(response_action="update", view=view)


def register(app: App, runtime) -> None:
    def submitter(verb: str):
        return lambda ack, body, view: submit(ack, body, view, runtime, verb)

    for verb in ("new", "update", "withhold"):
        app.view(f"scr_{verb}")(submitter(verb))
