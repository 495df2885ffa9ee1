"""Benchmark: `python -m jobs --once` over 100,000 reviews in mixed states, against a fake Slack on loopback.

    python bench/jobs_scale.py [--reviews 100000] [--database-url URL]

Reports wall time, peak memory and SQL statements of the run as a separate process: the first run of the day
(planning, then delivering every notice due) and a second run of the same day (planning only: nothing is new).
It repeats the second run over a tenth of the reviews, to show that the statements do not grow with them.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from datetime import date

from common import measure, seed_reviews, statement_counter

from scr.deadlines import next_working_day
from scr.settings import load_settings

TODAY = date.today()
AS_OF = next_working_day(TODAY)


def child(as_of: str) -> None:
    """Run `python -m jobs --once` in this process, counting every SQL statement it sends."""
    from jobs.__main__ import main

    statements = statement_counter()
    status = main(["--once", "--as-of", as_of])
    print(f"statements: {statements()}")
    sys.exit(status)


def run(url: str, api_url: str, label: str) -> None:
    env = {"DATABASE_URL": url, "SLACK_BOT_TOKEN": "xoxb-test-token", "SLACK_API_URL": api_url,
           "SCR_REMINDER_CHANNEL": "C0REMIND", "SCR_ESCALATION_CHANNEL": "C0ESCALATE"}
    result = measure([sys.executable, __file__, "--child", AS_OF.isoformat()], env)
    delivered = re.search(r"(\d+) notices delivered", result.output).group(1)
    statements = re.search(r"statements: (\d+)", result.output).group(1)
    print(f"  {label:<34} {result.seconds:5.2f} s, peak {result.peak_mb:4.0f} MB, {statements:>6} SQL statements, "
          f"{delivered} notices delivered")


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2])
        return
    if sys.argv[1:2] == ["--seed"]:  # in a process of its own, so that the measured runs inherit none of it
        seed_reviews(sys.argv[2], int(sys.argv[3]), TODAY)
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--reviews", type=int, default=100_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    from tests.fakeslack import FakeSlack

    url = load_settings(database_url=args.database_url or f"sqlite:///{tempfile.mkdtemp()}/jobs.db",
                        _env_file=None).database_url
    fake = FakeSlack()
    try:
        for count in (args.reviews, args.reviews // 10):
            measure([sys.executable, __file__, "--seed", url, str(count)])
            print(f"{count:,} reviews on {url.split(':')[0]}, as of {AS_OF}:")
            run(url, fake.api_url, "first run of the day")
            run(url, fake.api_url, "the same day again")
    finally:
        fake.close()


if __name__ == "__main__":
    main()
