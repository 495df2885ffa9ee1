import io
import json

import pytest
from sqlalchemy import func, select

from scr import db
from scr.models import AuditEntry, Review
from scr.service import Actor
from scr.transfer import COLUMNS, ImportFailed, export_reviews, import_reviews
from tests.conftest import NOW

CLI = Actor("cli:test", admin=True)
GOOD = """reference,title,regime,reviewer,incident,notified,initiated,completed,published,withheld,withheld_reason,referred
SCR-2013-04,Child A,scr,Ms Smith,2013-01-02,2013-01-04,2013-02-01,2013-07-30,2013-08-01,,,
SCR-2014-01,"Child B, sibling",lcspr,,,,2014-03-31,,,2014-10-01,Risk to a sibling,
SCR-2015-02,Child C,,,,,2015-08-31,,,,,
"""


def _import(sessions, text: str) -> int:
    with db.transaction(sessions) as session:
        return import_reviews(session, io.StringIO(text), CLI, NOW, "reviews.csv")


def _export(sessions, fmt: str = "csv") -> str:
    out = io.StringIO()
    with sessions() as session:
        export_reviews(session, out, fmt)
    return out.getvalue()


def test_export_then_import_changes_nothing(sessions):
    assert _import(sessions, GOOD) == 3
    first = _export(sessions)
    assert first.splitlines()[0] == ",".join(COLUMNS)
    with db.transaction(sessions) as session:  # start again from an empty database
        session.query(AuditEntry).delete()
        session.query(Review).delete()
    assert _import(sessions, first) == 3
    assert _export(sessions) == first
    assert [row["reference"] for row in json.loads(_export(sessions, "json"))] == [
        "SCR-2013-04", "SCR-2014-01", "SCR-2015-02"
    ]


def test_each_imported_review_is_in_the_audit_trail(sessions):
    _import(sessions, GOOD)
    with sessions() as session:
        entries = session.execute(select(AuditEntry.actor, AuditEntry.field, AuditEntry.new)).all()
    assert entries == [("cli:test", "imported", "reviews.csv")] * 3


@pytest.mark.parametrize(("text", "problem"), [
    ("reference,colour\nA,red\n", "line 1: unknown columns colour"),
    ("title\nChild A\n", "line 1: the header has no reference column"),
    ("reference,initiated\nA,2026-01-01\nB,01/02/2026\n", "line 3: initiated `01/02/2026` is not a date: write it as YYYY-MM-DD"),
    ("reference,initiated\nA,2026-01-01\nB,2026-02-30\n", "line 3: initiated `2026-02-30`"),
    ("reference,regime\nA,xyz\n", "line 2: regime `xyz` must be scr or lcspr"),
    ("reference\nA\nB\na\n", "line 4: review a is also on line 2"),
    ("reference\nSCR 1\n", "line 2: reference `SCR 1`"),
    ("reference,published,withheld\nA,2026-01-01,2026-01-01\n", "line 2: a review cannot be both"),
    ("reference,referred\nA,2026-01-01\n", "line 2: referred needs a withheld date"),
    ("reference,title\nA,x,y\n", "line 2: more values than columns"),
    ("reference,initiated\nA,2099-01-01\n", "line 2: initiated 2099-01-01 is in the future"),
])
def test_a_bad_csv_imports_nothing_and_names_the_line(sessions, text, problem):
    with pytest.raises(ImportFailed) as failed:
        _import(sessions, text)
    assert problem in str(failed.value)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Review)) == 0


def test_a_reference_already_stored_is_refused(sessions):
    _import(sessions, GOOD)
    with pytest.raises(ImportFailed, match="line 2: review scr-2015-02 already exists"):
        _import(sessions, "reference\nscr-2015-02\n")


def test_quoted_line_breaks_keep_line_numbers_right(sessions):
    text = 'reference,title\nA,"two\nlines"\nB,x\nC,ok\n'.replace("B,x", "B?,x")
    with pytest.raises(ImportFailed, match="line 4: reference `B\\?`"):
        _import(sessions, text)


def test_a_bad_line_after_batches_were_written_still_imports_nothing(sessions, monkeypatch):
    monkeypatch.setattr("scr.transfer.BATCH", 2)
    text = "reference,initiated\n" + "".join(f"R-{n},2026-01-0{1 + n}\n" for n in range(5)) + "R-9,someday\n"
    with pytest.raises(ImportFailed, match="line 7: initiated `someday`"):
        _import(sessions, text)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Review)) == 0
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == 0
