import fcntl
import io
import os
import pty
import re
import select
import subprocess
import sys
import tempfile
import termios
import time
from datetime import datetime

from cli.demo import PROMPT, run_demo
from scr.settings import load_settings
from tests.conftest import LONDON, NOW
from tests.processes import ROOT, process_env


def _demo(lines, now=NOW) -> str:
    out = io.StringIO()
    assert run_demo(load_settings(_env_file=None), lines=lines, out=out, now=now) == 0
    return out.getvalue()


def test_the_demo_shows_reviews_in_every_state_and_todays_notices():
    output = _demo(["status SCR-DEMO-03", "/scr list all", "complete LCSPR-DEMO-07",
                    "publish LCSPR-DEMO-07", "status", "list held", ""])
    assert "Open reviews: 8, 3 overdue, 1 needing referral to the national panel" in output
    # The digest counts what status lists, a held review with no deadline running included.
    assert "  Open reviews: 8\n" in output
    assert "(2): SCR-DEMO-01 (until no end date), LCSPR-DEMO-08 (until 2026-12-25)" in output
    assert "[#scr-escalations] Escalation: Completion of the final report for SCR-DEMO-02 (Child B) is overdue" in output
    assert ("[#scr-escalations] Escalation: Decision not to publish referred to the Child Safeguarding Practice "
            "Review Panel, the national panel for SCR-DEMO-03 (Child C) is overdue") in output
    assert "[#scr-reminders] The hold on LCSPR-DEMO-09 (Child I) was expected to end on 2026-11-22" in output
    assert "[#scr-escalations] Escalation: Completion and publication for LCSPR-DEMO-09 (Child I)" in output
    assert "LCSPR-DEMO-08" not in output.split("Notices due today")[1].split("Weekly digest")[0]  # held: paused
    assert "LCSPR-DEMO-10" not in output.split("Type a /scr command")[0]  # no review: nothing due, nothing said
    assert "[#scr-reminders] Weekly digest" in output
    assert "!! Needs referral to the national panel" in output  # status SCR-DEMO-03, in terminal form
    assert "All reviews: 12" in output
    assert "Recorded: LCSPR-DEMO-07 completed on 2026-11-25." in output  # never inferred from the publication
    assert "Recorded: LCSPR-DEMO-07 published on 2026-11-25." in output
    assert "Open reviews: 7" in output  # the last status, after publishing
    assert "Held reviews: 2" in output and "SCR-DEMO-01 Child A: completed 2019-07-01 (held" in output


def test_on_a_weekend_the_demo_says_when_notices_go_out():
    output = _demo([], now=datetime(2026, 11, 28, 10, 0, tzinfo=LONDON))
    assert "No notices today (Saturday 28 November is not a working day); they wait for Monday 30 November." in output


def test_the_prompt_takes_scr_and_slash_scr_ignores_empty_lines_and_quit_leaves():
    output = _demo(["", "scr help", "   ", "/scr status LCSPR-DEMO-10", "quit", "status"])
    assert "I don't know" not in output
    assert "scr status [REF]" in output or "status REF" in output  # the help answered
    assert "No review needed" in output or "no-review" in output.lower()  # LCSPR-DEMO-10's decision
    assert output.count("Open reviews: 8,") == 1  # the status after quit was never run


def test_the_demo_removes_its_temporary_database(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    output = _demo(["status SCR-DEMO-01"])
    assert "SCR-DEMO-01" in output
    assert list(tmp_path.iterdir()) == []


def test_at_a_terminal_the_prompt_edits_lines_and_recalls_history(tmp_path):
    """`scr demo` on a real terminal (a pseudo-terminal): backspace edits, Up recalls the last command, Ctrl-C drops
    a line and Ctrl-D leaves, and nothing is left in the temporary folder."""
    primary, secondary = pty.openpty()
    env = process_env(TMPDIR=str(tmp_path), HOME=str(tmp_path), TERM="xterm")
    demo = subprocess.Popen([sys.executable, "-m", "cli.main", "demo"], stdin=secondary, stdout=secondary,
                            stderr=secondary, env=env, cwd=ROOT, start_new_session=True,
                            preexec_fn=_controlling_terminal)
    os.close(secondary)
    screen = _Screen(primary)
    try:
        prompt = "\r\n" + PROMPT  # a prompt, not the "/scr" of a hint
        answered = "No actions yet." + prompt  # the end of an answer to status SCR-DEMO-03, and the next prompt
        screen.wait_for("Ctrl-D leaves." + prompt)
        screen.type("status SCR-DEMO-04\x7f3\r")  # a typo, rubbed out
        screen.wait_for(answered)
        screen.type("\x1b[A\r")  # Up: the same command again
        screen.wait_for(answered, times=2)
        screen.type("list al\x03")  # Ctrl-C: the line is dropped, the demo goes on
        screen.wait_for("(quit or Ctrl-D leaves)" + prompt)
        screen.type("\x04")  # Ctrl-D
        assert demo.wait(timeout=30) == 0
    finally:
        demo.kill()
        os.close(primary)
    answers = screen.text.split("Type a /scr command")[1]
    assert answers.count("Needs referral to the national panel") == 2  # SCR-DEMO-03, asked twice
    assert "Child D" not in answers and "All reviews" not in answers  # the typo and the dropped line never ran
    assert "I don't know" not in screen.text and "^[[A" not in screen.raw
    assert list(tmp_path.iterdir()) == []


def _controlling_terminal() -> None:
    """In the child, after `setsid`: its terminal becomes the controlling one, so that Ctrl-C is an interrupt."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class _Screen:
    """What a pseudo-terminal shows, read as it arrives, without the terminal's control sequences (readline may
    switch modes such as bracketed paste around each prompt)."""

    def __init__(self, fd: int):
        self.fd, self.raw = fd, ""

    @property
    def text(self) -> str:
        return _CONTROL_SEQUENCE.sub("", self.raw)

    def type(self, keys: str, seconds: float = 60) -> None:
        """Keys typed once readline has the terminal (canonical mode off): keys sent while it readies the terminal,
        just after the prompt shows, can be discarded."""
        deadline = time.monotonic() + seconds
        while termios.tcgetattr(self.fd)[3] & termios.ICANON:
            assert time.monotonic() < deadline, f"readline never took the terminal:\n{self.raw[-2000:]!r}"
            time.sleep(0.01)
        os.write(self.fd, keys.encode())

    def wait_for(self, words: str, times: int = 1, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while self.text.count(words) < times:
            ready, _, _ = select.select([self.fd], [], [], max(0.0, deadline - time.monotonic()))
            assert ready, f"waited {seconds} s for {words!r} ({times}x); the screen shows:\n{self.raw[-6000:]!r}"
            try:
                self.raw += os.read(self.fd, 65536).decode(errors="replace")
            except OSError:  # the demo ended and closed the terminal
                raise AssertionError(f"the demo ended before showing {words!r}:\n{self.raw[-6000:]!r}") from None


_CONTROL_SEQUENCE = re.compile(r"\x1b(\[[0-9;?]*[A-Za-z]|[=>])")
