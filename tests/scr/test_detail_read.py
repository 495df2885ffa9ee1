"""A review's detail, read as one JSON value with the version (`service.version_and_detail`, and `review_detail`
through the same statement), holds the values the ORM reads, field for field, on either database."""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from scr import db, service
from scr.models import Action, Review
from scr.rulebook import RULEBOOKS
from tests.conftest import ADMIN, NOW


def _as_orm_reads(sessions, reference: str) -> tuple[dict, list[dict]]:
    with sessions() as session:
        review = session.scalar(select(Review).where(Review.reference_key == reference.upper())
                                .options(selectinload(Review.actions)))
        return ({column.key: getattr(review, column.key) for column in Review.__table__.c},
                [{column.key: getattr(action, column.key) for column in Action.__table__.c}
                 for action in review.actions])


def _from_json(sessions, reference: str):
    with db.reads(sessions) as connection:
        ctx = service.Context(connection, ADMIN, NOW, RULEBOOKS)
        _, role, detail = service.version_and_detail(ctx, reference)
        cached = detail()
        assert service.review_detail(ctx, reference, role) == cached  # the plain read is the same read
        return cached, role


def test_the_detail_read_with_the_version_holds_what_the_orm_reads(sessions, run):
    run('new LCSPR-1 aware=2026-03-01 initiated=2026-03-10 title="Child A"')
    run('update LCSPR-1 notes="Seen by the GP"')
    run("complete LCSPR-1 on=2026-09-01")
    for number, due in ((1, "2027-01-31"), (2, "2026-12-15")):
        run(f'action LCSPR-1 add "Step {number}" owner=U012AB3CD due={due}')
    run('action LCSPR-1 done 1 evidence="Audit report"')
    run('action LCSPR-1 impact 1 partly note="two missed"')
    run('new SCR-2 initiated=2019-01-10 title="Child B"')  # no actions
    for reference in ("LCSPR-1", "scr-2"):
        detail, role = _from_json(sessions, reference)
        columns, actions = _as_orm_reads(sessions, reference)
        assert role == "admin"
        assert {key: getattr(detail.review, key) for key in columns} == columns
        assert [action._asdict() for action in detail.review.actions] == actions
    assert [action["number"] for action in actions] == []
    detail, _ = _from_json(sessions, "LCSPR-1")
    assert [action.number for action in detail.review.actions] == [1, 2]
    assert detail.review.actions[0].done == NOW.date() and detail.review.actions[0].impact == "partly"
