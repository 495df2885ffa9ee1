from datetime import UTC, date, datetime

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, Date, Index, MetaData, Table, inspect, text

from scr import db
from scr.models import OPEN_WHERE, Base


def test_release_can_run_twice_on_a_fresh_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    db.migrate(url)
    db.migrate(url)
    tables = set(inspect(db.make_engine(url)).get_table_names())
    assert {"reviews", "actions", "grants", "audit", "notices", "snoozes", "alembic_version"} <= tables


def test_the_migrations_build_exactly_the_models(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": db.among_the_models})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def _config(connection):
    config = db.alembic_config("sqlite://")  # the URL is unused: the connection is given
    config.attributes["connection"] = connection
    return config


def _upgrade(connection, revision: str) -> None:
    command.upgrade(_config(connection), revision)
    connection.commit()


def test_0004_keeps_every_row_and_its_regime(empty_connection):
    """A database with reviews under 0003 (an SCR begun in 2026 among them: its regime is kept, not re-derived)."""
    connection = empty_connection
    _upgrade(connection, "0003")
    rows = [
        ("SCR-2013-04", "scr", date(2013, 2, 1), None, None, "Criminal trial"),
        ("SCR-2026-01", "scr", date(2026, 3, 2), date(2026, 9, 1), date(2026, 9, 20), None),
        ("LCSPR-2020-01", "lcspr", None, None, None, None),
    ]
    for reference, regime, initiated, completed, published, delay in rows:
        connection.execute(text(
            "INSERT INTO reviews (reference, reference_key, title, regime, initiated, completed, published, "
            "delay_reason, created_at) VALUES (:r, :r, 'Child', :regime, :i, :c, :p, :d, :at)"
        ), {"r": reference, "regime": regime, "i": initiated, "c": completed, "p": published, "d": delay,
            "at": datetime(2026, 1, 1, tzinfo=UTC)})
    connection.execute(text("INSERT INTO audit (at, actor, review_id, field, new) "
                            "SELECT created_at, 'x', id, 'reference', reference FROM reviews"))
    connection.commit()

    _upgrade(connection, "head")

    kept = connection.execute(text(
        "SELECT reference, regime, initiated, completed, published, delay_reason, aware, rapid, decision, decided, "
        "planned, copied, url, delay_until, delay_told FROM reviews ORDER BY reference"
    )).all()
    as_dates = [tuple(date.fromisoformat(v) if isinstance(v, str) and v[:2] in ("19", "20") else v for v in row)
                for row in kept]
    assert as_dates == sorted(
        (reference, regime, initiated, completed, published, delay, *[None] * 9)
        for reference, regime, initiated, completed, published, delay in rows
    )
    assert connection.execute(text("SELECT count(*) FROM audit")).scalar() == 3
    open_references = connection.execute(text(
        "SELECT reference FROM reviews WHERE published IS NULL AND (referred IS NULL OR regime = 'lcspr') "
        "AND (decision IS NULL OR decision <> 'no-review' OR regime = 'scr') ORDER BY reference")).scalars().all()
    assert open_references == ["LCSPR-2020-01", "SCR-2013-04"]


def _open_predicate(connection, name: str = "ix_reviews_open") -> str:
    """The WHERE of a partial index as the database keeps it (PostgreSQL's own rendering; SQLite's text)."""
    if connection.dialect.name == "postgresql":
        return connection.execute(text("SELECT pg_get_expr(indpred, indrelid) FROM pg_index "
                                       "WHERE indexrelid = CAST(:name AS regclass)"), {"name": name}).scalar_one()
    sql = connection.execute(text("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = :name"),
                             {"name": name}).scalar_one()
    return sql.partition(" WHERE ")[2]


def _predicate_of(connection, where: str) -> str:
    """`where` as the database keeps it, made as the migrations and the model make ix_reviews_open."""
    # A table of its own, not the model's: an index made on that one would join the models' metadata.
    reviews = Table("reviews", MetaData(), Column("initiated", Date))
    index = Index("ix_compared", reviews.c.initiated, sqlite_where=text(where), postgresql_where=text(where))
    index.create(connection)
    try:
        return _open_predicate(connection, "ix_compared")
    finally:
        index.drop(connection)


def test_0008_keeps_a_withheld_review_open_until_it_is_referred_and_goes_back(empty_connection):
    """The model's predicate (scr.models.OPEN_WHERE) is the index's after the upgrade, 0004's after the downgrade."""
    connection = empty_connection
    _upgrade(connection, "0007")
    before = _open_predicate(connection)
    _upgrade(connection, "head")
    assert _open_predicate(connection) == _predicate_of(connection, OPEN_WHERE) != before
    command.downgrade(_config(connection), "0007")
    connection.commit()
    assert _open_predicate(connection) == before
