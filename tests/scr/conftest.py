"""Fixtures of the records' tests."""

import pytest
from sqlalchemy import text

from scr import db

SCHEMA = "upgrade_test"


@pytest.fixture
def empty_connection(database_url, tmp_path):
    """A connection to an empty database: a new SQLite file, or a schema of its own in the PostgreSQL under test."""
    if database_url.startswith("sqlite"):
        engine = db.make_engine(f"sqlite:///{tmp_path / 'old.db'}")
        with engine.connect() as connection:
            yield connection
        return
    engine = db.make_engine(database_url)
    with engine.connect() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {SCHEMA}"))
        connection.execute(text(f"SET search_path TO {SCHEMA}"))
        connection.commit()
        yield connection
        connection.rollback()
        connection.execute(text(f"DROP SCHEMA {SCHEMA} CASCADE"))
        connection.commit()
