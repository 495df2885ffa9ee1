"""Engine and sessions for SQLite and PostgreSQL, and the Alembic upgrade the `release` process runs.

Writes serialise the same way on both databases. On PostgreSQL a use-case locks the rows it changes; SQLite has no
row locks, so each write transaction takes the database's write lock up front (`BEGIN IMMEDIATE`) instead of at its
first write, when another may already have changed what it read. Either way a write that waits longer than its
transaction's `wait` gives up with `Busy`, and nothing is written.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import (
    JSON,
    Connection,
    Date,
    DateTime,
    Engine,
    column,
    create_engine,
    event,
    func,
    make_url,
    select,
    table,
    text,
    type_coerce,
)
from sqlalchemy.exc import ArgumentError, InvalidatePoolError, OperationalError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

from scr.grammar import CommandError

# Inside the package, so that a wheel installed anywhere carries its own schema history.
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


WRITE, WAIT = "scr_write", "scr_wait"  # execution options of a transaction (see `transaction`)


@dataclass(frozen=True)
class Timeouts:
    """How long a process waits on its database, in seconds: to connect, for one statement (PostgreSQL; None: no
    limit), and for another writer's lock when a transaction names no `wait` of its own (SQLite). A pooled
    PostgreSQL connection left unused for `ping_after` seconds is pinged before it is used again (0: every time)."""

    connect: int
    statement: float | None
    busy: float
    ping_after: float = 0


BATCH = Timeouts(connect=10, statement=None, busy=30)  # jobs and the CLI can afford to wait
# `web` must answer within Slack's three seconds: a database that hangs (rather than refusing) costs a request
# a few seconds, never the dyno, and /healthz says 503. A connection in steady use is not pinged before every
# answer (a round trip each): one idle for a while (a restart or failover may have closed it) is.
WEB = Timeouts(connect=3, statement=5, busy=2, ping_after=10)


class Busy(CommandError):
    """Another change held what this one needed for longer than it could wait: nothing was written."""

    def __init__(self) -> None:
        super().__init__("The records are busy with another change, so nothing changed. Try again in a moment.")


def sqlite_file(url: str) -> Path | None:
    """The file of an SQLite URL (None for PostgreSQL or an in-memory database)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database).absolute()


def location(url: str) -> str:
    """Where the data lives, for people: the SQLite file's full path, or the server's URL without its password."""
    file = sqlite_file(url)
    return str(file) if file is not None else printable(url)


def make_engine(url: str, timeouts: Timeouts = BATCH, *, autocommit: bool = False) -> Engine:
    """The engine, with `timeouts`; SQL errors never carry their parameters (reasons, notes) into a log.

    `autocommit` (PostgreSQL; the web process's engine): a statement outside `transaction` runs on its own, with no
    BEGIN or COMMIT round trips and no switching of the connection's mode for each answer (`reads`); `transaction`
    still opens a real one."""
    if url.startswith("sqlite"):
        file = sqlite_file(url)
        if file is not None:  # the default lives in a per-user data folder that may not exist yet
            file.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": timeouts.busy}, hide_parameters=True)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:
            dbapi_connection.isolation_level = None  # we say BEGIN ourselves (below), not the driver
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection) -> None:
            options = connection.get_execution_options()
            connection.exec_driver_sql(f"PRAGMA busy_timeout={int(1000 * (options.get(WAIT) or timeouts.busy))}")
            connection.exec_driver_sql("BEGIN IMMEDIATE" if options.get(WRITE) else "BEGIN")

        return engine
    connect_args: dict[str, object] = {"connect_timeout": timeouts.connect}
    options = [f"-c statement_timeout={int(timeouts.statement * 1000)}"] if timeouts.statement is not None else []
    if autocommit:
        # The web's statements are few, short and keyed, and run thousands of times: a prepared statement's generic
        # plan serves each well, where PostgreSQL would otherwise go on planning some anew on every run (those that
        # read reviews stamped since a version: `scr.open_reviews`), which costs more than running them.
        options.append("-c plan_cache_mode=force_generic_plan")
    if options:
        connect_args["options"] = " ".join(options)
    engine = create_engine(url, pool_pre_ping=not timeouts.ping_after, pool_size=5, max_overflow=5,
                           pool_timeout=timeouts.connect, connect_args=connect_args, hide_parameters=True,
                           **({"isolation_level": "AUTOCOMMIT"} if autocommit else {}))
    if timeouts.ping_after:
        _ping_when_idle(engine, timeouts.ping_after)
    return engine


def _ping_when_idle(engine: Engine, seconds: float) -> None:
    """Ping a pooled connection before use only when it has been idle `seconds` or more. One that does not answer
    means the server went away (a restart, a failover): the whole pool is discarded, as `pool_pre_ping` does, and
    this checkout connects afresh (SQLAlchemy's `InvalidatePoolError`)."""

    @event.listens_for(engine, "connect")
    @event.listens_for(engine, "checkin")
    def _used(_dbapi_connection, record) -> None:
        record.info["used"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_connection, record, _proxy) -> None:
        if time.monotonic() - record.info.get("used", 0) < seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:  # the driver's reason (its first line holds no data of ours) goes to the pool's log
            raise InvalidatePoolError(str(error).split("\n")[0]) from error


def printable(url: str) -> str:
    """The database URL as it may be printed or logged: without its password, and without its query string,
    where a password can be given too (`?password=…`)."""
    try:
        parsed = make_url(url)
        return parsed.set(drivername=parsed.get_backend_name(), query={}).render_as_string(hide_password=True)
    except ArgumentError:
        return "(a malformed URL)"


def make_sessions(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def _lock_timed_out(error: OperationalError) -> bool:
    # PostgreSQL: lock_not_available; SQLite: the busy timeout passed (SQLITE_BUSY and its variants).
    return (getattr(error.orig, "sqlstate", None) == "55P03"
            or str(getattr(error.orig, "sqlite_errorname", "")).startswith("SQLITE_BUSY"))


@contextmanager
def transaction(sessions: sessionmaker[Session], write: bool = True, wait: float | None = None) -> Iterator[Session]:
    """One unit of work: committed if the block ends normally, rolled back (nothing written) otherwise.

    A write transaction (the default) holds SQLite's write lock from its first statement; a read-only one
    (`write=False`) reads a consistent snapshot without waiting for writers. Waiting more than `wait` seconds for
    another change's locks (default: the engine's `Timeouts.busy` on SQLite, none on PostgreSQL) raises `Busy`.
    """
    try:
        with sessions() as session, session.begin():
            options = {WRITE: write, WAIT: wait}
            if dialect_of(session) == "postgresql":
                options["isolation_level"] = "READ COMMITTED"  # a transaction, on an autocommit engine too
            connection = session.connection(execution_options=options)
            if wait is not None and connection.dialect.name == "postgresql":
                session.execute(text("SELECT set_config('lock_timeout', :ms, true)"), {"ms": f"{int(wait * 1000)}"})
            yield session
    except OperationalError as error:
        if _lock_timed_out(error):
            raise Busy() from None
        raise


@contextmanager
def reads(sessions: sessionmaker[Session]) -> Iterator[Connection]:
    """A connection for reads only (the ORM's session is not needed to answer, and costs a little on every answer),
    each statement seeing what was committed when it began. On PostgreSQL outside any transaction when the engine is
    `autocommit` (the web's): read committed gives each statement its own snapshot either way, and an answer is
    spared the BEGIN and COMMIT round trips. On SQLite in a read transaction, which reads one snapshot.
    Never for a write (outside a transaction it would commit at once, whatever followed), nor for a stream of rows
    (`yield_per`: PostgreSQL's server-side cursor needs a transaction)."""
    engine: Engine = sessions.kw["bind"]
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            yield connection
            return
        with connection.begin():  # BEGIN, not BEGIN IMMEDIATE (see `make_engine`): a reader waits for no writer
            yield connection


def json_builders(dialect: str):
    """The database's functions that build a JSON array of values, and one array of such arrays over rows: to read
    many values as one column (reading a column costs more than a value does)."""
    if dialect == "postgresql":
        return func.json_build_array, func.json_agg
    return func.json_array, func.json_group_array


def json_value(dialect: str, subquery):
    """A scalar subquery's JSON value, as JSON (SQLite takes a subquery's value for text)."""
    return subquery if dialect == "postgresql" else func.json(subquery)


def json_of(dialect: str, subquery):
    """A scalar subquery's JSON value, read as JSON."""
    return type_coerce(json_value(dialect, subquery), JSON)


def from_json(columns) -> Callable[[list], list]:
    """The values of `columns` from their JSON (dates and times in ISO 8601, as both databases write them)."""
    read = [date.fromisoformat if isinstance(column.type, Date) else
            datetime.fromisoformat if isinstance(column.type, DateTime) else None for column in columns]
    return lambda values: [value if value is None or kind is None else kind(value)
                           for kind, value in zip(read, values, strict=True)]


class CodePointOrder(ColumnElement):
    """A text column ordered code point by code point, as Python orders text (`scr.open_reviews` orders as the SQL
    does): PostgreSQL's "C" collation, whatever the database's own (en_US ignores hyphens); SQLite's default."""

    inherit_cache = True
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement)]

    def __init__(self, column) -> None:
        self.column = column
        self.type = column.type


@compiles(CodePointOrder)
def _code_point_order(element: CodePointOrder, compiler, **kw) -> str:
    return compiler.process(element.column, **kw)


@compiles(CodePointOrder, "postgresql")
def _code_point_order_postgresql(element: CodePointOrder, compiler, **kw) -> str:
    return f'{compiler.process(element.column, **kw)} COLLATE "C"'


def dialect_of(session: Session | Connection) -> str:
    """"postgresql" or "sqlite"."""
    return (session.dialect if isinstance(session, Connection) else session.get_bind().dialect).name


def lock_table(session: Session, table: str) -> None:
    """Serialise writers of `table` where a row lock cannot (the row may not exist yet); readers go on.

    SQLite's write transactions already hold the whole database.
    """
    if dialect_of(session) == "postgresql":
        session.execute(text(f"LOCK TABLE {table} IN EXCLUSIVE MODE"))


VERSION_TABLE = "record_version"  # kept by triggers: see migrations 0007 and 0009
# For statements; its one row has id 1. `reviews_deleted`: the version that last deleted reviews.
VERSION = table(VERSION_TABLE, column("id"), column("number"), column("reviews_deleted"))
# Each review's stamp: the version of the change that last wrote it (migration 0009).
STAMPS = table("review_stamps", column("review_id"), column("stamp"))


def among_the_models(thing, name: str | None, kind: str, *_) -> bool:
    """Alembic's `include_object`: the version and the reviews' stamps are machinery the migrations keep, not
    models."""
    return not (kind == "table" and name in (VERSION_TABLE, STAMPS.name))


def records_version(session: Session) -> int:
    """The records' version: a number that every committed change to reviews, actions or grants has moved."""
    return session.execute(select(VERSION.c.number).where(VERSION.c.id == 1)).scalar_one()


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(url: str) -> bool:
    """Bring the schema up to date; running it again does nothing. True when the database was new (no schema)."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            new = MigrationContext.configure(connection).get_current_revision() is None
    finally:
        engine.dispose()
    command.upgrade(alembic_config(url), "head")
    return new
