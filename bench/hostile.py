"""Benchmark: the hostile-input suite (tests/bot/hostile.py) against the `web` process as the Procfile starts it.

Reports what the issue asks of it: requests tried, the worst latency, the worker's peak memory before and after,
and how much the log grew.

    python bench/hostile.py [--rounds 5] [--database-url URL]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import common  # noqa: F401  (puts the checkout on sys.path)

from scr import db
from tests.bot.hostile import run_suite
from tests.fakeslack import SIGNING_SECRET, FakeSlack
from tests.processes import web_process


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{folder}/bench.db"
        db.migrate(url)
        fake, log = FakeSlack(), Path(folder) / "web.log"
        try:
            with web_process(log, DATABASE_URL=url, SLACK_BOT_TOKEN="xoxb-test-token",
                             SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=fake.api_url) as (port, web):
                figures = run_suite(port, web.pid, log, rounds=args.rounds)
        finally:
            fake.close()
    print("\n".join(figures.lines()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
