"""Each review written since this migration has a stamp: the records' version of the change that last wrote it, in
`review_stamps`, and the version table the version of the last deletion of reviews (`reviews_deleted`), both kept by
triggers, so that a process holding the open reviews can bring them up to date by reading only what changed since
the version it last read (`scr.open_reviews`).

The version moves in commit order (0007: the writer's bump holds its one row until it commits). On PostgreSQL a
statement's rows are stamped after it, with the number its own bump took, so locks are taken in 0007's order (the
reviews' rows, then the version's row: a command holding a review `FOR UPDATE` and a plain UPDATE of it do not
deadlock); a reader that has seen version N has then seen every review stamped N or less. SQLite has row triggers
only; its writers hold the whole database, so the same holds there. The stamps live in a table of their own, not in
a column of reviews: a change to a review then writes one new version of its row (one that PostgreSQL can keep on
the same page, with no new index entries, when no indexed column changed), not two. The upgrade moves the version and
marks a deletion, so that a process that kept reviews across a downgrade and this upgrade reads them all again.

Machinery, not a record: `review_stamps` is not among the models (`scr.db.among_the_models`), so backups and exports
neither carry nor expect it.

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
STAMPS = "review_stamps"  # scr.db.STAMPS_TABLE
BUMP = f"UPDATE {VERSION} SET number = number + 1"
NUMBER = f"(SELECT number FROM {VERSION} WHERE id = 1)"
# PostgreSQL: the bump, unless this transaction made it already (a setting of the transaction's own says so).
BUMP_ONCE = (f"IF current_setting('scr.bumped', true) IS DISTINCT FROM 'on' THEN {BUMP}; "
             f"PERFORM set_config('scr.bumped', 'on', true); END IF;")


def upgrade() -> None:
    op.create_table(STAMPS, sa.Column("review_id", sa.Integer, primary_key=True),
                    sa.Column("stamp", sa.BigInteger, nullable=False))
    op.create_index("ix_review_stamps_stamp", STAMPS, ["stamp"])
    op.add_column(VERSION, sa.Column("reviews_deleted", sa.BigInteger, nullable=False, server_default="0"))
    if op.get_bind().dialect.name == "postgresql":
        # The version moves once a transaction, at its first change, not at every statement: an import's rows, a
        # statement each, would otherwise update the one row 100,000 times in one transaction, each update longer
        # to find than the last. The transaction holds that row, and its number, until it commits.
        op.execute(f"CREATE OR REPLACE FUNCTION bump_record_version() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                   f"{BUMP_ONCE} RETURN NULL; END $$")
        op.execute("DROP TRIGGER reviews_version ON reviews")
        op.execute(f"CREATE FUNCTION stamp_reviews() RETURNS trigger LANGUAGE plpgsql AS $$ "
                   f"BEGIN {BUMP_ONCE} "
                   f"INSERT INTO {STAMPS} (review_id, stamp) "
                   f"SELECT id, {NUMBER} FROM written "
                   f"ON CONFLICT (review_id) DO UPDATE SET stamp = EXCLUDED.stamp; "
                   f"RETURN NULL; END $$")
        for change in ("insert", "update"):
            op.execute(f"CREATE TRIGGER reviews_{change}_stamp AFTER {change.upper()} ON reviews "
                       f"REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION stamp_reviews()")
        op.execute(f"CREATE FUNCTION note_reviews_deleted() RETURNS trigger LANGUAGE plpgsql AS "
                   f"$$ BEGIN {BUMP_ONCE} UPDATE {VERSION} SET reviews_deleted = number; RETURN NULL; END $$")
        op.execute("CREATE TRIGGER reviews_deleted AFTER DELETE OR TRUNCATE ON reviews "
                   "FOR EACH STATEMENT EXECUTE FUNCTION note_reviews_deleted()")
    else:
        for change in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER reviews_{change}_version")
        stamp = (f"BEGIN {BUMP}; INSERT OR REPLACE INTO {STAMPS} (review_id, stamp) "
                 f"VALUES (NEW.id, {NUMBER}); END")
        op.execute(f"CREATE TRIGGER reviews_insert_version AFTER INSERT ON reviews {stamp}")
        op.execute(f"CREATE TRIGGER reviews_update_version AFTER UPDATE ON reviews {stamp}")
        op.execute(f"CREATE TRIGGER reviews_delete_version AFTER DELETE ON reviews "
                   f"BEGIN {BUMP}, reviews_deleted = number + 1; END")
    op.execute(f"{BUMP}, reviews_deleted = number + 1")  # whoever kept reviews before reads them all again


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER reviews_deleted ON reviews")
        op.execute("DROP FUNCTION note_reviews_deleted()")
        for change in ("insert", "update"):
            op.execute(f"DROP TRIGGER reviews_{change}_stamp ON reviews")
        op.execute("DROP FUNCTION stamp_reviews()")
        op.execute(f"CREATE OR REPLACE FUNCTION bump_record_version() RETURNS trigger LANGUAGE plpgsql AS "
                   f"$$ BEGIN {BUMP}; RETURN NULL; END $$")
        op.execute("CREATE TRIGGER reviews_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON reviews "
                   "FOR EACH STATEMENT EXECUTE FUNCTION bump_record_version()")
    else:
        for change in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER reviews_{change}_version")
            op.execute(f"CREATE TRIGGER reviews_{change}_version AFTER {change.upper()} ON reviews BEGIN {BUMP}; END")
    op.drop_column(VERSION, "reviews_deleted")
    op.drop_index("ix_review_stamps_stamp", STAMPS)
    op.drop_table(STAMPS)
