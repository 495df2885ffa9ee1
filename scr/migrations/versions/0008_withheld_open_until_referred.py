"""A withheld review stays open until it is referred: a withheld LCSPR whose improvements are published still owes its
referral to the national panel, so `status` lists it (as the daily run already chased it). Only ix_reviews_open's
predicate changes; no row does.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# ix_reviews_open as 0004 made it, and as it is now (scr.models.OPEN_WHERE): written out, since the model moves on.
OPEN_BEFORE = ("published IS NULL AND (referred IS NULL OR regime = 'lcspr') "
               "AND (decision IS NULL OR decision <> 'no-review' OR regime = 'scr')")
OPEN_AFTER = ("(published IS NULL AND (referred IS NULL OR regime = 'lcspr') "
              "AND (decision IS NULL OR decision <> 'no-review' OR regime = 'scr')) "
              "OR (withheld IS NOT NULL AND referred IS NULL)")
COLUMNS = ["initiated", "withheld", "regime", "decision"]


def _open_index(where: str) -> None:
    op.drop_index("ix_reviews_open", "reviews")
    op.create_index("ix_reviews_open", "reviews", COLUMNS, sqlite_where=sa.text(where), postgresql_where=sa.text(where))


def upgrade() -> None:
    _open_index(OPEN_AFTER)


def downgrade() -> None:
    _open_index(OPEN_BEFORE)
