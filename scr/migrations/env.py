"""Alembic environment: the URL comes from scr.db.alembic_config (the `release` process) or from the settings."""

from alembic import context
from sqlalchemy import create_engine

from scr.db import among_the_models
from scr.models import Base

config = context.config
url = config.get_main_option("sqlalchemy.url")
if not url:
    from scr.settings import load_settings

    url = load_settings().database_url


def run(connection) -> None:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True,
                      include_object=among_the_models)
    with context.begin_transaction():
        context.run_migrations()


# A caller may hand over its own connection (the upgrade tests do, to migrate a database they filled first).
given = config.attributes.get("connection")
if given is not None:
    run(given)
else:
    with create_engine(url).connect() as connection:
        run(connection)
