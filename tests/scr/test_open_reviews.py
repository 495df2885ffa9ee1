"""The open reviews a process keeps (scr.open_reviews) answer exactly as the list's SQL does, after every kind of
change, from this process or another, and read only what changed."""

import io
import threading
from datetime import timedelta

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from cli.demo import seed
from scr import db, service, transfer
from scr.open_reviews import OpenReviews
from scr.rulebook import RULEBOOKS
from tests.conftest import ADMIN, NOW, count_statements
from tests.scr.test_migrations import _config, _upgrade

TODAY = NOW.date()


def _from_sql(sessions, today=TODAY, limit=None) -> service.ReviewList:
    with db.transaction(sessions, write=False) as session:
        return service.list_reviews(session, today, RULEBOOKS, "open", limit)


def _kept(kept: OpenReviews, sessions, today=TODAY, limit=None) -> service.ReviewList:
    with db.reads(sessions) as connection:
        kept.catch_up(connection)
    return kept.listing(today, RULEBOOKS, limit)


def _agree(kept: OpenReviews, sessions, today=TODAY) -> service.ReviewList:
    for limit in (3, None):
        listed = _kept(kept, sessions, today, limit)
        assert listed == _from_sql(sessions, today, limit)  # the rows in order, their flags, and the counts
    return listed


@pytest.fixture
def kept(sessions) -> OpenReviews:
    seed(sessions, NOW)  # the demo's reviews: one in every state
    kept = OpenReviews()
    assert _agree(kept, sessions).total >= 5
    return kept


CHANGES = [
    'new LCSPR-NEW-1 aware=2026-05-01 initiated=2026-05-10 title="Child N"',  # opens
    'update SCR-DEMO-02 title="Child Z"',  # stays open, changed
    'new LCSPR-NEW-2 aware=2025-05-20 initiated=2025-06-01 title="Child O"',  # overdue at once
    "complete SCR-DEMO-02 on=2019-08-01",
    "publish SCR-DEMO-02 url=https://example.org/scr on=2019-09-02",  # closes
    "complete LCSPR-NEW-1 on=2026-11-01",
    'withhold LCSPR-NEW-1 reason="Identifies a sibling" on=2026-11-20',  # open until referred, and needs referral
    "refer LCSPR-NEW-1",  # closes
    "refer SCR-DEMO-03",  # closes
]


def test_each_change_is_seen_as_the_sql_sees_it(kept, sessions, run):
    for change in CHANGES:
        run(change)
        _agree(kept, sessions)


def test_a_new_day_assesses_every_review_again(kept, sessions):
    for days in (1, 60, 200):
        _agree(kept, sessions, TODAY + timedelta(days=days))


def test_a_change_costs_one_statement_that_reads_only_what_changed(kept, sessions, run, engine):
    with count_statements(engine) as statements:
        unchanged = _kept(kept, sessions)
    assert len(statements) == 1
    run('update SCR-DEMO-02 title="Child Z"')
    with count_statements(engine) as statements:
        changed = _kept(kept, sessions)
    assert len(statements) == 1 and "< review_stamps.stamp" in statements[0]
    assert changed != unchanged and "Child Z" in [row.review.title for row in changed.rows]


def test_reviews_deleted_by_hand_are_read_again(kept, sessions, engine):
    with engine.begin() as connection:  # as SQL typed by hand would: no command deletes a review
        connection.execute(text("DELETE FROM actions"))
        connection.execute(text("DELETE FROM audit"))
        connection.execute(text("DELETE FROM reviews WHERE reference = 'SCR-DEMO-02'"))
    listed = _agree(kept, sessions)
    assert "SCR-DEMO-02" not in [row.review.reference for row in listed.rows]


def test_each_row_is_stamped_with_the_version_that_wrote_it(sessions, run, engine):
    run('new SCR-1 initiated=2026-05-01 title="Child A"')
    run('new SCR-2 initiated=2026-05-02 title="Child B"')
    with engine.connect() as connection:
        first = dict(connection.execute(text("SELECT reference, stamp FROM reviews JOIN review_stamps ON review_id = reviews.id")).all())
        assert first["SCR-1"] < first["SCR-2"] == db.records_version(connection)
    run('update SCR-1 title="Child C"')
    run('action SCR-2 add "Audit GP referrals" owner=U012AB3CD due=2027-01-31')  # an action is not the review
    with engine.connect() as connection:
        after = dict(connection.execute(text("SELECT reference, stamp FROM reviews JOIN review_stamps ON review_id = reviews.id")).all())
        assert after["SCR-2"] == first["SCR-2"] < after["SCR-1"] < db.records_version(connection)


def test_on_postgresql_a_change_waits_for_the_one_before_it_so_none_is_missed(kept, sessions, engine):
    """Stamps follow commit order: a second writer of reviews waits for the first to commit before it takes its
    number, so a reader that has seen the first's version cannot later meet a change stamped below it."""
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's concurrent writers (SQLite's hold the whole database)")
    first = engine.connect()
    first.execute(text("UPDATE reviews SET title = 'Child X' WHERE reference = 'SCR-DEMO-02'"))
    second_done = threading.Event()

    def second_writer() -> None:
        with engine.begin() as connection:
            connection.execute(text("UPDATE reviews SET title = 'Child Y' WHERE reference = 'LCSPR-DEMO-06'"))
        second_done.set()

    writer = threading.Thread(target=second_writer)
    writer.start()
    try:
        assert not second_done.wait(0.5)  # waiting for the first writer's number
        assert "Child X" not in [row.review.title for row in _agree(kept, sessions).rows]  # nothing committed yet
    finally:
        first.commit()
        first.close()
        writer.join(10)
    titles = [row.review.title for row in _agree(kept, sessions).rows]
    assert "Child X" in titles and "Child Y" in titles
    with engine.connect() as connection:
        stamps = dict(connection.execute(text("SELECT reference, stamp FROM reviews JOIN review_stamps ON review_id = reviews.id")).all())
    assert stamps["SCR-DEMO-02"] < stamps["LCSPR-DEMO-06"]


def test_an_scr_imported_with_a_decision_date_alone_needs_referral_in_both(sessions, run):
    """`decided` is the date of a decision not to hold a review: the list's SQL reads it as the assessment does."""
    run('new SCR-A aware=2019-01-01 initiated=2019-01-10 title="Child A"')
    csv = "reference,regime,aware,decided,decision_reason\r\nSCR-Z,scr,2019-01-01,2019-02-01,Threshold not met\r\n"
    with db.transaction(sessions) as session:
        transfer.import_reviews(session, io.StringIO(csv), ADMIN, NOW, "file.csv")
    listed = _agree(OpenReviews(), sessions)
    assert [row.review.reference for row in listed.rows] == ["SCR-Z", "SCR-A"] and listed.needs_referral == 1


def test_a_change_made_while_0009_was_downgraded_is_seen_after_the_upgrade(empty_connection):
    connection = empty_connection
    _upgrade(connection, "head")
    connection.execute(text(
        "INSERT INTO reviews (reference, reference_key, title, regime, initiated, created_at) "
        "VALUES ('SCR-1', 'SCR-1', 'Child A', 'scr', '2026-05-01', '2026-05-01T00:00:00+00:00')"))
    connection.commit()
    kept = OpenReviews()

    def titles() -> list[str]:
        kept.catch_up(connection)
        connection.commit()
        return [row.review.title for row in kept.listing(TODAY, RULEBOOKS).rows]

    assert titles() == ["Child A"]
    command.downgrade(_config(connection), "0008")
    connection.commit()
    connection.execute(text("UPDATE reviews SET title = 'Child B' WHERE reference = 'SCR-1'"))  # stamped by none
    connection.commit()
    _upgrade(connection, "head")
    assert titles() == ["Child B"]


def test_on_postgresql_a_plain_update_waits_for_a_command_holding_the_review(sessions, run, engine):
    """Rows are locked before the version (0007's order): a command's review held FOR UPDATE and a plain UPDATE of
    it (`scr import --update`, SQL by hand) wait for each other in turn, never in a deadlock."""
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's row locks")
    run('new SCR-1 initiated=2026-05-01 title="Child A"')
    command_like = engine.connect()
    command_like.execute(text("SELECT id FROM reviews WHERE reference_key = 'SCR-1' FOR UPDATE"))
    errors: list[Exception] = []

    def plain_update() -> None:
        try:
            with engine.begin() as connection:
                connection.execute(text("UPDATE reviews SET title = 'Child B' WHERE reference_key = 'SCR-1'"))
        except DBAPIError as error:
            errors.append(error)

    other = threading.Thread(target=plain_update)
    other.start()
    other.join(0.5)  # waiting for SCR-1's row
    try:
        command_like.execute(text("UPDATE reviews SET title = 'Child C' WHERE reference_key = 'SCR-1'"))
        command_like.commit()
    finally:
        command_like.close()
        other.join(10)
    assert not errors, [getattr(error.orig, "sqlstate", None) for error in errors]
    with engine.connect() as connection:
        assert connection.execute(text("SELECT title FROM reviews")).scalar_one() == "Child B"  # the later one


def _postgresql(engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's snapshots, triggers and collations")


class _StartedBefore:
    """A connection whose statement began before another thread's catch-up that ends first: `first` runs just
    before the statement, which then reads the older snapshot this connection holds."""

    def __init__(self, connection, first) -> None:
        self.connection, self.first = connection, first

    def get_bind(self):  # as a session answers
        return self.connection

    def execute(self, *args, **kwargs):
        self.first()
        return self.connection.execute(*args, **kwargs)


def test_an_older_read_finishing_last_does_not_take_the_copy_back(sessions, run, engine):
    """A list is cached under the version its catch-up returned, and built from the copy: a read begun before a
    change and finished after another thread took that change leaves the copy as that thread left it."""
    _postgresql(engine)
    run('new SCR-R aware=2026-01-01 initiated=2026-01-10 title="Before"')
    kept = OpenReviews()
    older = engine.connect().execution_options(isolation_level="REPEATABLE READ")
    older.execute(text("SELECT 1"))  # its snapshot: before the change
    run('update SCR-R title="After"')

    def newer_first() -> None:
        with db.reads(sessions) as connection:
            kept.catch_up(connection)

    try:
        kept.catch_up(_StartedBefore(older, newer_first))  # both read every open review: as at start-up
    finally:
        older.rollback()
        older.close()
    assert [row.review.title for row in kept.listing(TODAY, RULEBOOKS).rows] == ["After"]


def test_a_review_changed_by_another_tables_trigger_is_stamped(sessions, run, engine):
    """A change made from inside another table's trigger is stamped as any other."""
    _postgresql(engine)
    run('new SCR-T aware=2026-01-01 initiated=2026-01-10 title="Before"')
    kept = OpenReviews()
    with engine.connect() as connection:
        kept.catch_up(connection)
        stamp = text("SELECT stamp FROM review_stamps JOIN reviews ON review_id = reviews.id "
                     "WHERE reference_key = 'SCR-T'")
        before = connection.execute(stamp).scalar_one()
        connection.execute(text("CREATE FUNCTION touch_review() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                                "UPDATE reviews SET title = 'After' WHERE reference_key = 'SCR-T'; RETURN NULL; END $$"))
        connection.execute(text("CREATE TRIGGER grants_touch AFTER INSERT ON grants "
                                "FOR EACH STATEMENT EXECUTE FUNCTION touch_review()"))
        connection.execute(text("INSERT INTO grants (user_id, role) VALUES ('UX', 'viewer')"))
        after = connection.execute(stamp).scalar_one()
        kept.catch_up(connection)
        titles = [row.review.title for row in kept.listing(TODAY, RULEBOOKS).rows]
        connection.rollback()  # the trigger and all it did go
    assert after > before and titles == ["After"]


def test_ties_are_ordered_as_the_sql_orders_them_whatever_the_collation(sessions, run, engine):
    """References that tie on all else are in code point order in both, also where the database's collation
    ignores hyphens (as en_US.UTF-8 does; played by ICU's "shifted" here)."""
    _postgresql(engine)
    for reference in ("SCR-10", "SCR1"):  # neither initiated
        run(f'new {reference} aware=2026-05-01 title="t"')
    with engine.connect() as connection:
        connection.execute(text("CREATE COLLATION review_shifted (provider = icu, locale = 'und-u-ka-shifted')"))
        connection.execute(text("ALTER TABLE reviews ALTER COLUMN reference_key TYPE varchar(40) "
                                "COLLATE review_shifted"))
        kept = OpenReviews()
        kept.catch_up(connection)
        from_kept = [row.review.reference for row in kept.listing(TODAY, RULEBOOKS).rows]
        from_sql = [row.review.reference for row in service.list_reviews(connection, TODAY, RULEBOOKS, "open").rows]
        connection.rollback()
    assert from_kept == from_sql == ["SCR-10", "SCR1"]


def test_on_postgresql_a_transaction_moves_the_version_once(sessions, engine):
    """However many statements it runs (an import runs one a row), and all it writes carries that one number."""
    _postgresql(engine)
    before = _version(engine)
    csv = "reference,initiated\r\n" + "".join(f"SCR-{n},2026-05-0{n}\r\n" for n in range(1, 4))
    with db.transaction(sessions) as session:
        transfer.import_reviews(session, io.StringIO(csv), ADMIN, NOW, "file.csv")
    assert _version(engine) == before + 1
    with engine.connect() as connection:
        stamps = set(connection.execute(text("SELECT stamp FROM review_stamps JOIN reviews ON review_id = reviews.id")
                                        ).scalars())
    assert stamps == {before + 1}


def _version(engine) -> int:
    with engine.connect() as connection:
        return db.records_version(connection)
