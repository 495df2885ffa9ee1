"""The lifecycle rules as a user meets them: commands through the grammar and the use-cases, then the real daily job
posting to a fake Slack, day after day (the guidance audit's findings, each reproduced)."""

from datetime import date, datetime, timedelta

from scr.present import TERMINAL, detail_lines, review_line, timeline_lines
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


def test_a_hold_pauses_only_what_it_delays_completion_and_publication(run, day, fake_slack):
    run("new V1 aware=2026-03-02", now=at("2026-03-02"))
    run('delay V1 reason="police investigation" until=2026-06-30', now=at("2026-03-02"))
    run("new V3 aware=2026-03-02", now=at("2026-03-02"))
    posted = days_of(day, fake_slack, "2026-03-02", "2026-03-17")
    escalated = [(on, text.split(" for ")[1].split(" ")[0]) for on, channel, text in posted if channel == "C0ESCALATE"]
    # The notification is a statutory duty whatever the proceedings: both escalate, weekly.
    assert escalated == [("2026-03-10", "V1"), ("2026-03-10", "V3"), ("2026-03-17", "V1"), ("2026-03-17", "V3")]
    assert "(escalations paused" not in timeline(run, "V1", "2026-03-17")


def test_a_held_withheld_lcspr_still_escalates_its_referral(run, day, fake_slack):
    run("new W1 aware=2026-01-02 notified=2026-01-05 initiated=2026-01-05", now=at("2026-05-05"))
    run("rapid W1 on=2026-01-20 sent=2026-01-21", now=at("2026-05-05"))
    run("complete W1 on=2026-05-01", now=at("2026-05-05"))
    run('withhold W1 reason="x" on=2026-05-05', now=at("2026-05-05"))
    run('delay W1 reason="inquest" until=2026-12-31 told=2026-05-06', now=at("2026-05-06"))
    posted = days_of(day, fake_slack, "2026-05-05", "2026-05-29")
    assert [on for on, channel, text in posted if channel == "C0ESCALATE" and "national panel" in text] == [
        "2026-05-06", "2026-05-13", "2026-05-20", "2026-05-27"]
    lines = timeline(run, "W1", "2026-05-29")
    assert "!! Decision not to publish justified to" in lines and "(escalations paused" not in lines
    held = detail_lines(run("status W1", now=at("2026-05-29")), TERMINAL)
    assert "Held by parallel proceedings (until 2026-12-31; escalations of completion and publication paused): " \
           "inquest" in held


def test_a_decision_not_to_hold_an_lcspr_still_sends_the_rapid_review_to_the_panel(run, day, fake_slack):
    run("new Z1 aware=2026-03-02 notified=2026-03-03", now=at("2026-03-03"))
    run("rapid Z1 on=2026-03-20", now=at("2026-03-20"))
    run('decide Z1 no-review reason="x"', now=at("2026-03-23"))
    posted = days_of(day, fake_slack, "2026-03-23", "2026-03-23")
    assert [(channel, text) for _, channel, text in posted] == [
        ("C0REMIND", "Reminder: Rapid review sent to the Panel for Z1 was due 2026-03-20 (3 days ago) and is not "
                     "recorded yet.")]
    assert "!! Rapid review sent to the Panel: due 2026-03-20, 3 days overdue" in timeline(run, "Z1", "2026-03-23")


def test_a_decision_not_to_hold_a_review_leaves_an_unsent_notification_not_recorded(run, day, fake_slack):
    run("new N2 aware=2026-03-02", now=at("2026-03-02"))
    run('decide N2 no-review reason="x"', now=at("2026-03-04"))
    assert days_of(day, fake_slack, "2026-03-04", "2026-03-17") == []
    # A statutory duty (s16C(1)) is never "not needed"; it is too late to chase once the decision is taken.
    assert "?? Serious incident notification to the Panel: not recorded (was due 2026-03-09)" in timeline(
        run, "N2", "2026-03-17")


def test_status_list_overdue_and_the_digest_count_every_overdue_milestone(run, day, fake_slack):
    run("new N1 aware=2026-08-28", now=at("2026-08-28"))
    listed = run("status", now=at("2026-09-14"))
    assert (listed.total, listed.overdue) == (1, 1)
    assert review_line(listed.rows[0], TERMINAL) == (
        "!! N1: Serious incident notification to the Panel due 2026-09-07, 7 days overdue")
    assert run("list overdue", now=at("2026-09-14")).total == 1
    assert run("list overdue", now=at("2026-09-04")).total == 0  # due 2026-09-07 (the bank holiday skipped)
    day("2026-09-14")  # a Monday: the digest
    digest = [p.params for p in fake_slack.named("chat.postMessage") if "digest" in p.params["text"]]
    assert digest[0]["text"] == "Weekly digest: 1 overdue, 0 needing referral to the national panel, 0 published."


def test_the_digest_shows_a_held_review_with_no_deadline_running(run, day, fake_slack):
    run("new H2 initiated=2017-01-10", now=at("2017-06-05"))
    run("complete H2 on=2017-06-01", now=at("2017-06-05"))
    run('delay H2 reason="trial"', now=at("2017-06-05"))
    day("2017-06-12")  # a Monday
    [digest] = [p.params for p in fake_slack.named("chat.postMessage") if "digest" in p.params["text"]]
    assert digest["text"] == ("Weekly digest: 0 overdue, 0 needing referral to the national panel, 0 published. "
                              "1 held for parallel proceedings.")
    assert "Open reviews: 1" in str(digest["blocks"]) and "H2 (until no end date)" in str(digest["blocks"])


def test_a_withheld_lcspr_whose_improvements_are_published_is_still_chased_for_its_referral(run, day, fake_slack):
    run("new W2 aware=2026-01-02 notified=2026-01-05 initiated=2026-01-05", now=at("2026-06-01"))
    run("complete W2 on=2026-06-01", now=at("2026-06-01"))
    run('withhold W2 reason="identifies a sibling" on=2026-06-10', now=at("2026-06-10"))
    run("publish W2 on=2026-06-20", now=at("2026-06-20"))  # the improvements, in place of the report
    posted = days_of(day, fake_slack, "2026-06-22", "2026-07-03")
    assert [(on, channel) for on, channel, text in posted if "justified" in text] == [
        ("2026-06-22", "C0ESCALATE"), ("2026-06-29", "C0ESCALATE")]
    run("refer W2 on=2026-07-03", now=at("2026-07-03"))
    assert not [text for _, _, text in days_of(day, fake_slack, "2026-07-06", "2026-07-20") if "W2" in text]


def test_status_and_the_digest_count_a_withheld_lcspr_whose_improvements_are_published_until_it_is_referred(
        run, day, fake_slack):
    run("new W3 aware=2026-01-02 notified=2026-01-05 initiated=2026-01-05", now=at("2026-06-01"))
    run("complete W3 on=2026-06-01", now=at("2026-06-01"))
    run('withhold W3 reason="identifies a sibling" on=2026-06-10', now=at("2026-06-10"))
    run("publish W3 on=2026-06-20", now=at("2026-06-20"))  # the improvements, in place of the report
    listed = run("status", now=at("2026-06-22"))
    assert (listed.total, listed.needs_referral) == (1, 1)
    assert review_line(listed.rows[0], TERMINAL) == "!! W3: needs referral to the national panel"
    day("2026-06-22")  # a Monday: the digest
    [digest] = [p.params for p in fake_slack.named("chat.postMessage") if "digest" in p.params["text"]]
    assert digest["text"].startswith("Weekly digest: 0 overdue, 1 needing referral to the national panel, 1 published")
    assert "Open reviews: 1" in str(digest["blocks"])
    run("refer W3 on=2026-06-24", now=at("2026-06-24"))
    assert run("status", now=at("2026-06-29")).total == 0
    day("2026-06-29")
    digest = [p.params for p in fake_slack.named("chat.postMessage") if "digest" in p.params["text"]][-1]
    assert "Open reviews: 0" in str(digest["blocks"])
