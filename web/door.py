"""The door: what every HTTP request to `web` passes before an app reads it.

- Any route: a body over `MAX_BODY` gets 413 before it is read: at once when its declared length says so, and as
  soon as it passes the limit when it comes in chunks (or its declared length lies).
- Teams' route: the body must be a JSON object of modest depth (the Bot Framework SDK then checks its token).
- Slack's route: the request must be signed (timestamp and signature) before its body is parsed, must parse, as
  Bolt parses it, to a JSON object of modest depth, and must hold the fields that Bolt and our listeners read
  without asking (Bolt's own matching fails on a click without actions).

Each refusal is one short log line that holds nothing of the body. The checks are plain functions over headers
and bytes (`declared_length`, `slack_check`); `Door` is the ASGI middleware that applies them.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping

from slack_bolt.request.internals import parse_body
from slack_sdk.signature import SignatureVerifier

log = logging.getLogger(__name__)
MAX_BODY = 1024 * 1024
MAX_DEPTH = 32  # Slack's own payloads nest about ten deep


class Refused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def declared_length(value: str | None) -> None:
    """A Content-Length over the limit is refused before any of the body is read."""
    if not value:
        return
    if not (value.isascii() and value.isdigit()):
        raise Refused(400, "a malformed Content-Length")
    if int(value) > MAX_BODY:
        raise Refused(413, f"a body of {int(value)} bytes declared (the limit is {MAX_BODY})")


def _depth(value: object) -> int:
    """How deeply `value` nests, counted without recursion (a deep payload must not exhaust the stack)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
    return deepest


# For each kind of Slack request, the fields read without asking, and their type.
SLACK_FIELDS: dict[str, dict[tuple[str | int, ...], type]] = {
    "command": {("command",): str, ("user_id",): str},
    "block_actions": {("user", "id"): str, ("actions", 0, "action_id"): str, ("trigger_id",): str},
    "view_submission": {("user", "id"): str, ("view", "type"): str, ("view", "callback_id"): str,
                        ("view", "state", "values"): dict},
    "view_closed": {("user", "id"): str, ("view", "type"): str, ("view", "callback_id"): str},
    "event_callback": {("event", "type"): str},
}


def _missing(payload: dict) -> str | None:
    """The first field this kind of request needs that is absent or of the wrong type, as a path."""
    kind = "command" if "command" in payload else payload.get("type")
    for path, kind_of_value in SLACK_FIELDS.get(kind, {}).items() if isinstance(kind, str) else ():
        value: object = payload
        for step in path:
            try:
                value = value[step]  # type: ignore[index]
            except (KeyError, IndexError, TypeError):
                value = None
                break
        if not isinstance(value, kind_of_value):
            return f"a {kind} without {'.'.join(map(str, path))}"
    return None


def slack_check(signing_secret: str) -> Callable[[bytes, Mapping[str, str]], None]:
    """A request to Slack's route must be signed by Slack, and its body must parse as Bolt will parse it."""
    verifier = SignatureVerifier(signing_secret)

    def check(body: bytes, headers: Mapping[str, str]) -> None:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise Refused(400, "a body that is not UTF-8") from None
        timestamp = headers.get("x-slack-request-timestamp", "")
        if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12) \
                or not headers.get("x-slack-signature"):
            raise Refused(401, "no Slack signature")
        if not verifier.is_valid(text, timestamp, headers["x-slack-signature"]):
            raise Refused(401, "a bad or stale Slack signature")
        try:
            parsed = parse_body(text, (headers.get("content-type") or "").split(";")[0] or None)
        except (ValueError, RecursionError):
            raise Refused(400, "a body that does not parse") from None
        if not isinstance(parsed, dict):
            raise Refused(400, "a body that is not an object")
        if _depth(parsed) > MAX_DEPTH:
            raise Refused(400, f"a payload nested deeper than {MAX_DEPTH}")
        missing = _missing(parsed)
        if missing:
            raise Refused(400, missing)

    return check


def json_object(body: bytes, headers: Mapping[str, str]) -> None:
    """A route that takes JSON objects only (Teams' activities)."""
    try:
        parsed = json.loads(body)
    except (ValueError, RecursionError):
        parsed = None
    if not isinstance(parsed, dict):
        raise Refused(400, "a body that is not a JSON object")
    if _depth(parsed) > MAX_DEPTH:
        raise Refused(400, f"a body nested deeper than {MAX_DEPTH}")


class Door:
    """The door as ASGI middleware in front of the whole `web` app: the size limit on every route, then the check of
    a POST's route if it has one. The app then receives the body already held, in one piece."""

    def __init__(self, app, checks: Mapping[str, Callable[[bytes, Mapping[str, str]], None]]) -> None:
        self.app = app
        self.checks = checks

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope["headers"]}
        try:
            declared_length(headers.get("content-length"))
            body = await self._read(receive)
            check = self.checks.get(scope["path"]) if scope["method"] == "POST" else None
            if check is not None:
                check(body, headers)
        except Refused as refused:
            path = scope["path"][:60].encode("unicode_escape").decode()
            log.warning("refused %s %s: %s, %s", scope["method"], path, refused.status, refused.reason)
            await self._refuse(send, refused)
            return
        replayed = False

        async def replay():
            nonlocal replayed
            if replayed:
                return await receive()  # what follows the body: the client's disconnect
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    @staticmethod
    async def _read(receive) -> bytes:
        """The body as it arrives, refused as soon as it passes the limit, whatever the headers said."""
        pieces, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            pieces.append(message.get("body", b""))
            size += len(pieces[-1])
            if size > MAX_BODY:
                raise Refused(413, f"a body over {MAX_BODY} bytes sent")
            if not message.get("more_body"):
                break
        return b"".join(pieces)

    @staticmethod
    async def _refuse(send, refused: Refused) -> None:
        payload = json.dumps({"error": f"refused: {refused.reason}"}).encode()
        await send({"type": "http.response.start", "status": refused.status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": payload})
