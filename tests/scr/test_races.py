"""Concurrent writes serialise on both databases: one change, one audit entry, however many clicks arrive at once."""

import threading

from sqlalchemy import func, select

from scr import db, grammar, service
from scr.models import AuditEntry
from scr.rulebook import RULEBOOKS
from tests.conftest import ADMIN, NOW

CLICKS = 8


def _at_once(sessions, text: str) -> list[str]:
    """Run `text` from CLICKS threads released together; each answer, or the error it met."""
    start = threading.Barrier(CLICKS)
    answers: list[str] = []

    def click() -> None:
        start.wait()
        try:
            with db.transaction(sessions) as session:
                result = service.execute(service.Context(session, ADMIN, NOW, RULEBOOKS), grammar.parse(text, NOW.date()))
            answers.append(result.message)
        except Exception as error:  # noqa: BLE001 - the test reports whatever a click met
            answers.append(f"{type(error).__name__}: {error}")

    threads = [threading.Thread(target=click) for _ in range(CLICKS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def _audited(sessions, field: str) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.field == field))


def test_concurrent_clicks_on_mark_published_record_it_once(run, sessions):
    for attempt in range(5):
        run(f"new SCR-{attempt} initiated=2026-03-02")
        run(f"complete SCR-{attempt} on=2026-09-01")
        answers = _at_once(sessions, f"publish SCR-{attempt}")
        assert sorted(answers) == sorted([f"Recorded: `SCR-{attempt}` published on 2026-11-25."]
                                         + [f"`SCR-{attempt}` was already published on 2026-11-25; nothing changed."]
                                         * (CLICKS - 1)), answers
    assert _audited(sessions, "published") == 5


def test_concurrent_grants_audit_once(run, sessions):
    answers = _at_once(sessions, "grant UED editor")
    assert answers.count("<@UED> is now editor.") == 1, answers
    assert answers.count("<@UED> is already editor.") == CLICKS - 1, answers
    assert _audited(sessions, "role of UED") == 1


def test_concurrent_action_adds_number_them_apart(run, sessions):
    run("new SCR-1 initiated=2026-03-02")
    answers = _at_once(sessions, "action SCR-1 add Train owner=U0OWNER due=2027-01-01")
    assert sorted(answers) == [f"Added action {n} to `SCR-1`, due 2027-01-01." for n in range(1, CLICKS + 1)], answers


class _Held(Exception):
    pass


def test_a_write_that_cannot_start_within_two_seconds_gives_up_over_http(web, run, sessions):
    """Slack gives up after 3 s: the click is refused in time, and the held change is not made later behind it."""
    import json
    import time

    from tests.fakeslack import slash_command

    run("new SCR-1 initiated=2026-03-02")
    run("complete SCR-1 on=2026-09-01")
    before = _audited(sessions, "published")
    try:
        with db.transaction(sessions) as holder:  # another change, still under way
            ctx = service.Context(holder, ADMIN, NOW, RULEBOOKS)
            service.execute(ctx, grammar.parse('update SCR-1 notes="being edited"', NOW.date()))
            holder.flush()
            started = time.monotonic()
            status, body = slash_command(f"{web}/slack/events", "publish SCR-1")
            took = time.monotonic() - started
            raise _Held
    except _Held:
        pass
    assert status == 200 and 1.5 < took < 2.9, took
    assert json.loads(body)["text"] == "The records are busy with another change, so nothing changed. Try again in a moment."
    assert _audited(sessions, "published") == before
    assert run("status SCR-1").review.published is None
    assert run("publish SCR-1").message == "Recorded: `SCR-1` published on 2026-11-25."
