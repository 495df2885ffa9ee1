"""How `web` uses its database connections (scr.db): answers read outside a transaction on PostgreSQL, and a pooled
connection is pinged before use only after it has been idle."""

import time

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from scr import db


@pytest.fixture
def postgresql(engine: Engine) -> Engine:
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's connections (SCR_TEST_DATABASE_URL)")
    return engine


def _backend(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT pg_backend_pid()")).scalar_one()


def _close_from_the_server(engine: Engine, pid: int) -> None:
    with engine.connect() as connection:
        # Waits (up to 5 s) until the backend has gone, so that the next use meets a closed connection.
        assert connection.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid}).scalar_one()


def test_an_idle_connection_closed_by_the_server_is_replaced_before_use(postgresql, database_url):
    web = db.make_engine(database_url, db.Timeouts(connect=3, statement=5, busy=2, ping_after=0.05))
    try:
        first = _backend(web)
        _close_from_the_server(postgresql, first)  # as a restart or a failover would
        time.sleep(0.1)
        assert _backend(web) != first  # pinged, found closed, and connected afresh: no error reaches the answer
    finally:
        web.dispose()


def test_a_connection_in_steady_use_is_not_pinged_and_a_closed_one_costs_one_answer(postgresql, database_url):
    web = db.make_engine(database_url, db.Timeouts(connect=3, statement=5, busy=2, ping_after=60))
    try:
        first = _backend(web)
        _close_from_the_server(postgresql, first)
        with pytest.raises(DBAPIError) as failed:
            _backend(web)
        assert failed.value.connection_invalidated
        assert _backend(web) != first  # the pool let the closed one go: the next answer has a new connection
    finally:
        web.dispose()


@pytest.fixture
def web_sessions(postgresql, database_url):
    """Sessions on an engine made as `web` makes its own (autocommit)."""
    web = db.make_engine(database_url, db.WEB, autocommit=True)
    yield db.make_sessions(web)
    web.dispose()


def test_reads_on_postgresql_open_no_transaction_and_leave_none_behind(web_sessions):
    with db.reads(web_sessions) as connection:
        backend = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
        # Each statement ran on its own (autocommit): no BEGIN was sent, and none is open.
        assert connection.connection.dbapi_connection.info.transaction_status.name == "IDLE"
        # Prepared statements keep their generic plans (see scr.db.make_engine).
        assert connection.execute(text("SHOW plan_cache_mode")).scalar_one() == "force_generic_plan"
    with db.transaction(web_sessions) as session:  # the same pooled connection, in a transaction all the same
        assert session.execute(text("SELECT pg_backend_pid()")).scalar_one() == backend
        assert session.connection().connection.dbapi_connection.info.transaction_status.name == "INTRANS"
    with db.reads(web_sessions) as connection:  # and back on its own afterwards
        assert connection.execute(text("SELECT pg_backend_pid()")).scalar_one() == backend
        assert connection.connection.dbapi_connection.info.transaction_status.name == "IDLE"


def test_a_transaction_on_the_autocommit_engine_is_all_or_nothing(web_sessions):
    with pytest.raises(RuntimeError), db.transaction(web_sessions) as session:
        session.execute(text("INSERT INTO grants (user_id, role) VALUES ('UROLLEDBACK', 'viewer')"))
        raise RuntimeError("a failure after the first statement")
    with db.reads(web_sessions) as connection:
        assert connection.execute(text("SELECT count(*) FROM grants WHERE user_id = 'UROLLEDBACK'")).scalar() == 0


def test_reads_on_sqlite_read_one_snapshot(engine, sessions):
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's read transaction")
    with db.reads(sessions) as connection:
        connection.execute(text("SELECT 1"))
        assert connection.connection.dbapi_connection.in_transaction
