"""Delivery: the senders (Slack, Teams, the terminal) and the loop that claims, sends and marks notices.

Retries within a run come from slack_sdk's retry handlers, for Slack's Web API and for the Teams webhook alike:
429s wait for Retry-After, 5xx and network errors back off. What still fails stays in the ledger for the next run.
"""

from __future__ import annotations

import html
import json
import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, TextIO

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.webhook import WebhookClient
from sqlalchemy.orm import Session, sessionmaker

from bot.blocks import notice_message
from jobs import ledger
from scr import db
from scr.models import LedgerEntry
from scr.notices import Notice
from teams.cards import webhook_message

log = logging.getLogger(__name__)


class DeliveryError(Exception):
    """The destination did not take the notice, even after this run's retries."""


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
    destination: str

    def render(self, notice: Notice) -> dict: ...

    def send(self, entry: LedgerEntry) -> None: ...


class SlackSender:
    destination = "slack"

    def __init__(self, token: str, base_url: str, backoff: float = 0.5) -> None:
        self.client = WebClient(token=token, base_url=base_url, timeout=10,
                                retry_handlers=retry_handlers(backoff=backoff))

    def render(self, notice: Notice) -> dict:
        return notice_message(notice)

    def send(self, entry: LedgerEntry) -> None:
        body = json.loads(entry.body)
        try:
            self.client.chat_postMessage(channel=entry.channel, text=body["text"], blocks=body["blocks"],
                                         unfurl_links=False, unfurl_media=False)
        except SlackApiError as error:
            raise DeliveryError(f"Slack refused: {error.response.status_code} {error.response.get('error')}") from None
        except OSError as error:
            raise DeliveryError(f"Slack unreachable: {error}") from None


class TeamsSender:
    destination = "teams"

    def __init__(self, webhook_url: str, backoff: float = 0.5) -> None:
        self.client = WebhookClient(webhook_url, timeout=10, retry_handlers=retry_handlers(backoff=backoff))

    def render(self, notice: Notice) -> dict:
        return webhook_message(notice)

    def send(self, entry: LedgerEntry) -> None:
        try:
            response = self.client.send_dict(json.loads(entry.body))
        except OSError as error:
            raise DeliveryError(f"Teams unreachable: {error}") from None
        if not 200 <= response.status_code < 300:
            raise DeliveryError(f"Teams refused: {response.status_code}")


class ConsoleSender:
    """The local demo's destination: the terminal."""

    destination = "console"

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def render(self, notice: Notice) -> dict:
        return {"text": notice.text, "lines": list(notice.lines)}

    def send(self, entry: LedgerEntry) -> None:
        body = json.loads(entry.body)
        lines = [f"  {html.unescape(re.sub(r'[*`]', '', line))}" for line in body["lines"]]
        print("\n".join([f"[{entry.channel}] {html.unescape(body['text'])}", *lines]), file=self.out)


@dataclass
class DeliveryReport:
    delivered: int = 0
    failed: int = 0
    abandoned: int = 0


def deliver(sessions: sessionmaker[Session], senders: dict[str, Sender], worker: str,
            clock: Callable[[], datetime], lease: timedelta, stop: threading.Event | None = None) -> DeliveryReport:
    """Send every pending notice once: claim a batch, send each, mark each delivered as soon as it is.

    A notice that fails is held until the end of the run and then given back, so the next run retries it. On
    `stop` (SIGTERM) the rest of the batch is given back unsent.
    """
    stop = stop or threading.Event()
    report = DeliveryReport()
    failed: dict[str, list[int]] = {}  # each failure's reason, with the notices that met it
    try:
        while not stop.is_set():
            with db.transaction(sessions) as session:
                batch = ledger.claim(session, worker, clock(), lease)
            if not batch:
                break
            for index, entry in enumerate(batch):
                if stop.is_set():
                    with db.transaction(sessions) as session:
                        ledger.release(session, [e.id for e in batch[index:]], worker)
                    report.abandoned += len(batch) - index
                    break
                sender = senders.get(entry.destination)
                try:
                    if sender is None:
                        raise DeliveryError(f"no sender for {entry.destination} in this process")
                    sender.send(entry)
                except DeliveryError as error:
                    log.warning("notice %s not delivered: %s", entry.key, error)
                    failed.setdefault(str(error), []).append(entry.id)
                    continue
                with db.transaction(sessions) as session:
                    ledger.delivered(session, entry.id, worker, clock())
                report.delivered += 1
    finally:
        if failed:
            with db.transaction(sessions) as session:
                for error, entry_ids in failed.items():
                    ledger.release(session, entry_ids, worker, error)
        report.failed = sum(map(len, failed.values()))
    return report
