"""The board's report read from the database: the same figures, and the same number of statements however many."""

from datetime import date

import pytest

from scr import db, grammar, service
from scr.grammar import CommandError
from scr.models import Action, Review
from scr.rulebook import RULEBOOKS
from tests.conftest import NOW, TODAY, count_statements


def test_the_report_reads_what_the_commands_recorded(run):
    run("new SCR-1 initiated=2025-03-25 regime=lcspr")
    run("complete SCR-1 on=2025-08-30")
    run("publish SCR-1 on=2025-10-01")
    run("new SCR-2 initiated=2026-01-05 regime=lcspr")
    run('delay SCR-2 reason="criminal trial"')
    run('action SCR-2 add "Audit strategy meetings" owner=<@U0OWNER> due=2026-06-01')
    run("new SCR-3 initiated=2020-01-01")
    run("complete SCR-3 on=2020-04-01")
    run("publish SCR-3 on=2020-05-01")  # long closed: in no figure of the year
    answer = run("report period=2025/26")
    report = answer.report
    assert (report.counts.begun, report.counts.completed, report.counts.published) == (1, 1, 1)
    assert [(row.reference, row.describe()) for row in report.timelines] == [
        ("SCR-1", "late by 6 days"), ("SCR-2", "held, 143 days past the mark")]
    assert [(a.reference, a.describe()) for a in report.attention] == [
        ("SCR-2", "held by parallel proceedings: criminal trial")]
    assert report.actions["overdue"] == 1
    assert not answer.share


def test_the_report_sees_holds_and_decisions_as_status_does(run):
    run("new ENDED initiated=2026-01-05")
    run('delay ENDED reason="inquest" until=2026-11-24', now=NOW.replace(month=6))
    run("new RUNNING initiated=2026-01-05")
    run('delay RUNNING reason="criminal trial" until=2027-03-01')
    run("new NO aware=2017-03-01 notified=2017-03-02")
    run('decide NO no-review reason="criteria not met" on=2017-03-06')
    attention = {a.reference: a.describe() for a in run("report").report.attention}
    assert attention == {"ENDED": "overdue by 143 days (due 2026-07-05)",
                         "NO": "decided against a review and not yet referred to the national panel",
                         "RUNNING": "held by parallel proceedings: criminal trial"}


def test_a_bad_period_is_refused_with_the_form_to_use(run):
    with pytest.raises(CommandError, match="YYYY/YY"):
        run("report period=2025-26")
    with pytest.raises(CommandError, match="`to=2026-02-30` is not a valid date"):
        run("report to=2026-02-30 from=2025-04-01")


def test_readers_read_it_and_only_editors_may_share_it(run):
    with pytest.raises(CommandError, match="You don't have permission to read"):
        run("report", who=service.Actor("UVIEWER"))
    run("grant <@UVIEWER> viewer")
    assert run("report", who=service.Actor("UVIEWER")).report.counts.begun == 0
    with pytest.raises(CommandError, match="You don't have permission to share"):
        run("report share", who=service.Actor("UVIEWER"))
    assert run("report share").share


def _add(sessions, first: int, count: int) -> None:
    with db.transaction(sessions) as session:
        session.add_all(
            Review(reference=f"R-{n}", reference_key=f"R-{n}", title="", regime="lcspr",
                   initiated=date(2026, 1, 1 + n % 28), created_at=NOW,
                   actions=[Action(number=1, text="x", owner="U0", due=date(2026, 5, 1))])
            for n in range(first, first + count)
        )


def test_the_number_of_statements_does_not_grow_with_the_reviews(sessions, engine):
    def statements() -> int:
        with count_statements(engine) as seen, db.transaction(sessions) as session:
            ctx = service.Context(session, service.Actor("UADMIN", admin=True), NOW, RULEBOOKS)
            answer = service.execute(ctx, grammar.parse("report", TODAY))
        assert answer.report.timelines
        return len(seen)

    _add(sessions, 0, 3)
    few = statements()
    _add(sessions, 3, 60)
    assert statements() == few
