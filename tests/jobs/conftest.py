from datetime import date, datetime, timedelta

import pytest

from jobs.delivery import SlackSender, TeamsSender
from jobs.run import run_once
from tests.conftest import LONDON


@pytest.fixture
def day(settings, sessions, fake_slack):
    """Run the day's jobs in this process as of a date, delivering to the fake Slack (and Teams if asked)."""

    def day(as_of: str, *, teams: bool = False, minutes_later: int = 0, digest: bool = True, settings=settings,
            at: datetime | None = None):
        if not digest:
            settings = settings.model_copy(update={"scr_weekly_digest": "off"})
        senders = {"slack": SlackSender(settings.slack_bot_token, settings.slack_api_url, backoff=0.01)}
        if teams:
            senders["teams"] = TeamsSender(fake_slack.teams_url, backoff=0.01)
        moment = at or datetime.combine(date.fromisoformat(as_of), datetime.min.time(), LONDON) + timedelta(hours=9)
        moment += timedelta(minutes=minutes_later)
        fake_slack.clock = moment.timestamp  # what Slack posts in this run carries the run's time
        return run_once(settings, sessions, senders, date.fromisoformat(as_of), lambda: moment)

    return day
