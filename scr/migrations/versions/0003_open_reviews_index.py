"""A partial index on the reviews still needing attention, for `/scr status` whatever the size of the history.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

OPEN_WHERE = "published IS NULL AND referred IS NULL"  # as it was then: the model moves on

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None



def upgrade() -> None:
    op.create_index("ix_reviews_open", "reviews", ["initiated", "withheld", "regime"],
                    sqlite_where=sa.text(OPEN_WHERE), postgresql_where=sa.text(OPEN_WHERE))


def downgrade() -> None:
    op.drop_index("ix_reviews_open", "reviews")
