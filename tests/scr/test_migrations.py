from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from scr import db
from scr.models import Base


def test_release_can_run_twice_on_a_fresh_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    db.migrate(url)
    db.migrate(url)
    tables = set(inspect(db.make_engine(url)).get_table_names())
    assert {"reviews", "actions", "grants", "audit", "notices", "snoozes", "alembic_version"} <= tables


def test_the_migrations_build_exactly_the_models(engine):
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []
