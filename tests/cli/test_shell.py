"""`scr` as an operator meets it: the console script in a subprocess, from a shell."""

import os
import shlex
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import update

from scr import db, grammar
from scr.models import Review
from tests.conftest import NOW, TODAY
from tests.processes import process_env

SCR = str(Path(sys.executable).parent / "scr")


@pytest.fixture
def shell(database_url, sessions, tmp_path):
    """Run a shell command line with `scr` on PATH against the test database: (status, stdout, stderr)."""
    env = process_env(DATABASE_URL=database_url, HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path / "data"),
                      XDG_CONFIG_HOME=str(tmp_path / "config"))

    def shell(line: str, **extra: str | None):
        run_env = {key: value for key, value in {**env, **extra}.items() if value is not None}
        done = subprocess.run(["bash", "-o", "pipefail", "-c", line], cwd=tmp_path, env=run_env,
                              capture_output=True, text=True, timeout=120)
        return done.returncode, done.stdout, done.stderr

    return shell


def test_help_and_version_explain_themselves_without_touching_a_database(shell, tmp_path):
    nowhere = tmp_path / "nowhere" / "scr.db"
    env = {"DATABASE_URL": f"sqlite:///{nowhere}"}
    for line in ("scr --help", "scr -h", "scr help", "scr"):
        status, out, err = shell(line, **env)
        assert (status, err) == (0, ""), line
        for verb in [*grammar.USAGE, "import", "export", "demo", "migrate", "info"]:
            assert f"• scr {verb}" in out, (line, verb)
    status, out, _ = shell("scr help export", **env)
    assert out.startswith("scr export [--format csv|json]\n") and "standard output" in out
    assert shell("scr status --help", **env)[1].startswith("scr status [REF]")
    assert shell("scr help migrate", **env)[1].startswith("scr migrate\n")
    status, out, err = shell("scr --version", **env)
    assert (status, err) == (0, "")
    assert out.startswith("scr-bot 0.1.0 ") and f"database: {nowhere}" in out and "not created yet" in out
    assert "database: " in shell("scr info", **env)[1]
    assert not nowhere.parent.exists()


def test_the_default_database_is_one_per_user_and_a_new_one_is_announced(shell, tmp_path):
    (tmp_path / "elsewhere").mkdir()
    env = {"DATABASE_URL": None}
    database = tmp_path / "data" / "scr-bot" / "scr.db"
    status, _, err = shell("scr new SCR-1 initiated=2026-03-02", **env)
    assert status == 0 and err == f"scr: created a new database at {database} (set DATABASE_URL to use another)\n"
    status, out, err = shell("cd elsewhere && scr status", **env)
    assert (status, err) == (0, "") and "SCR-1" in out  # the same database, not a new empty one
    assert not (tmp_path / "elsewhere" / "scr.db").exists() and not (tmp_path / "scr.db").exists()
    assert f"database: {database}" in shell("scr --version", **env)[1]


def test_the_terminal_shows_what_is_stored_without_slack_mark_up(shell, sessions):
    assert shell("scr new SCR-1 initiated=2026-03-02 'title=*Child* A <b> & co'")[0] == 0
    assert shell("scr action SCR-1 add 'Train the team' owner=U012AB3CD due=2026-04-01")[0] == 0
    with db.transaction(sessions) as session:  # stored before control characters were refused, or by hand
        session.execute(update(Review).values(delay_reason="Trial\x1b[2J\x07 \u202eevil"))
    status, out, err = shell("scr status SCR-1")
    assert (status, err) == (0, "")
    assert out.startswith("SCR-1 *Child* A <b> & co\n")  # the title exactly as stored
    assert "(U012AB3CD, due 2026-04-01, " in out  # a user as an ID
    assert "publication paused): Trial\\x1b[2J\\x07 \\u202eevil" in out
    assert "!! " in out  # overdue, flagged in words a terminal shows
    for markup in ("`", "<@", ":rotating_light:", "&amp;", "&lt;", "\x1b", "/scr"):
        assert markup not in out, markup
    assert shell("scr grant U012AB3CD editor")[1] == "U012AB3CD is now editor.\n"
    assert shell("scr status NOPE")[2] == "Review NOPE not found. scr list all shows every review.\n"


@pytest.mark.parametrize("value", [
    """title='He said "hi"'""",
    r'''title="He said \"hi\""''',
    r'''"title=He said \"hi\""''',
])
def test_double_quotes_inside_a_value_are_kept(shell, value):
    assert shell("scr new SCR-1 initiated=2026-03-02")[0] == 0
    status, _, err = shell(f"scr update SCR-1 {value}")
    assert (status, err) == (0, "")
    assert shell("scr status SCR-1")[1].startswith('SCR-1 He said "hi"\n')


def test_a_typed_name_gets_the_same_answer_in_the_shell_as_in_slack(shell):
    assert shell("scr new SCR-1 initiated=2026-03-02")[0] == 0
    status, _, err = shell("scr action SCR-1 add 'Train the team' owner=@jane due=2026-04-01")
    with pytest.raises(grammar.CommandError) as slack:
        grammar.parse('action SCR-1 add "Train the team" owner=@jane due=2026-04-01', TODAY)
    assert status == 1
    assert "@jane is a name, not a user ID" in err and "give the ID itself (e.g. U012AB3CD" in err
    assert err.strip() == slack.value.message.replace("`", "")


def test_quiet_on_a_closed_pipe(shell, sessions):
    with db.transaction(sessions) as session:  # more than a pipe holds, so that `head` leaves while scr writes
        session.add_all(Review(reference=f"SCR-{n}", reference_key=f"SCR-{n}", title="Child " + "x" * 80,
                               regime="lcspr", initiated=date(2026, 1, 1), created_at=NOW) for n in range(1500))
    status, out, err = shell("scr list all | head -1")
    assert out.startswith("All reviews: 1500") and out.count("\n") == 1
    assert err == "" and status == 141  # 128 + SIGPIPE, as for any tool whose reader left

    reader, writer = os.pipe()
    os.close(reader)  # a reader that is gone before the first line
    with os.fdopen(writer, "w") as closed:
        done = subprocess.run(shlex.split(f"{SCR} help"), stdout=closed, stderr=subprocess.PIPE, text=True)
    assert (done.returncode, done.stderr) == (141, "")


def test_help_rules_prints_the_rulebooks_with_their_sources_without_a_database(shell, tmp_path):
    nowhere = tmp_path / "nowhere" / "scr.db"
    status, out, err = shell("scr help rules", DATABASE_URL=f"sqlite:///{nowhere}")
    assert status == 0, err
    assert "Child Safeguarding Practice Review Panel" in out or "national panel" in out
    assert "unconfirmed" in out.lower()
    assert "scr import" not in out  # the rules, not the list of verbs
    assert "from 2018-06-29 to 2019-09-28, an SCR unless regime=lcspr" in out  # the last day a choice exists
    assert "Decision not to publish justified to the Panel and the Secretary of State" in out
    assert "Rapid review: 15 working days after aware (else incident), met by rapid; no deadline until notified" in out
    assert not nowhere.exists()
