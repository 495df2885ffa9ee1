"""Start the processes of the Procfile as Heroku would, with a clean environment."""

from __future__ import annotations

import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def procfile_command(process: str) -> list[str]:
    for line in (ROOT / "Procfile").read_text().splitlines():
        name, _, command = line.partition(":")
        if name == process:
            return shlex.split(command)
    raise LookupError(process)


def process_env(**values: str) -> dict[str, str]:
    """This environment without any SLACK_/SCR_/TEAMS_ settings, the venv first on PATH, plus `values`."""
    ours = ("SLACK_", "SCR_", "DATABASE_", "TEAMS_")
    env = {key: value for key, value in os.environ.items() if not key.startswith(ours)}
    bin_dir = str(Path(sys.executable).parent)
    return {**env, "PATH": f"{bin_dir}:{env.get('PATH', '')}", "WEB_CONCURRENCY": "1", **values}


def bot_env(settings, **values: str) -> dict[str, str]:
    """The environment for a process of this test's settings (database, fake Slack, channels)."""
    return process_env(**{
        "DATABASE_URL": settings.database_url, "SLACK_BOT_TOKEN": settings.slack_bot_token,
        "SLACK_SIGNING_SECRET": settings.slack_signing_secret, "SLACK_API_URL": settings.slack_api_url,
        "SCR_REMINDER_CHANNEL": settings.scr_reminder_channel, "SCR_ESCALATION_CHANNEL": settings.scr_escalation_channel,
        **values,
    })


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_healthy(process: subprocess.Popen, port: int, seconds: float = 20) -> None:
    """Poll /healthz until it says ok; fail with the process's output if it dies or takes too long."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
                assert json.loads(response.read()) == {"status": "ok"}
                return
        except OSError:
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
            assert time.monotonic() < deadline, f"web did not answer /healthz within {seconds} seconds"
            time.sleep(0.2)


@contextmanager
def web_process(log: Path, **values: str) -> Iterator[tuple[int, subprocess.Popen]]:
    """`web` as the Procfile starts it, on a free port, with `values` in its environment and its output (stdout and
    stderr) in `log`; once it answers /healthz and has served a signed `/scr help`: (port, its gunicorn master)."""
    from tests.fakeslack import slash_command

    port = free_port()
    with log.open("w") as out:
        web = subprocess.Popen(procfile_command("web"), cwd=ROOT, env=process_env(PORT=str(port), **values),
                               stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_until_healthy(web, port)
        status, _ = slash_command(f"http://127.0.0.1:{port}/slack/events", "help")
        assert status == 200
        yield port, web
    finally:
        web.send_signal(signal.SIGTERM)
        web.wait(timeout=30)
