"""The lifecycle rules as a user meets them: commands through the grammar and the use-cases, then the real daily job
posting to a fake Slack, day after day (the guidance audit's findings, each reproduced)."""

from datetime import date, datetime, timedelta

from scr.present import TERMINAL, timeline_lines
from tests.conftest import LONDON


def at(day: str) -> datetime:
    return datetime.combine(date.fromisoformat(day), datetime.min.time(), LONDON) + timedelta(hours=9)


def days_of(day, fake_slack, first: str, last: str) -> list[tuple[str, str, str]]:
    """Run the daily job every day from `first` to `last`; what it posted: (day, channel, text)."""
    posted = []
    current, end = date.fromisoformat(first), date.fromisoformat(last)
    while current <= end:
        before = len(fake_slack.named("chat.postMessage"))
        day(current.isoformat(), digest=False)
        posted += [(current.isoformat(), p.params["channel"], p.params["text"])
                   for p in fake_slack.named("chat.postMessage")[before:]]
        current += timedelta(days=1)
    return posted


def timeline(run, reference: str, day: str) -> str:
    return "\n".join(timeline_lines(run(f"status {reference}", now=at(day)), TERMINAL))


def test_the_rapid_review_lapses_once_the_decision_to_hold_the_review_is_recorded(run, day, fake_slack):
    run("new Q1 aware=2026-01-05 notified=2026-01-06 initiated=2026-02-20", now=at("2026-03-02"))
    assert days_of(day, fake_slack, "2026-03-02", "2026-03-20") == []  # no "Escalation: Rapid review … overdue"
    assert "?? Rapid review: not recorded (was due 2026-01-26)" in timeline(run, "Q1", "2026-03-20")


def test_the_copy_before_publication_only_reminds_and_only_until_the_planned_date(run, day, fake_slack):
    run("new C2 aware=2018-11-01 notified=2018-11-05 initiated=2019-01-10 regime=scr", now=at("2019-01-10"))
    run("complete C2 on=2019-06-03", now=at("2019-06-03"))
    run("update C2 planned=2019-08-01", now=at("2019-06-04"))
    posted = days_of(day, fake_slack, "2019-07-24", "2019-10-31")
    assert [(on, channel) for on, channel, text in posted if "Copy" in text] == [
        ("2019-07-24", "C0REMIND"),  # the day before it is due (a week before 2019-08-01)
        ("2019-07-25", "C0REMIND"),  # today
        ("2019-07-26", "C0REMIND"),  # overdue: a reminder, never an escalation; then the planned date passes
    ]
    # The board's planned date is reminded for four weeks after it passes, then left to `status`.
    assert [on for on, _, text in posted if "Planned publication" in text and "was due" in text] == [
        "2019-08-02", "2019-08-09", "2019-08-16", "2019-08-23"]
    assert not any(channel == "C0ESCALATE" for _, channel, _ in posted)
    lines = timeline(run, "C2", "2019-10-31")
    assert "?? Copy to the DfE and Ofsted: not recorded (was due 2019-07-25)" in lines
    assert "!! Planned publication (the board's date): due 2019-08-01, 91 days overdue" in lines


def test_the_reminder_to_tell_of_a_hold_stops_when_the_hold_ends(run, day, fake_slack):
    run("new H1 aware=2026-01-02 notified=2026-01-05 initiated=2026-01-05", now=at("2026-06-01"))
    run("rapid H1 on=2026-01-20 sent=2026-01-21", now=at("2026-06-01"))
    run('delay H1 reason="trial" until=2026-06-30', now=at("2026-06-01"))
    posted = days_of(day, fake_slack, "2026-06-01", "2026-07-31")
    told = [on for on, _, text in posted if "Delay told" in text]
    assert told and max(told) <= "2026-06-30"
    assert [on for on, _, text in posted if "hold on H1" in text] == ["2026-07-01"]
