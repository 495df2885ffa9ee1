"""A fake Slack on loopback: the Web API (`SLACK_API_URL` points at it), `response_url`s and incoming webhooks.

It records every call and answers as Slack does, or refuses the next calls as a test tells it to (429 with
Retry-After, 5xx, before or after doing what was asked), so that retries and delivery can be tested over real HTTP.
It keeps the messages posted to each conversation, with their metadata, and answers `conversations.history` from
them; and it can hold its answer to a call (`hold`), to time a crash between Slack's `ok` and the caller hearing it.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
import urllib.parse
import urllib.request
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Call:
    path: str
    method: str  # the Web API method, e.g. chat.postMessage; for other paths, the path
    params: dict
    headers: dict


class FakeSlack:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.refusals: deque[tuple[int, dict[str, str], str, bool, str | None]] = deque()
        self.messages: dict[str, list[dict]] = {}  # conversation ID → its messages, oldest first
        self.clock = time.time  # the time a message is posted at, as its `ts` shows
        self.holding: str | None = None  # the Web API method whose next answer waits for `let_go`
        self.held = threading.Event()  # set once that call was done and its answer is waiting
        self._let_go = threading.Event()
        self._in_flight = 0
        self.delay = 0.0  # seconds each call takes, to widen races in tests
        self.socket_mode_url = ""  # what apps.connections.open hands out
        self.users: dict[str, dict] = {}  # users.info answers by user ID; anyone else is a full member of T0TEAM
        self.lock = threading.Lock()
        self._ts = itertools.count(1)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                with fake.lock:
                    fake._in_flight += 1
                try:
                    fake._handle(self)
                finally:
                    with fake.lock:
                        fake._in_flight -= 1

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def api_url(self) -> str:
        return f"{self.base}/api/"

    @property
    def teams_url(self) -> str:
        return f"{self.base}/teams/workflow"

    def response_url(self, name: str = "r1") -> str:
        return f"{self.base}/respond/{name}"

    def refuse(self, status: int, times: int = 1, path: str = "/", after: bool = False, error: str | None = None,
               **headers: str) -> None:
        """Refuse the next `times` calls whose path starts with `path` with `status` (and `headers`, and Slack's
        `error`); `after`: do what was asked first (the answer is lost, not the request)."""
        self.refusals.extend([(status, headers, path, after, error)] * times)

    def hold(self, method: str) -> None:
        """Do the next call of `method`, then hold its answer until `let_go`."""
        self.holding = method
        self.held.clear()
        self._let_go.clear()

    def let_go(self) -> None:
        self.holding = None
        self._let_go.set()

    def wait_idle(self, seconds: float = 10) -> None:
        """Wait for the calls under way to be done, as Slack finishes a request whose sender died."""
        deadline = time.monotonic() + seconds
        while self._in_flight and time.monotonic() < deadline:
            time.sleep(0.01)

    def posted(self, channel: str) -> list[dict]:
        return self.messages.get(channel, [])

    def uploads(self) -> dict[str, bytes]:
        """The bytes of each uploaded file, by file ID."""
        return {call.path.removeprefix("/upload/"): call.params["data"] for call in self.calls
                if call.path.startswith("/upload/")}

    def named(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    def close(self) -> None:
        self.let_go()
        self.server.shutdown()
        self.server.server_close()

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        time.sleep(self.delay)
        length = int(request.headers.get("Content-Length") or 0)
        data = request.rfile.read(length)
        path = request.path
        if path.startswith("/upload/"):  # a file's bytes, to the URL files.getUploadURLExternal handed out
            params = {"data": data}
        elif "json" in (request.headers.get("Content-Type") or ""):
            params = json.loads(data.decode() or "{}")
        else:
            params = {key: values[0] for key, values in urllib.parse.parse_qs(data.decode()).items()}
        method = path.removeprefix("/api/") if path.startswith("/api/") else path
        with self.lock:
            refusal = next((r for r in self.refusals if path.startswith(r[2])), None)
            if refusal is not None:
                self.refusals.remove(refusal)
            if refusal is None or refusal[3]:
                self.calls.append(Call(path, method, params, dict(request.headers)))
        if refusal is not None:
            status, headers, _, after, error = refusal
            if after:
                self._answer(method, params)
            error = error or ("ratelimited" if status == 429 else "fatal_error")
            body = json.dumps({"ok": False, "error": error}).encode()
            request.send_response(status)
            for name, value in headers.items():
                request.send_header(name.replace("_", "-"), value)
            request.send_header("Content-Type", "application/json")
            request.send_header("Content-Length", str(len(body)))
            request.end_headers()
            request.wfile.write(body)
            return
        if path.startswith("/upload/"):
            body = f"OK - {len(data)}".encode()
            request.send_response(200)
            request.send_header("Content-Type", "text/plain")
            request.send_header("Content-Length", str(len(body)))
            request.end_headers()
            request.wfile.write(body)
            return
        if path.startswith("/teams"):  # a Teams Workflows webhook accepts with 202 and no body
            request.send_response(202)
            request.send_header("Content-Length", "0")
            request.end_headers()
            return
        token = "xapp-test-token" if method == "apps.connections.open" else "xoxb-test-token"
        if path.startswith("/api/") and request.headers.get("Authorization") != f"Bearer {token}":
            answer = {"ok": False, "error": "invalid_auth"}
        else:
            answer = self._answer(method, params)
        if method == self.holding:
            self.held.set()
            self._let_go.wait()
        body = json.dumps(answer).encode()
        request.send_response(200)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)

    def _answer(self, method: str, params: dict) -> dict:
        if method == "auth.test":
            return {"ok": True, "user_id": "UBOT", "bot_id": "BBOT", "team_id": "T0TEAM", "user": "scr-bot"}
        if method == "chat.postMessage":
            return self._post(params)
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": self._conversation(params["users"])}}
        if method == "conversations.history":
            return self._history(params)
        if method == "users.info":
            user = {"id": params.get("user"), "team_id": "T0TEAM", "is_restricted": False,
                    "is_ultra_restricted": False, "deleted": False}
            return {"ok": True, "user": {**user, **self.users.get(params.get("user"), {})}}
        if method == "apps.connections.open":
            return {"ok": True, "url": self.socket_mode_url}
        if method in ("views.open", "views.publish", "views.update"):
            return {"ok": True, "view": {"id": "V1"}}
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._ts):08d}"
            return {"ok": True, "file_id": file_id, "upload_url": f"{self.base}/upload/{file_id}"}
        if method == "files.completeUploadExternal":
            return {"ok": True, "files": [{"id": f["id"], "title": f.get("title")} for f in json.loads(params["files"])]}
        return {"ok": True}

    @staticmethod
    def _conversation(channel: str) -> str:
        """A post to a user's ID goes to the bot's direct messages with them, a conversation of its own."""
        return f"D{channel}" if channel.startswith(("U", "W")) else channel

    def _post(self, params: dict) -> dict:
        channel = self._conversation(params["channel"])
        message = {"type": "message", "ts": f"{self.clock():.0f}.{next(self._ts):06d}", "bot_id": "BBOT",
                   "text": params.get("text", "")}
        if params.get("metadata"):
            metadata = params["metadata"]
            message["metadata"] = json.loads(metadata) if isinstance(metadata, str) else metadata
        with self.lock:
            self.messages.setdefault(channel, []).append(message)
        return {"ok": True, "channel": channel, "ts": message["ts"], "message": message}

    def _history(self, params: dict) -> dict:
        """Newest first, after `oldest`, `limit` a page (100 unless asked), the next page's cursor while there is one;
        metadata only with `include_all_metadata`, as Slack answers."""
        oldest = float(params.get("oldest") or 0)
        with self.lock:
            newest_first = [m for m in reversed(self.posted(params["channel"])) if float(m["ts"]) > oldest]
        start = int(params.get("cursor") or 0)
        end = start + int(params.get("limit") or 100)
        show_metadata = str(params.get("include_all_metadata", "")).lower() in ("1", "true")
        page = [m if show_metadata else {k: v for k, v in m.items() if k != "metadata"}
                for m in newest_first[start:end]]
        more = end < len(newest_first)
        return {"ok": True, "messages": page, "has_more": more,
                "response_metadata": {"next_cursor": str(end) if more else ""}}


SIGNING_SECRET = "test-signing-secret"


def sign(body: str, timestamp: int | None = None, secret: str = SIGNING_SECRET) -> dict[str, str]:
    """The headers Slack sends: v0 HMAC-SHA256 of `v0:{timestamp}:{body}` with the app's signing secret."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(timestamp), "X-Slack-Signature": f"v0={digest}"}


def post(url: str, body: str, headers: dict[str, str], content_type: str) -> tuple[int, str]:
    request = urllib.request.Request(url, data=body.encode(), method="POST",
                                     headers={**headers, "Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def slash_command(url: str, text: str, user: str = "UADMIN", **extra: str) -> tuple[int, str]:
    """POST `/scr text` as Slack does: form-encoded and signed."""
    fields = {"command": "/scr", "text": text, "user_id": user, "user_name": "someone", "team_id": "T0TEAM",
              "channel_id": "C0CHAN", "trigger_id": "trigger-1", "response_url": extra.pop("response_url", ""),
              **extra}
    body = urllib.parse.urlencode(fields)
    return post(url, body, sign(body), "application/x-www-form-urlencoded")


def interaction(url: str, payload: dict) -> tuple[int, str]:
    """POST an interaction as Slack does: a form-encoded `payload` of JSON, signed."""
    body = urllib.parse.urlencode({"payload": json.dumps(payload)})
    return post(url, body, sign(body), "application/x-www-form-urlencoded")


def event(url: str, event_body: dict) -> tuple[int, str]:
    body = json.dumps({"type": "event_callback", "team_id": "T0TEAM", "api_app_id": "A0APP",
                       "event_id": "Ev1", "event_time": int(time.time()), "event": event_body})
    return post(url, body, sign(body), "application/json")
