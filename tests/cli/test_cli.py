import subprocess
import sys

import pytest

from cli.main import main


@pytest.fixture
def scr(monkeypatch, database_url, sessions, capsys, tmp_path):
    """`scr ARGS…` against the test database: (exit status, stdout, stderr)."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.chdir(tmp_path)

    def scr(*args: str):
        status = main(list(args))
        out, err = capsys.readouterr()
        return status, out, err

    return scr


def test_every_verb_from_the_shell(scr):
    assert scr("new", "SCR-1", "initiated=2026-03-02", "title=Child A")[:2] == (0, "Created review SCR-1, due 2026-09-02.\n")
    assert scr("update", "SCR-1", "reviewer=Dr A Jones")[0] == 0
    assert scr("action", "SCR-1", "add", "Train the duty team", "owner=U012AB3CD", "due=2027-01-31")[0] == 0
    assert scr("delay", "SCR-1", "reason=Criminal trial")[0] == 0
    assert scr("complete", "SCR-1", "on=2026-10-01")[0] == 0
    assert scr("withhold", "SCR-1", "reason=Risk to sibling")[0] == 0
    status, out, _ = scr("status", "SCR-1")
    assert status == 0
    assert "Needs referral to the national panel" in out and "1. Train the duty team" in out
    assert "Independent reviewer: Dr A Jones" in out
    assert scr("refer", "SCR-1")[0] == 0
    status, out, _ = scr("history", "SCR-1")
    assert "cli:" in out and "reviewer — → Dr A Jones" in out and "referred — → 2026-" in out
    assert scr("grant", "U012AB3CD", "editor")[1] == "U012AB3CD is now editor.\n"
    assert scr("revoke", "U012AB3CD")[0] == 0
    assert scr("list", "withheld")[1].startswith("Withheld reviews: 1")
    assert scr("help")[1].startswith("scr-bot keeps")


def test_errors_go_to_stderr_with_a_nonzero_status(scr):
    status, out, err = scr("publish", "NOPE")
    assert (status, out) == (1, "")
    assert "NOPE not found" in err
    assert "Try scr help" in scr("wibble")[2]
    assert "YYYY-MM-DD" in scr("new", "X", "initiated=31/02/2026")[2]


def test_the_console_script_takes_shell_quoting(database_url, sessions, tmp_path):
    env = {"DATABASE_URL": database_url, "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    scr = f"{sys.executable} -m cli.main"
    created = subprocess.run(f'{scr} new SCR-7 initiated=2026-03-02 title="Child A"', shell=True, env=env,
                             capture_output=True, text=True, cwd=tmp_path, check=False)
    assert created.returncode == 0, created.stderr
    shown = subprocess.run(f"{scr} status SCR-7", shell=True, env=env, capture_output=True, text=True, cwd=tmp_path)
    assert "SCR-7 Child A" in shown.stdout


def test_a_bad_setting_is_one_line(monkeypatch, capsys):
    monkeypatch.setenv("SCR_TIMEZONE", "Nowhere/Else")
    assert main(["status"]) == 2
    assert capsys.readouterr().err.strip().count("\n") == 0


def test_an_unreachable_database_is_one_line(monkeypatch, capsys, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")
    assert main(["status"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("scr: cannot use the database (postgresql://nobody@127.0.0.1:1/none)")
    assert "Traceback" not in err


def test_the_report_on_paper(scr, tmp_path):
    scr("new", "SCR-1", "initiated=2025-05-01", "regime=lcspr")
    scr("publish", "SCR-1", "on=2025-10-31")
    status, out, _ = scr("report", "--format", "html", "--period", "2025/26", "--out", "board.html")
    assert status == 0 and out == "Wrote the report for the year 2025/26 (April to March) (html) to board.html.\n"
    document = (tmp_path / "board.html").read_text(encoding="utf-8")
    assert document.count("<svg") == 2 and "SCR-1" in document
    status, out, _ = scr("report", "--format", "csv", "--from", "2025-04-01", "--to", "2026-03-31")
    assert status == 0 and out.splitlines()[1].startswith("SCR-1,")
    status, out, _ = scr("report", "--format", "md")
    assert status == 0 and out.startswith("## Board's report: the twelve months to")
    assert scr("report")[1].startswith("Board's report: the twelve months to")


def test_a_bad_report_request_is_one_line(scr):
    status, _, err = scr("report", "--period", "2025/27")
    assert status == 1 and err.startswith("scr report: period= takes a partnership year")
    status, _, err = scr("report", "--from", "2026-02-01", "--to", "2026-01-01")
    assert status == 1 and "after it ends" in err
    assert scr("report", "--format", "pdf")[0] == 2


@pytest.mark.parametrize(("completed", "headline"), [
    ("2019-06-03", "Completion of the final report: due 2019-07-10, done 2019-06-03 (on time)"),
    ("2019-07-15", "Completion of the final report: due 2019-07-10, done 2019-07-15 (5 days late)"),
    (None, "Completion of the final report: due 2019-07-10, "),  # then "N days overdue", N counted to today
])
def test_the_headline_says_whether_the_six_months_were_met(scr, completed, headline):
    """An SCR has no publication deadline: once completed, its headline never calls it overdue (DOMAIN.md)."""
    scr("new", "C1", "initiated=2019-01-10", "regime=scr")
    if completed:
        scr("complete", "C1", f"on={completed}")
    line = next(line for line in scr("status", "C1")[1].splitlines() if line.startswith("Completion"))
    assert line.startswith(headline)
    assert line.endswith("overdue") == (completed is None)


@pytest.mark.parametrize("verb", ["status", "new", "update", "rapid", "decide", "delay", "refer", "grant", "import"])
def test_help_verb_tells_what_the_verb_does_after_its_form(scr, verb):
    status, out, _ = scr("help", verb)
    form, *more = out.strip().splitlines()
    assert status == 0 and form.startswith(f"scr {verb}")
    assert len(" ".join(more)) > 40  # a sentence of what it does, not only the form
