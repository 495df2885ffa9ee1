import csv
import io
import json

import pytest
from sqlalchemy import func, select

from scr import db
from scr.models import AuditEntry, Base, Review
from scr.service import Actor
from scr.transfer import (
    COLUMNS,
    ImportFailed,
    export_reviews,
    import_reviews,
    restore_backup,
    update_reviews,
    write_backup,
)
from tests.conftest import NOW

CLI = Actor("cli:test", admin=True)
# As Excel (UK) saves "CSV UTF-8": a byte-order mark, CRLF, day-first dates, headers as the board typed them,
# a quoted cell with a line break inside (LF, as Alt+Enter writes it), and empty columns and rows after the data.
EXCEL = (
    "\ufeffReference,Title,Regime,Reviewer,Incident,Notified,Initiated,Completed,Published,Withheld,"
    "Withheld Reason,Referred,Delay Reason,NOTES,,\r\n"
    "SCR-2013-04,Child A,scr,Ms Smith,02/01/2013,4/1/2013,01/02/2013,30/07/2013,01/08/2013,,,,,,,\r\n"
    'SCR-2014-01,"Child B, sibling",scr,,,,31/03/2014,30/09/2014,,01/10/2014,Risk to a sibling,,,"Panel told\n'
    'by letter",,\r\n'
    "SCR-2015-02,Child C,,,,,2015-08-31,,,,,,Criminal trial,,,\r\n"
    ",,,,,,,,,,,,,,,\r\n"
    ",,,,,,,,,,,,,,,\r\n"
)


def _import(sessions, text: str) -> int:
    with db.transaction(sessions) as session:
        return import_reviews(session, io.StringIO(text, newline=""), CLI, NOW, "reviews.csv")


def _update(sessions, text: str) -> tuple[int, int]:
    with db.transaction(sessions) as session:
        return update_reviews(session, io.StringIO(text, newline=""), CLI, NOW)


def _export(sessions) -> str:
    out = io.StringIO(newline="")
    with sessions() as session:
        export_reviews(session, out)
    return out.getvalue()


def _backup(sessions) -> str:
    out = io.StringIO()
    with sessions() as session:
        write_backup(session, out)
    return out.getvalue()


def _empty(engine) -> None:
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())


def _count(sessions, model=Review) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_excels_csv_imports_and_the_export_imports_again_unchanged(sessions, engine):
    assert _import(sessions, EXCEL) == 3
    with sessions() as session:
        first = session.scalar(select(Review).where(Review.reference_key == "SCR-2013-04"))
        second = session.scalar(select(Review).where(Review.reference_key == "SCR-2014-01"))
    assert (first.incident.isoformat(), first.notified.isoformat(), first.completed.isoformat()) == (
        "2013-01-02", "2013-01-04", "2013-07-30")
    assert (second.withheld_reason, second.notes) == ("Risk to a sibling", "Panel told by letter")
    exported = _export(sessions)
    assert exported.startswith("\ufeff" + ",".join(COLUMNS) + "\r\n")
    rows = list(csv.DictReader(io.StringIO(exported.lstrip("\ufeff"), newline="")))
    assert rows[2] == {**dict.fromkeys(COLUMNS, ""), "reference": "SCR-2015-02", "title": "Child C", "regime": "scr",
                       "initiated": "2015-08-31", "delay_reason": "Criminal trial"}
    _empty(engine)
    assert _import(sessions, exported) == 3
    assert _export(sessions) == exported


FULL = [  # every field of the record filled, as the rules allow
    {"reference": "LCSPR-2020-01", "title": "Child D", "regime": "lcspr", "reviewer": "Dr A Jones",
     "incident": "2020-01-02", "aware": "2020-01-03", "notified": "2020-01-06", "rapid": "2020-01-20",
     "rapid_sent": "2020-01-21", "decision": "review", "initiated": "2020-02-03", "completed": "2020-07-01",
     "planned": "2020-08-01", "copied": "2020-07-20", "published": "2020-08-01",
     "url": "https://example.org/reviews/child-d", "delay_reason": "Criminal trial", "delay_from": "2020-03-01",
     "delay_until": "2027-01-31", "delay_told": "2020-03-05", "notes": "-see the board's minutes"},
    {"reference": "SCR-2014-07", "title": "=Child E", "regime": "scr", "reviewer": "@ms smith",
     "incident": "2014-01-02", "aware": "2014-01-03", "notified": "2014-01-05", "decision": "no-review",
     "decided": "2014-02-01", "decision_reason": "Criteria not met", "referred": "2014-02-10"},
]


def test_every_field_of_the_record_is_exported_and_imports_again_unchanged(sessions, engine):
    spec = ("reference", "title", "regime", "reviewer", "incident", "aware", "notified", "rapid", "initiated",
            "completed", "planned", "copied", "published", "url", "withheld", "withheld_reason", "referred",
            "delay_reason", "delay_until", "notes")
    assert set(spec) <= set(COLUMNS)
    typed = io.StringIO(newline="")
    writer = csv.DictWriter(typed, fieldnames=COLUMNS, dialect="excel")
    writer.writeheader()
    writer.writerows(FULL)
    assert _import(sessions, typed.getvalue()) == 2
    exported = _export(sessions)
    rows = list(csv.DictReader(io.StringIO(exported.lstrip("\ufeff"), newline="")))
    blank = dict.fromkeys(COLUMNS, "")
    assert rows == [{**blank, **FULL[0], "notes": "'-see the board's minutes"},
                    {**blank, **FULL[1], "title": "'=Child E", "reviewer": "'@ms smith"}]
    _empty(engine)
    assert _import(sessions, exported) == 2
    assert _export(sessions) == exported


@pytest.mark.parametrize("title", ["=HYPERLINK(\"http://x\",\"Child A\")", "+1", "-2", "@SUM(A1)", "'=1+2",
                                   "''@x", "'plain", "Child 'A'"])
def test_formula_cells_are_neutralised_and_restored(sessions, engine, title):
    with db.transaction(sessions) as session:  # as typed in Slack
        session.add(Review(reference="SCR-1", reference_key="SCR-1", title=title, notes="-note",
                           regime="lcspr", created_at=NOW))
    exported = _export(sessions)
    row = next(csv.DictReader(io.StringIO(exported.lstrip("\ufeff"), newline="")))
    for cell in (row["title"], row["notes"]):
        assert not cell.startswith(("=", "+", "-", "@")), cell
    _empty(engine)
    _import(sessions, exported)
    with sessions() as session:
        assert session.execute(select(Review.title, Review.notes)).one() == (title, "-note")


def test_each_imported_review_is_in_the_audit_trail(sessions):
    _import(sessions, EXCEL)
    with sessions() as session:
        entries = session.execute(select(AuditEntry.actor, AuditEntry.field, AuditEntry.new)).all()
    assert entries == [("cli:test", "imported", "reviews.csv")] * 3


@pytest.mark.parametrize(("text", "problem"), [
    ("reference,colour\nA,red\n", "line 1: unknown columns colour"),
    ("title\nChild A\n", "line 1: the header has no reference column"),
    ("", "line 1: the file is empty"),
    ("reference,,title\nA,,x\n", "line 1: column 2 has no name"),
    ("reference,initiated\nA,2026-01-01\nB,31/02/2026\n", "line 3, initiated: `initiated=31/02/2026` is not a valid date: write it as YYYY-MM-DD"),
    ("reference,initiated\nA,2026-01-01\nB,2026-02-30\n", "line 3, initiated: `initiated=2026-02-30`"),
    ("reference,initiated\nA,01/13/2026\n", "line 2, initiated: `initiated=01/13/2026`"),
    ("reference,regime\nA,xyz\n", "line 2, regime: `regime=xyz` is not a regime"),
    ("reference\nA\nB\na\n", "line 4: review a is also on line 2"),
    ("reference\nSCR 1\n", "line 2, reference: `SCR 1` is not a review reference"),
    ("reference,title\nA,x,y\n", "line 2: more values than columns"),
    ("reference,title\nA," + "x" * 201 + "\n", "line 2, title: `title` is too long"),
    ("reference,initiated\nA,2099-01-01\n", "line 2: The initiated date 2099-01-01 is in the future"),
    ("reference,decision\nA,maybe\n", "line 2, decision: `decision=maybe` is not a decision: use review or no-review."),
    ("reference,url\nA,javascript:alert(1)\n", "line 2, url: `url=javascript:alert(1)` is not a web address"),
    # The rules the commands keep.
    ("reference,regime,initiated\nA,lcspr,2014-03-31\n", "line 2: A review whose initiated date is 2014-03-31 is an SCR"),
    ("reference,initiated\nA,1899-03-31\n", "line 2: The initiated date 1899-03-31 is before 1990"),
    ("reference,incident,aware\nA,2020-03-31,2020-03-30\n", "line 2: The aware date 2020-03-30 is before the incident date"),
    ("reference,initiated,delay_until\nA,2026-01-01,2027-01-01\n", "line 2: `A` has delay_until but no delay_reason"),
    ("reference,initiated,completed\nA,2026-03-02,2026-03-01\n", "line 2: The completed date 2026-03-01 is before the initiated date"),
    ("reference,initiated,completed,published\nA,2026-01-01,2026-03-02,2026-03-01\n", "line 2: The published date 2026-03-01 is before the completed date"),
    ("reference,initiated,completed,published\nA,2026-01-01,,2026-03-01\n", "line 2: `A` has published but no completed"),
    ("reference,completed\nA,2026-03-01\n", "line 2: `A` has completed but no initiated"),
    ("reference,initiated,withheld\nA,2026-01-01,2026-03-01\n", "line 2: `A` has withheld but no withheld_reason"),
    ("reference,initiated,referred\nA,2026-01-01,2026-03-01\n", "line 2: `A` has referred but no withheld"),
    ("reference,initiated,withheld,withheld_reason,referred\nA,2026-01-01,2026-03-02,Risk,2026-03-01\n", "line 2: The referred date 2026-03-01 is before the withheld date"),
    ("reference,initiated,completed,published,withheld,withheld_reason\nA,2016-01-01,2016-02-01,2016-03-01,2016-03-01,Risk\n", "line 2: `A` cannot be both published and withheld"),
])
def test_a_bad_csv_imports_nothing_and_names_the_line(sessions, text, problem):
    with pytest.raises(ImportFailed) as failed:
        _import(sessions, text)
    assert problem in str(failed.value)
    assert _count(sessions) == 0


def test_a_reference_already_stored_is_refused(sessions):
    _import(sessions, EXCEL)
    with pytest.raises(ImportFailed, match="line 2: review scr-2015-02 already exists"):
        _import(sessions, "reference\r\nscr-2015-02\r\n")


_REFERENCE_HINT = "is not a review reference: use letters, digits and -, e.g. SCR-2026-01."
_DATE_HINT = "is not a valid date: write it as YYYY-MM-DD (e.g. 2026-03-02) or today."


@pytest.mark.parametrize(("text", "problems"), [
    # Every bad line is reported, not only the first.
    ("reference,initiated\nA,soon\nB,2026-01-01\nC,later\n",
     [f"line 2, initiated: `initiated=soon` {_DATE_HINT}", f"line 4, initiated: `initiated=later` {_DATE_HINT}"]),
    # A record with a line break in a cell is named by the line it starts on.
    ('reference,title,notes\r\nA,ok,"one\ntwo"\r\nB?,"Child\nB\nthree",x\r\nC,"x\ny",z\r\nD!,x,y\r\n',
     [f"line 4, reference: `B?` {_REFERENCE_HINT}", f"line 9, reference: `D!` {_REFERENCE_HINT}"]),
])
def test_each_bad_line_is_named_by_the_line_it_starts_on(sessions, text, problems):
    with pytest.raises(ImportFailed) as failed:
        _import(sessions, text)
    assert failed.value.problems == problems


@pytest.mark.parametrize(("text", "problem"), [
    ('reference,title\r\nA,"' + "x" * 200_000 + '"\r\nB,ok\r\n',
     'line 2: a value is longer than 131,072 characters: is a closing quote (") missing?'),
    ("reference,title\r\nA,Child\x00A\r\n", "line 2: the title value holds a NUL character"),
    ("reference,Title,TITLE,reference\r\nA,x,y,A\r\n", "line 1: the column title is there 2 times (columns 2, 3): keep one"),
])
def test_oversized_fields_nuls_and_duplicate_headers_get_one_line_each(sessions, text, problem):
    with pytest.raises(ImportFailed) as failed:
        _import(sessions, text)
    message = str(failed.value)
    assert problem in message
    duplicates = [line for line in failed.value.problems if "times" in line]
    assert len(failed.value.problems) == (2 if duplicates else 1)
    assert all(len(line) < 200 for line in failed.value.problems)


def test_a_bad_line_after_batches_were_written_still_imports_nothing(sessions, monkeypatch):
    monkeypatch.setattr("scr.transfer.BATCH", 2)
    text = "reference,initiated\n" + "".join(f"R-{n},2026-01-0{1 + n}\n" for n in range(5)) + "R-9,someday\n"
    with pytest.raises(ImportFailed, match="line 7, initiated: `initiated=someday`"):
        _import(sessions, text)
    assert _count(sessions) == 0
    assert _count(sessions, AuditEntry) == 0


def test_update_changes_the_columns_given_through_the_audit_trail(sessions):
    _import(sessions, EXCEL)
    changed = _update(sessions, "\ufeffReference,Reviewer,Completed,Delay Reason\r\n"
                                "scr-2015-02,Dr Jones,29/02/2016,\r\n"
                                "SCR-2013-04,Ms Smith,30/07/2013,\r\n")
    assert changed == (1, 2)
    with sessions() as session:
        review = session.scalar(select(Review).where(Review.reference_key == "SCR-2015-02"))
        trail = session.execute(select(AuditEntry.actor, AuditEntry.field, AuditEntry.old, AuditEntry.new)
                                .where(AuditEntry.review_id == review.id, AuditEntry.field != "imported")
                                .order_by(AuditEntry.id)).all()
    assert (review.reviewer, review.completed.isoformat(), review.delay_reason, review.title) == (
        "Dr Jones", "2016-02-29", None, "Child C")
    assert trail == [("cli:test", "reviewer", None, "Dr Jones"), ("cli:test", "completed", None, "2016-02-29"),
                     ("cli:test", "delay_reason", "Criminal trial", None)]


@pytest.mark.parametrize(("text", "problem"), [
    ("reference,reviewer\nSCR-2015-02,Dr Jones\nSCR-9,Dr Who\n", "line 3: review SCR-9 not found"),
    ("reference,completed\nSCR-2015-02,2015-09-01\nSCR-2014-01,2014-03-01\n", "line 3: The completed date 2014-03-01 is before"),
    ("reference,withheld_reason\nSCR-2015-02,\nSCR-2014-01,\n", "line 3: `SCR-2014-01` has withheld but no withheld_reason"),
    ("reference,reviewer\nSCR-2015-02,Dr Jones\nscr-2015-02,Dr Who\n", "line 3: review scr-2015-02 is also on line 2"),
])
def test_update_is_all_or_nothing(sessions, text, problem):
    _import(sessions, EXCEL)
    before = _export(sessions)
    with pytest.raises(ImportFailed) as failed:
        _update(sessions, text)
    assert problem in str(failed.value)
    assert _export(sessions) == before
    assert _count(sessions, AuditEntry) == 3


def _populate(run) -> None:
    run('new SCR-1 initiated=2026-03-02 title="Child Ó" reviewer="Dr A Jones"')
    run('new SCR-2 initiated=2025-01-06 title="=cmd|\' /C calc\'!A0"')
    run('action SCR-1 add "Train the duty team" owner=U012AB3CD due=2027-01-31')
    run("action SCR-1 done 1 on=2026-11-01")
    run('delay SCR-1 reason="Criminal trial"')
    run("complete SCR-2 on=2025-07-01")
    run('withhold SCR-2 reason="Risk to a sibling"')
    run("refer SCR-2")
    run("grant U012AB3CD editor")


def test_a_backup_restores_exactly(run, sessions, engine):
    _populate(run)
    first = _backup(sessions)
    tables = json.loads(first)["tables"]
    for table in Base.metadata.sorted_tables:  # every table, every column of the models
        assert all(list(row) == list(table.c.keys()) for row in tables[table.name]), table.name
    assert [len(tables[name]) for name in ("reviews", "actions", "grants")] == [2, 1, 1]
    assert len(tables["audit"]) > 10
    _empty(engine)
    with db.transaction(sessions) as session:
        counts = restore_backup(session, io.StringIO(first))
    assert counts["reviews"] == 2 and counts["audit"] == len(tables["audit"])
    assert _backup(sessions) == first
    run("new SCR-3 initiated=2026-03-02")  # numbering carries on after the restored rows
    run('action SCR-1 add "Audit the plan" owner=U012AB3CD due=2027-01-31')


def test_a_backup_is_refused_onto_a_database_with_records(run, sessions):
    _populate(run)
    backup = _backup(sessions)
    with pytest.raises(ImportFailed) as failed, db.transaction(sessions) as session:
        restore_backup(session, io.StringIO(backup))
    assert str(failed.value).startswith("Nothing was imported: the database is not empty (it has grants, reviews")
    assert "\n" not in str(failed.value)


@pytest.mark.parametrize(("text", "problem"), [
    ("[1, 2]", "not a backup written by `scr export --format json`"),
    ('{"format": "scr-bot backup",\n "tables": {"reviews": [}}', "line 2: this is not a backup"),
    ('{"format": "scr-bot backup", "tables": {"dragons": []}}', "tables this version does not know (dragons)"),
    ('{"format": "scr-bot backup", "tables": {"grants": [{"user_id": "U1", "colour": "red"}]}}', "grants table is damaged"),
])
def test_a_damaged_backup_restores_nothing(sessions, text, problem):
    with pytest.raises(ImportFailed) as failed, db.transaction(sessions) as session:
        restore_backup(session, io.StringIO(text))
    assert problem in str(failed.value)
