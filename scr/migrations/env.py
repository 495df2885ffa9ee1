"""Alembic environment: the URL comes from scr.db.alembic_config (the `release` process) or from the settings."""

from alembic import context
from sqlalchemy import create_engine

from scr.models import Base

config = context.config
url = config.get_main_option("sqlalchemy.url")
if not url:
    from scr.settings import load_settings

    url = load_settings().database_url

connectable = config.attributes.get("connection") or create_engine(url)

with connectable.connect() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
