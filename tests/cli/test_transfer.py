"""`scr import` and `scr export` as the operator runs them: files written the way Excel writes them, `scr` a process."""

import subprocess
import sys

import pytest

from scr.models import Base

# Excel (UK) "CSV UTF-8": a byte-order mark, CRLF, day-first dates, headers as typed, a cell with a line break
# (Alt+Enter), a quoted comma, and the empty rows and columns it keeps after the data.
EXCEL = (
    "\ufeffReference,Title,Initiated,Completed,Published,Withheld,Withheld Reason,Notes,\r\n"
    "SCR-1,Child Ó,02/03/2026,,,,,\"Trial in May,\nthen the report\",\r\n"
    "SCR-2,\"Child B, sibling\",3/1/2025,1/7/2025,,15/07/2025,Risk to a sibling,,\r\n"
    ",,,,,,,,\r\n"
).encode()


@pytest.fixture
def scr(database_url, sessions, tmp_path):
    """`scr ARGS…` in a child process against the test database: (exit status, stdout bytes, stderr text)."""
    env = {"DATABASE_URL": database_url, "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}

    def scr(*args: str):
        done = subprocess.run([sys.executable, "-m", "cli.main", *args], env=env, cwd=tmp_path,
                              capture_output=True, check=False)
        return done.returncode, done.stdout, done.stderr.decode()

    return scr


def _empty(engine) -> None:
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())


def test_a_spreadsheet_round_trip_through_excel(scr, tmp_path, engine):
    sheet = tmp_path / "reviews.csv"
    sheet.write_bytes(EXCEL)
    assert scr("import", str(sheet))[:2] == (0, f"Imported 2 reviews from {sheet}.\n".encode())
    status, exported, _ = scr("export")
    assert status == 0
    assert exported.startswith(b"\xef\xbb\xbfreference,title,regime,")  # UTF-8 with a byte-order mark
    assert "SCR-1,Child Ó,lcspr,".encode() in exported  # 2026: the regime follows the date
    assert exported.count(b",2026-03-02,") == 1
    assert b'"Trial in May, then the report"\r\n' in exported
    # The board edits the export in Excel, which saves dates day-first, and imports it as changes.
    edited = exported.replace(b"2026-03-02", b"02/03/2026").replace(b"SCR-1,Child \xc3\x93,", b"SCR-1,Child A,")
    (tmp_path / "edited.csv").write_bytes(edited)
    status, out, err = scr("import", "--update", str(tmp_path / "edited.csv"))
    assert (status, out, err) == (0, f"Updated 1 of the 2 reviews in {tmp_path / 'edited.csv'}.\n".encode(), "")
    status, history, _ = scr("history", "SCR-1")
    assert "title Child Ó → Child A" in history.decode()
    (tmp_path / "exported.csv").write_bytes(scr("export")[1])
    _empty(engine)
    assert scr("import", str(tmp_path / "exported.csv"))[0] == 0
    assert scr("export")[1] == edited.replace(b"02/03/2026", b"2026-03-02")


def test_a_bad_spreadsheet_imports_nothing(scr, tmp_path):
    sheet = tmp_path / "bad.csv"
    sheet.write_bytes(EXCEL.replace(b"1/7/2025", b"1/7/2024").replace(b"Risk to a sibling", b""))
    status, out, err = scr("import", str(sheet))
    assert (status, out) == (1, b"")
    assert err == ("Nothing was imported: line 4: The completed date 2024-07-01 is before the initiated date 2025-01-03: "
                   "check both dates (YYYY-MM-DD).\n")
    assert scr("export")[1].count(b"\r\n") == 1
    status, _, err = scr("import", "--update", str(tmp_path / "missing.csv"))
    assert status == 1 and "cannot read" in err
    assert scr("import")[0] == 2


def test_a_backup_restores_exactly_and_only_into_an_empty_database(scr, tmp_path, engine):
    for command in (["new", "SCR-1", "initiated=2026-03-02", "title=Child Ó"],
                    ["action", "SCR-1", "add", "Train the duty team", "owner=U012AB3CD", "due=2027-01-31"],
                    ["delay", "SCR-1", "reason=Criminal trial"],
                    ["grant", "U012AB3CD", "editor"]):
        assert scr(*command)[0] == 0, command
    status, first, _ = scr("export", "--format", "json")
    assert status == 0
    backup = tmp_path / "backup.json"
    backup.write_bytes(first)
    status, out, err = scr("import", str(backup))
    assert (status, out) == (1, b"")
    assert err.startswith("Nothing was imported: the database is not empty") and err.count("\n") == 1
    _empty(engine)
    status, out, _ = scr("import", str(backup))
    assert status == 0 and out.startswith(f"Restored {backup}: ".encode())
    assert scr("export", "--format=json")[1] == first
    assert scr("new", "SCR-2", "initiated=2026-03-02")[0] == 0
    assert scr("export", "--format", "xml")[0] == 2
