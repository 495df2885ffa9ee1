"""Lessons you can monitor: what shows an action was done (evidence), and its impact review (impact, note, date).

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("actions") as batch:
        batch.add_column(sa.Column("evidence", sa.String(500)))
        batch.add_column(sa.Column("impact", sa.String(10)))
        batch.add_column(sa.Column("impact_note", sa.String(500)))
        batch.add_column(sa.Column("impact_on", sa.Date))


def downgrade() -> None:
    with op.batch_alter_table("actions") as batch:
        for name in ("impact_on", "impact_note", "impact", "evidence"):
            batch.drop_column(name)
