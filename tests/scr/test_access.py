"""Who reads and who changes roles (SPEC "`/scr` commands"): readers by SCR_READERS, outsiders never, SCR_ADMINS held."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, text

from scr import db, grammar, service
from scr.grammar import CommandError
from scr.models import AuditEntry, Grant
from scr.rulebook import RULEBOOKS
from tests.conftest import NOW

ADMINS = ("UADMIN", "UBOSS")
BOSS = service.Actor("UBOSS", admin=True)
NOBODY = service.Actor("UNOBODY")
GUEST = service.Actor("UGUEST", outsider=True)


@pytest.fixture
def as_(sessions):
    """Run a command as `who`, with SCR_READERS=`readers` and SCR_ADMINS=UADMIN,UBOSS, as the edges do."""

    def run(text: str, who: service.Actor, readers: str = "granted", now: datetime = NOW):
        with db.transaction(sessions) as session:
            ctx = service.Context(session, who, now, RULEBOOKS, readers=readers, admins=ADMINS)
            return service.execute(ctx, grammar.parse(text, now.date()))

    return run


READS = ["status", "status SCR-1", "list all", "history SCR-1"]


@pytest.mark.parametrize("text", READS)
def test_reading_needs_a_role_by_default(run, as_, text):
    run("new SCR-1 initiated=2026-03-02")
    with pytest.raises(CommandError, match="You don't have permission to read reviews: ask an administrator to "
                                           "`/scr grant` you viewer access"):
        as_(text, NOBODY)
    run("grant UNOBODY viewer")
    as_(text, NOBODY)
    as_(text, NOBODY, readers="workspace")


@pytest.mark.parametrize("text", READS)
def test_workspace_readers_need_no_grant(run, as_, text):
    run("new SCR-1 initiated=2026-03-02")
    as_(text, NOBODY, readers="workspace")


@pytest.mark.parametrize("text", [*READS, "new SCR-2", "publish SCR-1", "roles"])
def test_outsiders_never_read_or_write_whatever_their_grant(run, as_, text):
    run("new SCR-1 initiated=2026-03-02")
    run("grant UGUEST admin")
    for readers in ("granted", "workspace"):
        with pytest.raises(CommandError, match="members of this workspace"):
            as_(text, GUEST, readers=readers)
    assert as_("help", GUEST).topic is None


def test_roles_lists_who_holds_what_for_administrators_only(run, as_):
    run("grant UED1 editor")
    run("grant UVIEW viewer")
    run("grant UAD2 admin")
    roles = as_("roles", BOSS)
    assert roles.by_setting == ADMINS
    assert roles.grants == [("UAD2", "admin"), ("UED1", "editor"), ("UVIEW", "viewer")]
    from scr.present import as_text
    assert as_text(roles, NOW.date()).splitlines() == [
        "*Roles*",
        "admin, by the SCR_ADMINS setting (chat cannot change it): <@UADMIN>, <@UBOSS>",
        "admin: <@UAD2>",
        "editor: <@UED1>",
        "viewer: <@UVIEW>",
        "Who may read the records: viewers, editors and administrators (SCR_READERS=granted).",
    ]
    with pytest.raises(CommandError, match="You don't have permission to list roles: ask an existing administrator"):
        as_("roles", service.Actor("UED1"))


@pytest.mark.parametrize("text", ["grant <@UBOSS> editor", "grant UBOSS viewer", "revoke <@UBOSS|boss>"])
def test_an_admin_held_by_scr_admins_cannot_be_demoted_from_chat(sessions, as_, text):
    with pytest.raises(CommandError, match="through the SCR_ADMINS setting, which chat cannot change, so nothing "
                                           "changed"):
        as_(text, service.Actor("UADMIN", admin=True))
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Grant)) == 0
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == 0
    assert "SCR_ADMINS" in as_("grant UBOSS admin", BOSS).message


def test_revoke_leaves_no_role_and_says_so(run, as_):
    run("grant UNOBODY viewer")
    assert run("revoke UNOBODY").message == "<@UNOBODY> no longer holds a role (was viewer)."
    with pytest.raises(CommandError, match="permission to read"):
        as_("status", NOBODY)


def test_viewers_see_that_text_was_corrected_but_not_what_it_said(run, as_):
    run('new SCR-1 initiated=2026-03-02 title="Jane Doe, 4"')
    run('update SCR-1 title="Child A" notes="Mother is Mary Doe"')
    run('update SCR-1 notes="Family known to services" initiated=2026-03-03')
    run("grant UVIEW viewer")
    run("grant UED editor")
    seen = [(e.field, e.old, e.new) for e in as_("history SCR-1", service.Actor("UVIEW")).entries]
    assert seen == [
        ("reference", None, "SCR-1"), ("title", None, "(text)"), ("regime", None, "lcspr"),
        ("initiated", None, "2026-03-02"),
        ("title", "(text)", "(text)"), ("notes", None, "(text)"),
        ("notes", "(text)", "(text)"), ("initiated", "2026-03-02", "2026-03-03"),
    ]
    page = as_("history SCR-1", service.Actor("UVIEW"))
    from scr.present import history_lines
    assert "Doe" not in "\n".join(history_lines(page))
    assert history_lines(page)[-1].startswith("(text): titles, notes and reasons are shown to editors and "
                                              "administrators only")
    edited = [(e.field, e.old, e.new) for e in as_("history SCR-1", service.Actor("UED")).entries]
    assert ("title", "Jane Doe, 4", "Child A") in edited and ("notes", "Mother is Mary Doe", "Family known to "
                                                                                        "services") in edited


def test_history_times_are_stored_in_utc_and_shown_in_the_local_zone(run, sessions, engine):
    summer = datetime(2026, 7, 1, 10, 30, tzinfo=ZoneInfo("Europe/London"))  # 09:30 UTC
    run("new SCR-1 initiated=2026-03-02", now=summer)
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT at FROM audit ORDER BY id LIMIT 1")).scalar_one()
    if isinstance(stored, str):  # SQLite keeps the text it was given
        assert stored.startswith("2026-07-01 09:30:00")
    else:
        assert stored == summer
    entry = run("history SCR-1", now=summer).entries[0]
    assert (entry.at.isoformat(), entry.at.utcoffset().total_seconds()) == ("2026-07-01T10:30:00+01:00", 3600)
    from scr.present import history_lines
    assert history_lines(run("history SCR-1", now=summer))[0].startswith("2026-07-01 10:30 UADMIN: reference")
    tokyo = run("history SCR-1", now=datetime(2026, 7, 1, 20, 0, tzinfo=ZoneInfo("Asia/Tokyo"))).entries[0]
    assert tokyo.at.strftime("%H:%M") == "18:30"
