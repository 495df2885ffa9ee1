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
    output = _demo(["status SCR-DEMO-03", "/scr list all", "publish LCSPR-DEMO-07", "status", "list held", ""])
    assert "Open reviews: 8, 3 overdue, 1 needing referral to the national panel" in output
    assert "[#scr-escalations] Escalation: Completion of the final report for SCR-DEMO-02 (Child B) is overdue" in output
    assert ("[#scr-escalations] Escalation: Decision not to publish referred to the Child Safeguarding Practice "
            "Review Panel, the national panel for SCR-DEMO-03 (Child C) is overdue") in output
    assert "[#scr-reminders] The hold on LCSPR-DEMO-09 (Child I) was expected to end on 2026-11-22" in output
    assert "[#scr-escalations] Escalation: Completion and publication for LCSPR-DEMO-09 (Child I)" in output
    assert "LCSPR-DEMO-08" not in output.split("Notices due today")[1].split("Weekly digest")[0]  # held: paused
    assert "LCSPR-DEMO-10" not in output.split("Type a /scr command")[0]  # no review: nothing due, nothing said
    assert "[#scr-reminders] Weekly digest" in output
    assert "!! Needs referral to the national panel" in output  # status SCR-DEMO-03, in terminal form
    assert "All reviews: 12" in output
    assert "Recorded: LCSPR-DEMO-07 published on 2026-11-25." in output
    assert "Open reviews: 7" in output  # the last status, after publishing
    assert "Held reviews: 2" in output and "SCR-DEMO-01 Child A: completed 2019-07-01 (held" in output


def test_on_a_weekend_the_demo_says_when_notices_go_out():
    output = _demo([], now=datetime(2026, 11, 28, 10, 0, tzinfo=LONDON))
    assert "No notices today (Saturday 28 November is not a working day); they wait for Monday 30 November." in output
