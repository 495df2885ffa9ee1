from datetime import date

import pytest
from sqlalchemy import func, select

from scr import db, grammar, service
from scr.grammar import CommandError
from scr.models import AuditEntry, Grant, Review
from scr.present import TERMINAL, review_line
from scr.rulebook import RULEBOOKS
from tests.conftest import NOW, count_statements

ADMIN = service.Actor("UADMIN", admin=True)
EDITOR = service.Actor("UEDITOR")
VIEWER = service.Actor("UVIEWER")


def _audit_count(sessions) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(AuditEntry))


def test_creating_a_review_records_every_field_in_the_audit_trail(run, sessions):
    done = run('new SCR-1 initiated=2026-03-02 title="Child A" regime=lcspr')
    assert done.message == "Created review `SCR-1`, due 2026-09-02."
    page = run("history scr-1")
    assert [(e.actor, e.field, e.old, e.new) for e in page.entries] == [
        ("UADMIN", "reference", None, "SCR-1"),
        ("UADMIN", "title", None, "Child A"),
        ("UADMIN", "regime", None, "lcspr"),
        ("UADMIN", "initiated", None, "2026-03-02"),
    ]


def test_references_are_unique_whatever_their_case(run):
    run("new SCR-1 initiated=2026-03-02")
    with pytest.raises(CommandError, match="`scr-1` already exists"):
        run("new scr-1 initiated=2026-03-02")


def test_an_update_records_old_and_new(run):
    run("new SCR-1 initiated=2026-03-02 title=\"Child A\"")
    assert run('update SCR-1 title="Child B" reviewer="Ms Smith"').message == "Updated `SCR-1`: title, reviewer."
    last = run("history SCR-1").entries[-2:]
    assert [(e.field, e.old, e.new) for e in last] == [("title", "Child A", "Child B"), ("reviewer", None, "Ms Smith")]


def test_unknown_references_are_not_found(run):
    for text in ("status SCR-9", "publish SCR-9", "history SCR-9", "update SCR-9 title=x"):
        with pytest.raises(CommandError, match="`SCR-9` not found"):
            run(text)


@pytest.mark.parametrize("text", [
    "new SCR-2 initiated=2026-03-02", "update SCR-1 title=x", "complete SCR-1", "publish SCR-1",
    'withhold SCR-1 reason="x"', "refer SCR-1", 'delay SCR-1 reason="trial"',
    "action SCR-1 add Train owner=U012AB3CD due=2027-01-01",
])
def test_viewers_may_not_write_and_nothing_changes(run, sessions, text):
    run("new SCR-1 initiated=2026-03-02")
    before = _audit_count(sessions)
    with pytest.raises(CommandError, match="You don't have permission to"):
        run(text, who=VIEWER)
    assert _audit_count(sessions) == before


def test_granted_editors_may_write_but_not_grant(run):
    run("new SCR-1 initiated=2026-03-02")
    run("grant <@UEDITOR|ed> editor")
    run("complete SCR-1 on=2026-08-20")
    assert run("publish SCR-1 on=2026-09-01", who=EDITOR).message == "Recorded: `SCR-1` published on 2026-09-01."
    with pytest.raises(CommandError, match="You don't have permission to grant roles"):
        run("grant <@UVIEWER> editor", who=EDITOR)
    run("revoke <@UEDITOR>")
    with pytest.raises(CommandError, match="permission"):
        run("update SCR-1 title=x", who=EDITOR)


def test_grants_are_audited(run, sessions):
    run("grant UEDITOR admin")
    run("revoke UEDITOR")
    with sessions() as session:
        rows = session.execute(select(AuditEntry.field, AuditEntry.old, AuditEntry.new).order_by(AuditEntry.id)).all()
        assert session.get(Grant, "UEDITOR") is None
    assert rows == [("role of UEDITOR", None, "admin"), ("role of UEDITOR", "admin", None)]


def test_a_failed_command_leaves_no_half_written_record(run, sessions):
    run("new SCR-1 initiated=2026-03-02")
    before = _audit_count(sessions)
    # The title is valid, the notified date is before the incident: the whole command is refused.
    with pytest.raises(CommandError, match="before the incident date"):
        run("update SCR-1 title=Changed incident=2026-02-01 notified=2026-01-01")
    assert run("status SCR-1").review.title == ""
    assert _audit_count(sessions) == before


def test_future_dates_are_refused(run):
    with pytest.raises(CommandError, match="in the future.*YYYY-MM-DD"):
        run("new SCR-1 initiated=2027-01-01")


def test_publishing_twice_records_once(run):
    run("new SCR-1 initiated=2026-03-02")
    run("complete SCR-1 on=2026-08-20")
    run("publish SCR-1 on=2026-09-01")
    again = run("publish SCR-1 on=2026-09-05")
    assert again.message == ("`SCR-1` was already published on 2026-09-01; nothing changed. To correct the date: "
                             "`/scr update SCR-1 published=2026-09-05`.")
    fields = [e.field for e in run("history SCR-1").entries]
    assert fields.count("published") == 1


def test_withhold_then_refer(run):
    run("new SCR-1 initiated=2016-03-02")
    with pytest.raises(CommandError, match="not withheld"):
        run("refer SCR-1")
    run("complete SCR-1 on=2016-09-01")
    withheld = run('withhold SCR-1 reason="Risk to a sibling" on=2016-09-10')
    assert "needs referral to the national panel of independent experts" in withheld.message
    detail = run("status SCR-1")
    assert detail.assessment.needs_referral
    with pytest.raises(CommandError, match="cannot be published"):
        run("publish SCR-1")
    run("refer SCR-1 on=2016-09-20")
    assert not run("status SCR-1").assessment.needs_referral


def test_delays_and_actions(run):
    run("new SCR-1 initiated=2026-03-02")
    run('delay SCR-1 reason="Criminal trial listed for March"')
    assert run("status SCR-1").review.delay_reason == "Criminal trial listed for March"
    run("delay SCR-1 clear")
    assert run("status SCR-1").review.delay_reason is None
    assert run('action SCR-1 add "Audit GP referrals" owner=<@U012AB3CD|jo> due=2027-01-31').message == (
        "Added action 1 to `SCR-1`, due 2027-01-31."
    )
    run("action SCR-1 add Second owner=U012AB3CD due=2027-02-28")
    run("action SCR-1 done 1 on=2026-11-20")
    actions = run("status SCR-1").review.actions
    assert [(a.number, a.done) for a in actions] == [(1, date(2026, 11, 20)), (2, None)]
    with pytest.raises(CommandError, match="Action 7 of `SCR-1` not found"):
        run("action SCR-1 done 7")


def test_status_lists_open_reviews_soonest_deadline_first(run):
    run("new LATE initiated=2026-01-10")
    run("new SOON initiated=2026-06-01")
    run("new LATER initiated=2026-07-01")
    run("new DONE initiated=2026-02-01")
    run("complete DONE on=2026-06-20")
    run("publish DONE on=2026-07-01")
    run('new HELD initiated=2026-04-01')
    run("complete HELD on=2026-09-20")
    run('withhold HELD reason="x" on=2026-10-01')
    listing = run("status")
    assert [r.review.reference for r in listing.rows] == ["HELD", "LATE", "SOON", "LATER"]
    assert (listing.total, listing.overdue, listing.needs_referral) == (4, 1, 1)
    assert [r.review.reference for r in run("list overdue").rows] == ["LATE"]
    assert [r.review.reference for r in run("list published").rows] == ["DONE"]
    assert run("list all").total == 5


def test_a_withheld_lcspr_stays_open_until_referred_once_its_improvements_are_published(run):
    run("new SOON initiated=2026-06-01")
    run("new W1 initiated=2026-01-05")
    run("complete W1 on=2026-05-01")
    run('withhold W1 reason="Risk to a sibling" on=2026-05-02')
    run("publish W1 on=2026-05-10")  # the improvements, in place of the report
    listing = run("status")
    assert [(r.review.reference, r.needs_referral) for r in listing.rows] == [("W1", True), ("SOON", False)]
    assert (listing.total, listing.overdue, listing.needs_referral) == (2, 0, 1)
    assert review_line(listing.rows[0], TERMINAL) == "!! W1: needs referral to the national panel"
    run("refer W1 on=2026-05-20")
    listing = run("status")
    assert [r.review.reference for r in listing.rows] == ["SOON"]
    assert (listing.total, listing.needs_referral) == (1, 0)
    assert [r.review.reference for r in run("list withheld").rows] == ["W1"]


def _seed(sessions, start: int, stop: int) -> None:
    with db.transaction(sessions) as session:
        for n in range(start, stop):
            review = Review(reference=f"R-{n}", reference_key=f"R-{n}", title="", regime=("scr", "lcspr")[n % 2],
                            initiated=date(2026, 1 + n % 10, 1), created_at=NOW)
            if n % 3 == 0:
                review.withheld = date(2026, 11, 1)
            session.add(review)


@pytest.mark.parametrize("text", ["status", "list overdue", "list all", "status R-1", "history R-1"])
def test_queries_run_a_fixed_number_of_statements(engine, sessions, run, text):
    run("grant UVIEWER viewer")
    counts = []
    for start, stop in ((0, 5), (5, 200)):
        _seed(sessions, start, stop)
        with count_statements(engine) as statements, db.transaction(sessions) as session:
            ctx = service.Context(session, VIEWER, NOW, RULEBOOKS)
            service.execute(ctx, grammar.parse(text, NOW.date()))
        counts.append(len(statements))
    assert counts[0] == counts[1] <= 3


def test_the_regime_follows_the_date_and_a_contradiction_changes_nothing(run, sessions):
    run("new R-1 initiated=2026-03-02")
    assert run("status R-1").review.regime == "lcspr"
    before = _audit_count(sessions)
    with pytest.raises(CommandError, match="2026-03-02 is an LCSPR"):
        run("update R-1 regime=scr")
    with pytest.raises(CommandError, match="2014-01-02 is an SCR"):
        run("new R-2 initiated=2014-01-02 regime=lcspr")
    assert _audit_count(sessions) == before
    assert run("update R-1 initiated=2016-03-02").message == "Updated `R-1`: initiated, regime."
    assert run("status R-1").review.regime == "scr"


def test_a_recorded_date_is_corrected_and_the_audit_keeps_the_old_value(run):
    run("new R-1 initiated=2026-03-02")
    run("complete R-1 on=2026-08-20")
    run("publish R-1 on=2026-09-01")
    assert run("update R-1 published=2026-09-10").message == "Updated `R-1`: published."
    assert [(e.field, e.old, e.new) for e in run("history R-1").entries][-1] == ("published", "2026-09-01", "2026-09-10")
    with pytest.raises(CommandError, match="before the completed date"):
        run("update R-1 published=2026-08-01")
    with pytest.raises(CommandError, match="no referred date to correct.*refer R-1"):
        run("update R-1 referred=2026-10-01")
    with pytest.raises(CommandError, match="before 1990"):
        run("update R-1 initiated=1989-03-02")


def test_a_correction_that_makes_a_review_an_scr_keeps_the_rules_of_an_scr(run, sessions):
    """Found by tests/test_lifecycle.py: the record was checked before its regime followed the corrected date."""
    run("new R-1 initiated=2026-01-05")
    run("complete R-1 on=2026-05-01")
    run('withhold R-1 reason="Risk to a sibling" on=2026-05-02')
    run("publish R-1 on=2026-05-10")  # a withheld LCSPR's improvements
    before = _audit_count(sessions)
    with pytest.raises(CommandError, match="cannot be both published and withheld: an SCR is one or the other"):
        run("update R-1 initiated=2017-01-05")
    assert (run("status R-1").review.regime, _audit_count(sessions)) == ("lcspr", before)
