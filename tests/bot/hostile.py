"""The hostile-input suite: requests an attacker or a careless world sends to `web`, over raw HTTP.

Each attack is data; `send` writes it to a socket byte for byte (so that a declared length can lie and a body can
come in chunks), watches for an answer while it is still sending (a refusal must not wait for a body it will not
read), and times it. `run_suite` runs them all against a running `web` process and reports the figures that
tests/bot/test_hostile.py asserts and bench/hostile.py prints.

Every body carries `PLANTED`, and every URL in it a secret, so that a scan of the log can tell whether any of it
was written there.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import select
import socket
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.fakeslack import SIGNING_SECRET

PLANTED = "PLANTED-case-text-Child-Q"
RESPONSE_URL = "https://hooks.slack.com/actions/T0/1/PLANTED-response-url-secret"
MB = 1024 * 1024


def signed(body: bytes, timestamp: str | None = None) -> tuple[tuple[str, str], ...]:
    timestamp = str(int(time.time())) if timestamp is None else timestamp
    digest = hmac.new(SIGNING_SECRET.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    return ("X-Slack-Request-Timestamp", timestamp), ("X-Slack-Signature", f"v0={digest}")


@dataclass(frozen=True)
class Attack:
    name: str
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    path: str = "/slack/events"
    method: str = "POST"
    content_type: str = "application/x-www-form-urlencoded"
    padding: int = 0  # this many more bytes of body, streamed after `body`
    declared: str | None = None  # a Content-Length to declare instead of the true one
    chunked: bool = False
    sign: bool = False

    def head(self) -> bytes:
        lines = [f"{self.method} {self.path} HTTP/1.1", "Host: scr-bot", "Connection: close",
                 f"Content-Type: {self.content_type}"]
        if self.chunked:
            lines.append("Transfer-Encoding: chunked")
        else:
            lines.append(f"Content-Length: {self.declared or len(self.body) + self.padding}")
        headers = self.headers + (signed(self.body) if self.sign else ())
        lines += [f"{name}: {value}" for name, value in headers]
        return ("\r\n".join(lines) + "\r\n\r\n").encode()  # raw bytes, as an attacker may send

    def pieces(self) -> Iterator[bytes]:
        filler = (PLANTED.encode() * (64 * 1024 // len(PLANTED)))[: 64 * 1024]
        parts = [self.body] + [filler] * (self.padding // len(filler)) + [filler[: self.padding % len(filler)]]
        for part in filter(None, parts):
            yield f"{len(part):x}\r\n".encode() + part + b"\r\n" if self.chunked else part
        if self.chunked:
            yield b"0\r\n\r\n"


def _form(**fields: str) -> bytes:
    return urllib.parse.urlencode(fields).encode()


def _payload(payload: object) -> bytes:
    return _form(payload=json.dumps(payload))


def _click(**changes: object) -> dict:
    payload = {"type": "block_actions", "user": {"id": "UADMIN"}, "team": {"id": "T0TEAM"}, "api_app_id": "A0APP",
               "trigger_id": "t", "response_url": RESPONSE_URL, "container": {"type": "message"},
               "channel": {"id": "C0CHAN"}, "actions": [{"action_id": "scr_view", "value": "SCR-1", "type": "button",
                                                        "block_id": "b", "action_ts": "1"}]}
    payload.update(changes)
    return payload


def _submission(view: object) -> dict:
    return {"type": "view_submission", "user": {"id": "UADMIN"}, "team": {"id": "T0TEAM"}, "api_app_id": "A0APP",
            "view": view}


def _command(**fields: str) -> bytes:
    base = {"command": "/scr", "text": f"status {PLANTED}", "user_id": "UADMIN", "team_id": "T0TEAM",
            "channel_id": "C0CHAN", "trigger_id": "t", "response_url": RESPONSE_URL}
    return _form(**{key: value for key, value in {**base, **fields}.items() if value is not None})


def _event(event: object) -> bytes:
    return json.dumps({"type": "event_callback", "team_id": "T0TEAM", "api_app_id": "A0APP", "event_id": "Ev1",
                       "event_time": 1, "event": event}).encode()


_COMMAND = _command()
# As JSON, not form-encoded: unquoting 200,000 escapes costs the stdlib some 45 MB (a cost only a signed request
# can impose, as the signature is checked before the body is parsed).
_DEEP = b'{"type": "block_actions", "actions": ' + b"[" * 200_000
ATTACKS = [
    # Size: refused before the body is read, whatever the headers say.
    Attack("a 200 MB body declared, 1 KB sent", _COMMAND, declared=str(200 * MB), sign=True),
    Attack("a 20 MB body, honestly declared", _COMMAND, padding=20 * MB),
    Attack("a 20 MB body in chunks", _COMMAND, padding=20 * MB, chunked=True),
    Attack("a 1 MB and 1 byte body, signed", _COMMAND, padding=MB + 1 - len(_COMMAND), sign=True),
    Attack("100 bytes declared, 2 MB sent", _COMMAND, padding=2 * MB, declared="100"),
    Attack("a 20 MB body to /healthz", path="/healthz", method="GET", padding=20 * MB),
    Attack("a 20 MB body to an unknown path", path="/nowhere", padding=20 * MB, chunked=True),
    Attack("a 20 MB body to Teams' route", path="/api/messages", padding=20 * MB, chunked=True),
    Attack("a Teams activity that is not JSON", PLANTED.encode(), path="/api/messages",
           content_type="application/json"),
    Attack("a malformed Content-Length", _COMMAND, declared="12abc"),
    Attack("a negative Content-Length", _COMMAND, declared="-1"),
    # Headers.
    Attack("unsigned", _COMMAND),
    Attack("a timestamp that is not a number", _COMMAND, headers=signed(_COMMAND, "soon")),
    Attack("a timestamp in Arabic-Indic digits", _COMMAND, headers=signed(_COMMAND, "١٧٠٠٠٠٠٠٠٠")),
    Attack("a huge timestamp", _COMMAND, headers=signed(_COMMAND, "9" * 400)),
    Attack("a stale signature", _COMMAND, headers=signed(_COMMAND, str(int(time.time()) - 3600))),
    Attack("a signature with the wrong secret", _COMMAND,
           headers=(("X-Slack-Request-Timestamp", str(int(time.time()))), ("X-Slack-Signature", "v0=" + "0" * 64))),
    Attack("a 20 KB header", _COMMAND, headers=(("X-Slack-Signature", "v0=" + PLANTED * 800),)),
    Attack("two hundred headers", _COMMAND, headers=tuple((f"X-H{n}", PLANTED) for n in range(200))),
    Attack("GET on Slack's route", method="GET"),
    # Bodies, signed, that do not parse.
    Attack("a body that is not UTF-8", PLANTED.encode() + b"\xff\xfe text=status", sign=True),
    Attack("a payload that is not JSON", _form(payload="{" + PLANTED), sign=True),
    Attack("a JSON body that is not JSON", b'{"type": "' + PLANTED.encode(), content_type="application/json",
           sign=True),
    Attack("a JSON body that is a list", json.dumps([PLANTED]).encode(), content_type="application/json", sign=True),
    Attack("a payload that is a string", _form(payload=json.dumps(PLANTED)), sign=True),
    Attack("a JSON body nested 200,000 deep", _DEEP, content_type="application/json", sign=True),
    Attack("a payload nested 100 deep", _payload(_click(extra=json.loads("[" * 100 + "]" * 100))), sign=True),
    # Signed payloads with missing or odd fields.
    Attack("a click without actions", _payload(_click(actions=None)), sign=True),
    Attack("a click with no action in its list", _payload(_click(actions=[])), sign=True),
    Attack("a click whose user is a string", _payload(_click(user=PLANTED)), sign=True),
    Attack("a click without a user", _payload({k: v for k, v in _click().items() if k != "user"}), sign=True),
    Attack("a click whose value is an object", _payload(_click(actions=[{"action_id": "scr_view",
                                                                         "value": {"x": PLANTED}}])), sign=True),
    Attack("a snooze whose value is not JSON", _payload(_click(actions=[{"action_id": "scr_snooze",
                                                                         "value": PLANTED}])), sign=True),
    Attack("an unknown kind of payload", _payload({"type": PLANTED, "user": {"id": "UADMIN"}}), sign=True),
    Attack("a submission without state", _payload(_submission({"callback_id": "scr_new", "id": "V1"})), sign=True),
    Attack("a submission whose values are a list", _payload(_submission(
        {"callback_id": "scr_new", "type": "modal", "id": "V1", "state": {"values": [PLANTED]}})), sign=True),
    Attack("a submission whose metadata is not JSON", _payload(_submission(
        {"callback_id": "scr_update", "type": "modal", "id": "V1", "private_metadata": PLANTED,
         "state": {"values": {"notes": {"notes": {"type": "plain_text_input", "value": PLANTED}}}}})), sign=True),
    Attack("a command without a user", _command(user_id=None), sign=True),
    Attack("a command that is not ours", _command(command="/other"), sign=True),
    Attack("a form with 30,000 fields", b"&".join([b"x=" + PLANTED.encode()] * 30_000), sign=True),
    Attack("an event without a user", _event({"type": "app_home_opened", "tab": "home"}),
           content_type="application/json", sign=True),
    Attack("an event that is a string", _event(PLANTED), content_type="application/json", sign=True),
]


@dataclass
class Outcome:
    attack: Attack
    status: int
    seconds: float


def send(port: int, attack: Attack, timeout: float = 10) -> Outcome:
    """Send `attack`; stop sending as soon as an answer arrives (or the server stops reading), then read it."""
    started = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(attack.head())
        pieces = attack.pieces()
        pending = b""
        while True:
            readable, writable, _ = select.select([sock], [sock], [], timeout)
            if readable or not writable:
                break
            pending = pending or next(pieces, b"")
            if not pending:
                break
            try:
                pending = pending[sock.send(pending):]
            except OSError:  # the server answered and closed while we were still sending
                break
        answer = b""
        while b"\r\n" not in answer:
            try:
                chunk = sock.recv(4096)
            except ConnectionResetError:
                break
            if not chunk:
                break
            answer += chunk
    seconds = time.perf_counter() - started
    status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else 0
    return Outcome(attack, status, seconds)


def rss_kb(pid: int, field_name: str = "VmHWM") -> int:
    """A process's peak (VmHWM) or current (VmRSS) resident memory, in KB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1])
    raise LookupError(field_name)


def children(pid: int) -> list[int]:
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


@dataclass
class Figures:
    outcomes: list[Outcome] = field(default_factory=list)
    peak_before_kb: int = 0
    peak_after_kb: int = 0
    log_growth: int = 0

    @property
    def worst(self) -> Outcome:
        return max(self.outcomes, key=lambda outcome: outcome.seconds)

    def lines(self) -> list[str]:
        return [
            f"requests tried: {len(self.outcomes)}",
            f"statuses: {sorted({outcome.status for outcome in self.outcomes})}",
            f"worst latency: {self.worst.seconds * 1000:.0f} ms ({self.worst.attack.name})",
            f"peak RSS of the worker: {self.peak_before_kb / 1024:.1f} MB before, {self.peak_after_kb / 1024:.1f} MB after",
            f"log growth: {self.log_growth} bytes",
        ]


def run_suite(port: int, master_pid: int, log: Path, rounds: int = 1) -> Figures:
    """Every attack `rounds` times against the `web` process whose gunicorn master is `master_pid`."""
    worker = children(master_pid)[0]
    figures = Figures(peak_before_kb=rss_kb(worker))
    size = log.stat().st_size
    for _ in range(rounds):
        figures.outcomes += [send(port, attack) for attack in ATTACKS]
    time.sleep(0.2)  # let the last lines reach the log
    figures.peak_after_kb = rss_kb(worker)
    figures.log_growth = log.stat().st_size - size
    return figures
