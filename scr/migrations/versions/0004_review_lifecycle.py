"""The review lifecycle: awareness, the rapid review, the decision, the planned publication, the copy, the web
address and the hold. Every existing row and its regime are kept; the new dates start empty.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# ix_reviews_open as 0003 made it, and as it is now (scr.models.OPEN_WHERE): written out, since the model moves on.
OPEN_BEFORE = "published IS NULL AND referred IS NULL"
OPEN_AFTER = ("published IS NULL AND (referred IS NULL OR regime = 'lcspr') "
              "AND (decision IS NULL OR decision <> 'no-review' OR regime = 'scr')")
DATES = ("aware", "rapid", "rapid_sent", "decided", "planned", "copied", "delay_from", "delay_until", "delay_told")


def upgrade() -> None:
    op.drop_index("ix_reviews_open", "reviews")
    with op.batch_alter_table("reviews") as batch:
        for name in DATES:
            batch.add_column(sa.Column(name, sa.Date))
        batch.add_column(sa.Column("decision", sa.String(10)))
        batch.add_column(sa.Column("decision_reason", sa.String(500)))
        batch.add_column(sa.Column("url", sa.String(500)))
    op.create_index("ix_reviews_open", "reviews", ["initiated", "withheld", "regime", "decision"],
                    sqlite_where=sa.text(OPEN_AFTER), postgresql_where=sa.text(OPEN_AFTER))


def downgrade() -> None:
    op.drop_index("ix_reviews_open", "reviews")
    with op.batch_alter_table("reviews") as batch:
        for name in (*DATES, "decision", "decision_reason", "url"):
            batch.drop_column(name)
    op.create_index("ix_reviews_open", "reviews", ["initiated", "withheld", "regime"],
                    sqlite_where=sa.text(OPEN_BEFORE), postgresql_where=sa.text(OPEN_BEFORE))
