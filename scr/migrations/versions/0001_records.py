"""Reviews, action plans, role grants and the audit trail.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("reference", sa.String(40), nullable=False),
        sa.Column("reference_key", sa.String(40), nullable=False, unique=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("regime", sa.String(10), nullable=False),
        sa.Column("reviewer", sa.String(200)),
        sa.Column("incident", sa.Date),
        sa.Column("notified", sa.Date),
        sa.Column("initiated", sa.Date),
        sa.Column("completed", sa.Date),
        sa.Column("published", sa.Date),
        sa.Column("withheld", sa.Date),
        sa.Column("withheld_reason", sa.String(500)),
        sa.Column("referred", sa.Date),
        sa.Column("delay_reason", sa.String(500)),
        sa.Column("notes", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_reviews_initiated", "reviews", ["initiated"])
    op.create_table(
        "actions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("review_id", sa.Integer, sa.ForeignKey("reviews.id"), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("text", sa.String(500), nullable=False),
        sa.Column("owner", sa.String(32), nullable=False),
        sa.Column("due", sa.Date, nullable=False),
        sa.Column("done", sa.Date),
        sa.UniqueConstraint("review_id", "number"),
    )
    op.create_index("ix_actions_review_id", "actions", ["review_id"])
    op.create_index("ix_actions_due", "actions", ["due"])
    op.create_table(
        "grants",
        sa.Column("user_id", sa.String(32), primary_key=True),
        sa.Column("role", sa.String(10), nullable=False),
    )
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("review_id", sa.Integer, sa.ForeignKey("reviews.id")),
        sa.Column("field", sa.String(64), nullable=False),
        sa.Column("old", sa.Text),
        sa.Column("new", sa.Text),
    )
    op.create_index("ix_audit_review_at", "audit", ["review_id", "id"])


def downgrade() -> None:
    op.drop_table("audit")
    op.drop_table("grants")
    op.drop_table("actions")
    op.drop_table("reviews")
