"""Delivery: the senders (Slack, Teams, the terminal) and the loop that claims, sends and marks notices.

Within an attempt, 429s wait for Retry-After and network errors and 5xx back off and retry (for the Teams webhook
through slack_sdk's retry handlers). A Slack post that may have arrived (no answer came, or a 5xx) is looked for in
the channel, by the key in its metadata, before it is posted again: exactly once. What still fails stays in the
ledger for the next run, up to ledger.MAX_ATTEMPTS.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from http.client import HTTPException
from typing import Protocol, TextIO
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.web import SlackResponse
from slack_sdk.webhook import WebhookClient
from sqlalchemy.orm import Session, sessionmaker

from bot.blocks import notice_message
from jobs import ledger
from scr import db
from scr.models import LedgerEntry
from scr.notices import Notice
from scr.present import TERMINAL
from teams.cards import webhook_message

log = logging.getLogger(__name__)


TIMEOUT = 10  # seconds for one request to Slack
NOTICE_EVENT = "scr_notice"  # the Slack message metadata event that carries a notice's ledger key


class DeliveryError(Exception):
    """The destination did not take the notice, even after this attempt's retries.

    `maybe_sent`: it may have taken it all the same (no answer came, or a 5xx): look before sending it again.
    `code`: the destination's own word for a refusal, e.g. Slack's `missing_scope`.
    """

    def __init__(self, message: str, maybe_sent: bool = False, code: str | None = None) -> None:
        super().__init__(message)
        self.maybe_sent = maybe_sent
        self.code = code


class AnyServerErrorRetryHandler(ServerErrorRetryHandler):
    """slack_sdk's handler retries 500 and 503 only; a 502 or 504 from a proxy deserves the same."""

    def _can_retry(self, *, state, request, response=None, error=None) -> bool:
        return response is not None and 500 <= response.status_code < 600


def retry_handlers(attempts: int = 3, backoff: float = 0.5) -> list:
    backoff_calculator = BackoffRetryIntervalCalculator(backoff_factor=backoff)
    return [
        ConnectionErrorRetryHandler(max_retry_count=attempts, interval_calculator=backoff_calculator),
        RateLimitErrorRetryHandler(max_retry_count=attempts),
        AnyServerErrorRetryHandler(max_retry_count=attempts, interval_calculator=backoff_calculator),
    ]


class Sender(Protocol):
    """One destination: how a notice looks there, how it is sent, and whether it already arrived.

    `deadline` (on `time.monotonic()`) is when the sender's lease on the notice may run out: start no request that
    could still be going then. `received` answers False when the destination cannot tell; its notices are then
    delivered at least once rather than exactly once.
    """

    destination: str

    def render(self, notice: Notice) -> dict: ...

    def send(self, entry: LedgerEntry, deadline: float) -> None: ...

    def received(self, entry: LedgerEntry, deadline: float) -> bool: ...


class SlackSender:
    """Slack's Web API. Each post carries its ledger key in the message's metadata, which `received` reads back."""

    destination = "slack"

    def __init__(self, token: str, base_url: str, backoff: float = 0.5, tries: int = 4) -> None:
        # It retries by itself rather than through slack_sdk's handlers: a post whose outcome is unknown is looked
        # for before it is repeated, and no retry starts that could outlive the lease.
        self.client = WebClient(token=token, base_url=base_url, timeout=TIMEOUT, retry_handlers=[])
        self.backoff = backoff
        self.tries = tries
        self.direct: dict[str, str] = {}  # a user's ID → the ID of the bot's direct messages with them

    def render(self, notice: Notice) -> dict:
        return notice_message(notice)

    def send(self, entry: LedgerEntry, deadline: float) -> None:
        body = json.loads(entry.body)
        post = partial(self.client.chat_postMessage, channel=entry.channel, text=body["text"], blocks=body["blocks"],
                       metadata={"event_type": NOTICE_EVENT, "event_payload": {"key": entry.key}},
                       unfurl_links=False, unfurl_media=False)
        for attempt in range(1, self.tries + 1):
            try:
                self._call(post, deadline, repeatable=False)
                return
            except DeliveryError as error:
                if not error.maybe_sent or attempt == self.tries or not self._time_for(2, deadline):
                    raise
            time.sleep(self.backoff * 2 ** attempt)
            try:
                if self.received(entry, deadline):
                    return
            except DeliveryError as error:
                raise DeliveryError(str(error), maybe_sent=True) from None

    def received(self, entry: LedgerEntry, deadline: float) -> bool:
        """Whether the channel holds a message carrying the notice's key, posted since the notice was written.

        An app installed before the history scopes were added cannot tell: rather than lose the notice, it is sent
        again (at least once), and the log says how to mend that.
        """
        try:
            return self._find(entry, deadline)
        except DeliveryError as error:
            if error.code != "missing_scope":
                raise
        log.warning("notice %s: cannot look for it in Slack, so it is sent again: reinstall the app from "
                    "manifest.json to grant its history scopes", entry.key)
        return False

    def _find(self, entry: LedgerEntry, deadline: float) -> bool:
        channel = self._conversation(entry.channel, deadline)
        written = entry.created_at if entry.created_at.tzinfo else entry.created_at.replace(tzinfo=UTC)
        oldest = f"{(written - timedelta(days=1)).timestamp():.6f}"  # a day's margin for any clock or zone slip
        cursor = None
        while True:
            page = self._call(partial(self.client.conversations_history, channel=channel, oldest=oldest, limit=200,
                                      cursor=cursor, include_all_metadata=True), deadline, repeatable=True)
            for message in page.get("messages", []):
                metadata = message.get("metadata") or {}
                if (metadata.get("event_type") == NOTICE_EVENT
                        and (metadata.get("event_payload") or {}).get("key") == entry.key):
                    return True
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not (page.get("has_more") and cursor):
                return False

    def _conversation(self, channel: str, deadline: float) -> str:
        """The conversation to read: a notice to a user went to the bot's direct messages with them."""
        if not channel.startswith(("U", "W")):
            return channel
        if channel not in self.direct:
            opened = self._call(partial(self.client.conversations_open, users=channel), deadline, repeatable=True)
            self.direct[channel] = opened["channel"]["id"]
        return self.direct[channel]

    def _time_for(self, requests: int, deadline: float, wait: float = 0) -> bool:
        return time.monotonic() + wait + requests * TIMEOUT < deadline

    def _call(self, call: Callable[[], SlackResponse], deadline: float, repeatable: bool) -> SlackResponse:
        """One Web API call, retried after a 429 (waiting Retry-After) or when the request never reached Slack; and,
        when repeating it does no harm (`repeatable`), after a 5xx or a lost answer too."""
        attempt = 0
        while True:
            attempt += 1
            wait = self.backoff * 2 ** attempt
            try:
                return call()
            except SlackApiError as error:
                status = error.response.status_code
                reason = f"Slack refused: {status} {error.response.get('error')}"
                if status == 429:
                    wait = float(error.response.headers.get("Retry-After", 1))
                elif status < 500:
                    raise DeliveryError(reason, code=error.response.get("error")) from None
                elif not repeatable:
                    raise DeliveryError(reason, maybe_sent=True) from None
            except URLError as error:  # before the request was sent: connection refused, no route, name unknown
                reason = f"Slack unreachable: {error.reason}"
            except (OSError, HTTPException, ValueError) as error:  # after: a timeout, a reset, an unreadable answer
                reason = f"Slack did not answer: {type(error).__name__}"
                if not repeatable:
                    raise DeliveryError(reason, maybe_sent=True) from None
            if attempt == self.tries or not self._time_for(1, deadline, wait):
                raise DeliveryError(reason)
            time.sleep(wait)


class TeamsSender:
    """A Teams Workflows webhook: it answers 202 and cannot say what it already holds (at least once)."""

    destination = "teams"

    def __init__(self, webhook_url: str, backoff: float = 0.5) -> None:
        self.client = WebhookClient(webhook_url, timeout=TIMEOUT, retry_handlers=retry_handlers(backoff=backoff))

    def render(self, notice: Notice) -> dict:
        return webhook_message(notice)

    def send(self, entry: LedgerEntry, deadline: float) -> None:
        try:
            response = self.client.send_dict(json.loads(entry.body))
        except OSError as error:
            raise DeliveryError(f"Teams unreachable: {error}") from None
        if not 200 <= response.status_code < 300:
            raise DeliveryError(f"Teams refused: {response.status_code}")

    def received(self, entry: LedgerEntry, deadline: float) -> bool:
        return False


class ConsoleSender:
    """The local demo's destination: the terminal."""

    destination = "console"

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def render(self, notice: Notice) -> dict:
        return {"text": notice.text, "lines": list(notice.lines)}

    def send(self, entry: LedgerEntry, deadline: float) -> None:
        body = json.loads(entry.body)
        lines = [f"  {TERMINAL.converts(line)}" for line in body["lines"]]
        print("\n".join([f"[{entry.channel}] {TERMINAL.converts(body['text'])}", *lines]), file=self.out)

    def received(self, entry: LedgerEntry, deadline: float) -> bool:
        return False


@dataclass
class DeliveryReport:
    delivered: int = 0
    failed: int = 0  # left for the next run
    undeliverable: int = 0  # given up: their attempts ran out
    cancelled: int = 0  # resolved in the record before they were sent
    stopped: int = 0  # left unsent by a stop, for the next run


@dataclass
class _Failure:
    entry_id: int
    key: str
    attempts: int
    error: str
    unknown: bool  # it may have arrived all the same


@dataclass
class _Done:
    entry_id: int
    status: str  # DELIVERED, or CANCELLED: the record resolved it


def deliver(sessions: sessionmaker[Session], senders: dict[str, Sender], worker: str, clock: Callable[[], datetime],
            lease: timedelta, still_due: Callable[[Session, LedgerEntry], bool],
            stop: threading.Event | None = None) -> DeliveryReport:
    """Send every pending notice once: claim a batch; for each notice renew the leases, check it against the record
    (`still_due`) and, if an earlier attempt may have arrived, against the destination; send it; mark it.

    A notice is marked in the transaction that starts the next one (one commit a notice). A notice that fails is
    held until the end of the run and then given back for the next run, or given up once its attempts reach
    ledger.MAX_ATTEMPTS. On `stop` (SIGTERM) the rest of the batch is given back unsent.
    """
    stop = stop or threading.Event()
    report = DeliveryReport()
    done: list[_Done] = []  # sent (or cancelled), not yet marked
    failures: list[_Failure] = []
    try:
        while not stop.is_set():
            with db.transaction(sessions) as session:
                _mark(session, done, worker, clock())
                batch = ledger.claim(session, worker, clock(), lease)
            done.clear()
            if not batch:
                break
            for index, entry in enumerate(batch):
                if stop.is_set():
                    with db.transaction(sessions) as session:
                        _mark(session, done, worker, clock())
                        ledger.give_back(session, [e.id for e in batch[index:]], worker)
                    done.clear()
                    report.stopped += len(batch) - index
                    break
                outcome = _attempt(sessions, senders.get(entry.destination), entry, worker, clock, lease, still_due,
                                   done)
                if isinstance(outcome, _Failure):
                    log.warning("notice %s not delivered (attempt %s): %s", entry.key, outcome.attempts, outcome.error)
                    failures.append(outcome)
                elif outcome is not None:
                    done.append(_Done(entry.id, outcome))
                    report.delivered += outcome == ledger.DELIVERED
                    report.cancelled += outcome == ledger.CANCELLED
    finally:
        if done or failures:
            with db.transaction(sessions) as session:
                _mark(session, done, worker, clock())
                given_up = _settle(session, failures, worker)
            for failure in given_up:
                log.error("notice %s undeliverable after %s attempts, given up: %s", failure.key, failure.attempts,
                          failure.error)
            report.failed = len(failures) - len(given_up)
            report.undeliverable = len(given_up)
    return report


def _mark(session: Session, done: list[_Done], worker: str, now: datetime) -> None:
    for outcome in done:
        ledger.finish(session, outcome.entry_id, worker, outcome.status, now)


def _attempt(sessions: sessionmaker[Session], sender: Sender | None, entry: LedgerEntry, worker: str,
             clock: Callable[[], datetime], lease: timedelta, still_due: Callable[[Session, LedgerEntry], bool],
             done: list[_Done]) -> str | _Failure | None:
    """Try one notice (marking `done` first): the status it ends in, a failure, or None if another process took it
    over."""
    with db.transaction(sessions) as session:
        _mark(session, done, worker, clock())
        attempts = ledger.begin(session, entry.id, worker, clock())
        due = attempts is not None and still_due(session, entry)
    done.clear()
    if attempts is None:
        return None
    # Half the lease: room for a slow clock on either side before another process may take the notice over.
    deadline = time.monotonic() + lease.total_seconds() / 2
    unknown = entry.status == ledger.CHECKING
    try:
        if sender is None:
            raise DeliveryError(f"no sender for {entry.destination} in this process")
        if unknown and sender.received(entry, deadline):
            return ledger.DELIVERED
        if not due:
            return ledger.CANCELLED
        if attempts > ledger.MAX_ATTEMPTS:  # the earlier attempts all died without an answer
            return _Failure(entry.id, entry.key, attempts, "no attempt came back", unknown=False)
        unknown = False
        sender.send(entry, deadline)
        return ledger.DELIVERED
    except DeliveryError as error:
        return _Failure(entry.id, entry.key, attempts, str(error), unknown or error.maybe_sent)


def _settle(session: Session, failures: list[_Failure], worker: str) -> list[_Failure]:
    """Give failed notices back for the next run, or give them up at the cap: those given up."""
    given_up: list[_Failure] = []
    retried: dict[tuple[str, bool], list[int]] = {}
    for failure in failures:
        if failure.attempts >= ledger.MAX_ATTEMPTS:
            given_up.append(failure)
        else:
            retried.setdefault((failure.error, failure.unknown), []).append(failure.entry_id)
    for (error, unknown), entry_ids in retried.items():
        ledger.release(session, entry_ids, worker, error, unknown)
    for failure in given_up:
        ledger.give_up(session, [failure.entry_id], worker, failure.error)
    return given_up
