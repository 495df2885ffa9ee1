"""Who is a full member of this workspace: guests and people from elsewhere (Slack Connect) never read the records.

Slack's `users.info` says whether a person is a guest (`is_restricted`, `is_ultra_restricted`) and which workspace
they belong to; `auth.test` says which workspace the bot is in. Answers are kept briefly, so that a person made a
guest (or deactivated) stops reading within a minute without a call to Slack on every command.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)

TTL_SECONDS = 60.0
LOOKUP_TIMEOUT = 2  # seconds: the lookup must leave room for the answer within Slack's three


class Members:
    def __init__(self, token: str, api_url: str, clock: Callable[[], float] = time.monotonic) -> None:
        # A client of its own: short timeout, no retries, so that a slow Slack costs an answer, not the dyno.
        self._client = WebClient(token=token, base_url=api_url, timeout=LOOKUP_TIMEOUT, retry_handlers=[])
        self._clock = clock
        self._team: str | None = None
        self._known: dict[str, tuple[float, bool]] = {}
        self._lock = threading.Lock()

    def is_member(self, user_id: str) -> bool:
        """True for a full member of the bot's workspace; False for a guest, an outsider, or when Slack can't say."""
        with self._lock:
            known = self._known.get(user_id)
        if known and self._clock() - known[0] < TTL_SECONDS:
            return known[1]
        try:
            team = self._team or self._client.auth_test()["team_id"]
            self._team = team
            user = self._client.users_info(user=user_id)["user"]
        except (SlackApiError, OSError, KeyError) as error:
            # Not kept: the next command asks again. Until Slack answers, nothing is shown (fail closed).
            log.warning("could not check a user with Slack: %s", type(error).__name__)
            return False
        member = (user.get("team_id") == team and not user.get("deleted")
                  and not any(user.get(flag) for flag in ("is_restricted", "is_ultra_restricted", "is_stranger")))
        with self._lock:
            self._known[user_id] = (self._clock(), member)
        return member
