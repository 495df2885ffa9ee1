"""Notices through the Teams bot: proactive messages to a Teams channel, delivered from the ledger like Slack's.

The SDK does not retry: this sender retries 429, 412, 502 and 504 itself, after `Retry-After` or a jittered backoff,
and paces itself under Teams' limits for a bot in one conversation (7 messages a second, 60 in 30 seconds). Its SDK
app runs on the process's one long-lived event loop (`teams.app.Loop`).
"""

from __future__ import annotations

import json
import random
import time
from collections import deque
from collections.abc import Callable

import httpx
from microsoft_teams.api import MessageActivityInput
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from jobs.delivery import DeliveryError
from scr.models import LedgerEntry, TeamsConversation
from scr.notices import Notice
from scr.settings import Settings
from teams import cards
from teams.app import Loop, TeamsError, sdk_app

RETRIED = frozenset({429, 412, 502, 504})
TIMEOUT = 30  # seconds for one send, its token included
# Teams' own default; a bot added to a team learns its region's URL from the install activity.
DEFAULT_SERVICE_URL = "https://smba.trafficmanager.net/teams/"
LIMITS = ((7, 1.0), (60, 30.0))  # (messages, seconds) per bot per conversation


class Pace:
    """Waits as long as needed to stay under every (messages, seconds) limit for a conversation."""

    def __init__(self, limits: tuple[tuple[int, float], ...] = LIMITS,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:
        self.limits = limits
        self.clock, self.sleep = clock, sleep
        self.sent: dict[str, deque[float]] = {}

    def wait(self, conversation: str) -> None:
        sent = self.sent.setdefault(conversation, deque(maxlen=max(count for count, _ in self.limits)))
        for count, seconds in self.limits:
            if len(sent) >= count:
                self.sleep(max(0.0, sent[-count] + seconds - self.clock()))
        sent.append(self.clock())


def destination(session: Session, settings: Settings) -> tuple[str, str] | None:
    """The conversation notices go to, and its service URL: `SCR_TEAMS_CHANNEL`, else the team the bot was last
    added to; None when there is neither."""
    latest = session.scalar(select(TeamsConversation).order_by(TeamsConversation.captured_at.desc()).limit(1))
    if settings.scr_teams_channel:
        chosen = session.get(TeamsConversation, settings.scr_teams_channel) or latest
        return settings.scr_teams_channel, chosen.service_url if chosen else DEFAULT_SERVICE_URL
    return (latest.conversation_id, latest.service_url) if latest else None


class TeamsBotSender:
    """The jobs' sender for notices through the bot (`destination` names it in the ledger)."""

    destination = "teamsbot"

    def __init__(self, settings: Settings, sessions: sessionmaker[Session], *, attempts: int = 4,
                 backoff: float = 1.0, pace: Pace | None = None, sleep: Callable[[float], None] = time.sleep) -> None:
        self.settings, self.sessions = settings, sessions
        self.attempts, self.backoff, self.sleep = attempts, backoff, sleep
        self.pace = pace or Pace(sleep=sleep)
        self.loop = Loop.shared()
        self.app = sdk_app(settings)
        self.loop.run(self.app.initialize())

    def render(self, notice: Notice) -> dict:
        return cards.message(cards.notice_card(notice), notice.text)

    def _wait(self, response: httpx.Response, attempt: int) -> float:
        retry_after = response.headers.get("Retry-After", "")
        if retry_after.isdigit():
            return float(retry_after) + random.uniform(0, 0.5)
        return self.backoff * 2 ** attempt * random.uniform(0.5, 1.5)

    def send(self, entry: LedgerEntry, deadline: float) -> None:
        # The ledger's channel is the Slack one the notice was planned for; Teams notices all go to one channel,
        # looked up at each send so that a team that adds the bot gets the next notice without a restart.
        with self.sessions() as session:
            where = destination(session, self.settings)
        if where is None:
            raise DeliveryError("no Teams channel yet: add the bot to a team, or set SCR_TEAMS_CHANNEL")
        conversation, service_url = where
        activity = MessageActivityInput.model_validate(json.loads(entry.body))
        for attempt in range(self.attempts):
            self.pace.wait(conversation)
            try:
                self.loop.run(self.app.send(conversation, activity, service_url=service_url), TIMEOUT)
                return
            except httpx.HTTPStatusError as error:
                status = error.response.status_code
                wait = self._wait(error.response, attempt)
                # No retry starts that could outlive the lease on the notice.
                if status not in RETRIED or attempt == self.attempts - 1 or \
                        time.monotonic() + wait + TIMEOUT >= deadline:
                    raise DeliveryError(f"Teams refused: {status}") from None
                self.sleep(wait)
            except (httpx.TransportError, TeamsError, TimeoutError) as error:
                raise DeliveryError(f"Teams unreachable: {type(error).__name__}") from None

    def received(self, entry: LedgerEntry, deadline: float) -> bool:
        # A channel's messages can be read back only through Microsoft Graph, with permissions the bot does not
        # ask for: notices through the bot are delivered at least once.
        return False
