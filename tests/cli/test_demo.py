import io
from datetime import datetime

from cli.demo import run_demo
from scr.settings import load_settings
from tests.conftest import LONDON, NOW


def _demo(lines, now=NOW) -> str:
    out = io.StringIO()
    assert run_demo(load_settings(_env_file=None), lines=lines, out=out, now=now) == 0
    return out.getvalue()


def test_the_demo_shows_reviews_in_every_state_and_todays_notices():
    output = _demo(["status SCR-DEMO-04", "/scr list all", "publish SCR-DEMO-02", "status", ""])
    assert "Open reviews: 5, 1 overdue, 1 needing referral to the national panel" in output
    assert "[#scr-escalations] Escalation: Completion and publication for SCR-DEMO-01 (Child A) is overdue" in output
    assert "[#scr-escalations] Escalation: SCR-DEMO-04 (Child D) was withheld" in output
    assert "[#scr-reminders] Weekly digest" in output
    assert "!! Needs referral to the national panel" in output  # status SCR-DEMO-04, in terminal form
    assert "All reviews: 7" in output
    assert "Recorded: SCR-DEMO-02 published on 2026-11-25." in output
    assert "Open reviews: 4" in output  # the last status, after publishing


def test_on_a_weekend_the_demo_says_when_notices_go_out():
    output = _demo([], now=datetime(2026, 11, 28, 10, 0, tzinfo=LONDON))
    assert "No notices today (Saturday 28 November is not a working day); they wait for Monday 30 November." in output
