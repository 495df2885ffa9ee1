"""The hostile-input suite against the real `web` process from the Procfile, over raw HTTP."""

import json
import urllib.request

import pytest

from tests.bot.hostile import ATTACKS, PLANTED, RESPONSE_URL, run_suite, send
from tests.fakeslack import SIGNING_SECRET, FakeSlack
from tests.processes import web_process


@pytest.fixture(scope="module")
def served(database_url, tmp_path_factory):
    """`web` as the Procfile starts it: (port, its gunicorn master, the file its output goes to)."""
    fake = FakeSlack()
    log = tmp_path_factory.mktemp("web") / "web.log"
    try:
        with web_process(log, DATABASE_URL=database_url, SLACK_BOT_TOKEN="xoxb-test-token",
                         SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=fake.api_url) as (port, web):
            yield port, web, log
    finally:
        fake.close()


@pytest.mark.parametrize("attack", ATTACKS, ids=lambda attack: attack.name)
def test_each_hostile_request_gets_a_4xx_promptly(served, attack):
    port, web, log = served
    outcome = send(port, attack)
    assert 400 <= outcome.status < 500, f"{attack.name}: {outcome.status}"
    # A guard against hangs, not a latency bar: the figures are bench/hostile.py's (worst seen: 128 ms).
    assert outcome.seconds < 5, f"{attack.name} took {outcome.seconds:.2f} s"
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
        assert json.loads(response.read()) == {"status": "ok"}  # and the worker still serves


def test_the_suite_keeps_memory_flat_and_the_log_short_and_clean(served):
    port, web, log = served
    figures = run_suite(port, web.pid, log, rounds=2)
    assert all(400 <= outcome.status < 500 for outcome in figures.outcomes), figures.lines()
    assert figures.peak_after_kb - figures.peak_before_kb < 10 * 1024, figures.lines()
    assert figures.log_growth < 4 * 1024 * 2, figures.lines()  # under 4 KB a round
    text = log.read_text(errors="replace")
    assert "Traceback" not in text
    assert PLANTED not in text and RESPONSE_URL not in text
