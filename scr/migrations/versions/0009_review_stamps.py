"""Each review carries the records' version of the change that last wrote it (`stamp`), and the version table the
version of the last deletion of reviews (`reviews_deleted`), both kept by triggers, so that a process holding the
open reviews can bring them up to date by reading only what changed since the version it last read
(`scr.open_reviews`).

The version moves in commit order (0007: the writer's bump holds its one row until it commits). On PostgreSQL the
bump of a statement on reviews now comes before its rows are written (a statement trigger, BEFORE), so every row it
writes is stamped with its own transaction's number: a reader that has seen version N has seen every row stamped N
or less. SQLite has row triggers only; its writers hold the whole database, so the same holds there.

Machinery, not a record: `stamp` is not among the models (`scr.db.among_the_models`), so backups, exports and the
detail of a review neither carry nor expect it.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

VERSION = "record_version"  # scr.db.VERSION_TABLE
BUMP = f"UPDATE {VERSION} SET number = number + 1"
STAMP = f"(SELECT number FROM {VERSION} WHERE id = 1)"


def upgrade() -> None:
    op.add_column("reviews", sa.Column("stamp", sa.BigInteger, nullable=False, server_default="0"))
    op.create_index("ix_reviews_stamp", "reviews", ["stamp"])
    op.add_column(VERSION, sa.Column("reviews_deleted", sa.BigInteger, nullable=False, server_default="0"))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER reviews_version ON reviews")
        op.execute("CREATE TRIGGER reviews_version BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON reviews "
                   "FOR EACH STATEMENT EXECUTE FUNCTION bump_record_version()")
        op.execute(f"CREATE FUNCTION stamp_review() RETURNS trigger LANGUAGE plpgsql AS "
                   f"$$ BEGIN NEW.stamp := {STAMP}; RETURN NEW; END $$")
        op.execute("CREATE TRIGGER reviews_stamp BEFORE INSERT OR UPDATE ON reviews "
                   "FOR EACH ROW EXECUTE FUNCTION stamp_review()")
        op.execute(f"CREATE FUNCTION note_reviews_deleted() RETURNS trigger LANGUAGE plpgsql AS "
                   f"$$ BEGIN UPDATE {VERSION} SET reviews_deleted = number; RETURN NULL; END $$")
        op.execute("CREATE TRIGGER reviews_deleted AFTER DELETE OR TRUNCATE ON reviews "
                   "FOR EACH STATEMENT EXECUTE FUNCTION note_reviews_deleted()")
        return
    for change in ("insert", "update", "delete"):
        op.execute(f"DROP TRIGGER reviews_{change}_version")
    # The stamp's own UPDATE does not set the trigger off again: SQLite's recursive triggers are off, and the WHEN
    # would stop it if they were on (the stamp it writes is always new).
    stamp = f"BEGIN {BUMP}; UPDATE reviews SET stamp = {STAMP} WHERE id = NEW.id; END"
    op.execute(f"CREATE TRIGGER reviews_insert_version AFTER INSERT ON reviews {stamp}")
    op.execute(f"CREATE TRIGGER reviews_update_version AFTER UPDATE ON reviews WHEN NEW.stamp = OLD.stamp {stamp}")
    op.execute(f"CREATE TRIGGER reviews_delete_version AFTER DELETE ON reviews "
               f"BEGIN {BUMP}; UPDATE {VERSION} SET reviews_deleted = number; END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER reviews_deleted ON reviews")
        op.execute("DROP FUNCTION note_reviews_deleted()")
        op.execute("DROP TRIGGER reviews_stamp ON reviews")
        op.execute("DROP FUNCTION stamp_review()")
        op.execute("DROP TRIGGER reviews_version ON reviews")
        op.execute("CREATE TRIGGER reviews_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON reviews "
                   "FOR EACH STATEMENT EXECUTE FUNCTION bump_record_version()")
    else:
        for change in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER reviews_{change}_version")
            op.execute(f"CREATE TRIGGER reviews_{change}_version AFTER {change.upper()} ON reviews BEGIN {BUMP}; END")
    op.drop_column(VERSION, "reviews_deleted")
    op.drop_index("ix_reviews_stamp", "reviews")
    op.drop_column("reviews", "stamp")
