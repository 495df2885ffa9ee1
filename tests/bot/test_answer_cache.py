"""Rendered answers to `status` and `list`, cached per process (`scr.answers`), over signed HTTP: never stale,
never another role's."""

import json
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import text

from scr import db
from tests.asgi import serving
from tests.conftest import NOW, count_statements
from tests.fakeslack import slash_command


def _ask(web: str, command: str, user: str = "UADMIN") -> dict:
    status, body = slash_command(f"{web}/slack/events", command, user=user)
    assert status == 200
    return json.loads(body)


def _buttons(answer: dict) -> list[str]:
    return [e["action_id"] for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"]]


@pytest.fixture
def review(run):
    run('new SCR-1 initiated=2026-03-02 title="Child A"')
    run("grant UVIEWER viewer")


VERSION_AND_ROLE = "SELECT record_version.number, "  # the asker's grant with it; a list's changes, a review


def test_a_repeated_question_is_answered_from_the_cache_with_one_query(web, engine, review):
    first = _ask(web, "status", user="UVIEWER")
    with count_statements(engine) as statements:
        again = _ask(web, "status", user="UVIEWER")
    assert again == first
    assert len(statements) == 1 and statements[0].startswith(VERSION_AND_ROLE)  # the asker's role with the version


def test_a_list_after_a_change_is_built_from_the_same_one_query(web, engine, run, review):
    """The reviews changed since the worker last looked come with the version (scr.open_reviews): only those."""
    first = _ask(web, "status", user="UVIEWER")
    run('new SCR-2 initiated=2026-04-01 title="Child C"')
    with count_statements(engine) as statements:
        again = _ask(web, "status", user="UVIEWER")
    assert again != first and "Child C" in again["text"] and again["text"].startswith("*Open reviews*: 2, 2 overdue")
    assert len(statements) == 1 and statements[0].startswith(VERSION_AND_ROLE) and "< review_stamps.stamp" in statements[0]


def test_a_review_in_full_is_one_statement_whether_it_changed_or_not(web, engine, run, review):
    """The version, the asker's role, the review and its actions are read together: the detail is built from them
    only when it changed, at no extra round trip."""
    run('action SCR-1 add "Audit GP referrals" owner=U012AB3CD due=2027-01-31')
    first = _ask(web, "status SCR-1", user="UVIEWER")
    with count_statements(engine) as statements:
        assert _ask(web, "status SCR-1", user="UVIEWER") == first
    assert len(statements) == 1 and statements[0].startswith(VERSION_AND_ROLE)
    run('update SCR-1 title="Child B"')
    with count_statements(engine) as statements:
        again = _ask(web, "status SCR-1", user="UVIEWER")
    assert "Child B" in again["text"] and "Audit GP referrals" in json.dumps(again["blocks"])
    assert len(statements) == 1
    with count_statements(engine) as statements:
        missing = _ask(web, "status SCR-9", user="UVIEWER")
    assert "Review `SCR-9` not found" in missing["text"] and len(statements) == 1
    with count_statements(engine) as statements:
        refused = _ask(web, "status SCR-1", user="UNOBODY")  # no role: told so, not whether the review exists
    assert "You don't have permission to read reviews" in refused["text"] and len(statements) == 1


def test_an_answer_changes_at_once_after_a_write_from_another_process(web, review, database_url, tmp_path):
    assert "Child A" in _ask(web, "status")["text"]
    assert "Child A" in _ask(web, "status SCR-1")["text"]
    env = {"DATABASE_URL": database_url, "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    updated = subprocess.run([sys.executable, "-m", "cli.main", "update", "SCR-1", "title=Child B"], env=env,
                             capture_output=True, text=True, cwd=tmp_path)
    assert updated.returncode == 0, updated.stderr
    assert "Child B" in _ask(web, "status")["text"]
    assert "Child B" in _ask(web, "status SCR-1")["text"]


def test_a_new_day_changes_days_left(settings, engine, review):
    from web.app import web_app

    today = [NOW]
    with serving(web_app(settings, engine, clock=lambda: today[0])) as web:
        assert "*84 days overdue*" in _ask(web, "status")["text"]
        today[0] = NOW + timedelta(days=1)
        assert "*85 days overdue*" in _ask(web, "status")["text"]
        assert "*85 days overdue*" in _ask(web, "status SCR-1")["text"]


def test_a_viewer_never_gets_an_editors_buttons(web, review):
    assert _buttons(_ask(web, "status SCR-1")) == ["scr_update", "scr_publish", "scr_withhold"]
    assert _buttons(_ask(web, "status SCR-1", user="UVIEWER")) == []
    assert _buttons(_ask(web, "status SCR-1")) == ["scr_update", "scr_publish", "scr_withhold"]


def test_permission_is_checked_before_the_cache(web, run, review):
    assert "SCR-1" in _ask(web, "status", user="UVIEWER")["text"]
    refused = _ask(web, "status", user="USTRANGER")
    assert refused["text"].startswith("You don't have permission to read reviews")
    run("revoke UVIEWER")
    assert _ask(web, "status", user="UVIEWER")["text"].startswith("You don't have permission to read reviews")


def test_an_answer_not_found_is_not_remembered(web, run, review):
    assert "`SCR-2` not found" in _ask(web, "status SCR-2")["text"]
    run('new SCR-2 initiated=2026-04-01 title="Child C"')
    assert "*SCR-2* Child C" in _ask(web, "status SCR-2")["text"]


@pytest.mark.parametrize("change", [
    "INSERT INTO grants (user_id, role) VALUES ('UNEW', 'editor')",
    "UPDATE reviews SET title = 'Child Z'",
    "INSERT INTO actions (review_id, number, text, owner, due) SELECT id, 9, 'x', 'y', initiated FROM reviews",
    "DELETE FROM grants WHERE user_id = 'UVIEWER'",
])
def test_every_change_to_the_records_moves_their_version(engine, sessions, review, change):
    """Kept by the database's triggers, so that SQL typed by hand moves it too, not only the code's writers."""
    with sessions() as session:
        before = db.records_version(session)
    with engine.begin() as connection:
        connection.execute(text(change))
    with sessions() as session:
        assert db.records_version(session) > before
