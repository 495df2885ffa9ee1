"""The records' version: one number that every change to reviews, actions or grants moves, kept by triggers.

Answers built from those tables are cached under it (`scr.answers`). Triggers, not the code's writers, keep it, so
that nothing can change the records without moving it: commands, forms, buttons, imports, restores, migrations and
SQL typed by hand all do. On PostgreSQL the writer's bump holds the one row until it commits, so the number moves in
commit order (a sequence, or the audit trail's ids, would not: a transaction can commit after a later-numbered one).
It is machinery, not a record: it is not among the models, so backups neither carry nor expect it.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TABLE = "record_version"  # scr.db.VERSION_TABLE
VERSIONED = ("reviews", "actions", "grants")
BUMP = f"UPDATE {TABLE} SET number = number + 1"


def upgrade() -> None:
    op.create_table(TABLE, sa.Column("id", sa.Integer, primary_key=True),
                    sa.Column("number", sa.BigInteger, nullable=False))
    op.execute(f"INSERT INTO {TABLE} (id, number) VALUES (1, 0)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE FUNCTION bump_record_version() RETURNS trigger LANGUAGE plpgsql AS "
                   f"$$ BEGIN {BUMP}; RETURN NULL; END $$")
        for table in VERSIONED:
            op.execute(f"CREATE TRIGGER {table}_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                       f"FOR EACH STATEMENT EXECUTE FUNCTION bump_record_version()")
        return
    for table in VERSIONED:  # SQLite has row triggers only; its writers hold the whole database anyway
        for change in ("INSERT", "UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER {table}_{change.lower()}_version AFTER {change} ON {table} "
                       f"BEGIN {BUMP}; END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in VERSIONED:
            op.execute(f"DROP TRIGGER {table}_version ON {table}")
        op.execute("DROP FUNCTION bump_record_version()")
    else:
        for table in VERSIONED:
            for change in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER {table}_{change}_version")
    op.drop_table(TABLE)
