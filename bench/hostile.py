"""Benchmark: the hostile-input suite (tests/bot/hostile.py) against the `web` process as the Procfile starts it.

Reports what the issue asks of it: requests tried, the worst latency, the worker's peak memory before and after,
and how much the log grew.

    python bench/hostile.py [--rounds 5] [--database-url URL]
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from common import ROOT

from scr import db
from tests.bot.hostile import run_suite
from tests.fakeslack import SIGNING_SECRET, FakeSlack, slash_command
from tests.processes import free_port, process_env, procfile_command, wait_until_healthy


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{folder}/bench.db"
        db.migrate(url)
        fake, port, log = FakeSlack(), free_port(), Path(folder) / "web.log"
        env = process_env(PORT=str(port), DATABASE_URL=url, SLACK_BOT_TOKEN="xoxb-test-token",
                          SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=fake.api_url)
        with log.open("w") as out:
            web = subprocess.Popen(procfile_command("web"), cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            wait_until_healthy(web, port)
            slash_command(f"http://127.0.0.1:{port}/slack/events", "help")  # the worker has served once
            figures = run_suite(port, web.pid, log, rounds=args.rounds)
        finally:
            web.send_signal(signal.SIGTERM)
            web.wait(timeout=30)
            fake.close()
    print("\n".join(figures.lines()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
