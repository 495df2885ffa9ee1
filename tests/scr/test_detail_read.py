"""A review's detail as the cache reads it (one JSON value with the version, `service.version_and_detail`) is the
detail the join reads (`service.review_detail`), field for field, on either database."""

from scr import db, service
from scr.rulebook import RULEBOOKS
from tests.conftest import ADMIN, NOW


def _both(sessions, reference: str):
    with db.reads(sessions) as connection:
        ctx = service.Context(connection, ADMIN, NOW, RULEBOOKS)
        joined = service.review_detail(ctx, reference, "admin")
        _, role, detail = service.version_and_detail(ctx, reference)
        return joined, detail(), role


def test_the_detail_read_with_the_version_is_the_joined_one(sessions, run):
    run('new LCSPR-1 aware=2026-03-01 initiated=2026-03-10 title="Child A"')
    run('update LCSPR-1 notes="Seen by the GP"')
    run("complete LCSPR-1 on=2026-09-01")
    for number, due in ((1, "2027-01-31"), (2, "2026-12-15")):
        run(f'action LCSPR-1 add "Step {number}" owner=U012AB3CD due={due}')
    run('action LCSPR-1 done 1 evidence="Audit report"')
    run('action LCSPR-1 impact 1 partly note="two missed"')
    run('new SCR-2 initiated=2019-01-10 title="Child B"')  # no actions
    for reference in ("LCSPR-1", "scr-2"):
        joined, from_json, role = _both(sessions, reference)
        assert from_json == joined and role == "admin"
    assert [action.number for action in from_json.review.actions] == []
    joined, from_json, _ = _both(sessions, "LCSPR-1")
    assert [action.number for action in from_json.review.actions] == [1, 2]
    assert from_json.review.actions[0].done == NOW.date() and from_json.review.actions[0].impact == "partly"
    assert from_json.review.created_at == joined.review.created_at
