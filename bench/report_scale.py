"""Benchmark: the board's report over 100,000 reviews (and 10,000 of their actions), each run a process of its own.

    python bench/report_scale.py [--reviews 100000] [--database-url URL]

Reports wall time, peak memory and SQL statements of `scr report` for the last twelve months as text (the figures
alone), as the HTML paper (figures, both charts drawn as SVG, the template), and as CSV over every review since 1990
(the worst case: every review on the timeline). It repeats them over a tenth of the reviews, to show that the
statements do not grow with them.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from datetime import date, timedelta

from common import measure, seed_reviews, statement_counter
from sqlalchemy import insert, select

from scr import db
from scr.models import Action, Review
from scr.settings import load_settings

TODAY = date.today()
RUNS = (("figures, last 12 months (text)", ["--format", "text"]),
        ("paper, last 12 months (html)", ["--format", "html"]),
        ("every review since 1990 (csv)", ["--format", "csv", "--from", "1990-01-01"]))


def child(args: list[str]) -> None:
    """Run `scr report ARGS` in this process, counting every SQL statement it sends."""
    from cli.main import main

    statements = statement_counter()
    status = main(["report", *args])
    print(f"statements: {statements()}")
    sys.exit(status)


def seed(url: str, count: int) -> None:
    seed_reviews(url, count, TODAY)
    engine = db.make_engine(url)
    # One action for every tenth review, in every state: open, overdue, done with and without evidence, judged.
    with engine.begin() as connection:
        rows = []
        reviews = connection.execute(select(Review.id, Review.initiated).where(Review.id % 10 == 0))
        for n, (review_id, initiated) in enumerate(reviews):
            due = initiated + timedelta(days=200)
            done = due - timedelta(days=10) if n % 3 else None
            rows.append({"review_id": review_id, "number": 1, "text": "Audit referrals", "owner": "U0OWNER",
                         "due": due, "done": done if done and done <= TODAY else None,
                         "evidence": "register" if n % 2 else None,
                         "impact": ("effective", "partly", "not", None)[n % 4] if done and done <= TODAY else None,
                         "impact_on": done + timedelta(days=90) if done and done + timedelta(days=90) <= TODAY
                         else None})
        for start in range(0, len(rows), 5000):
            connection.execute(insert(Action), rows[start:start + 5000])


def run(url: str, label: str, args: list[str], out: str) -> None:
    result = measure([sys.executable, __file__, "--child", *args, "--out", out], {"DATABASE_URL": url})
    statements = re.search(r"statements: (\d+)", result.output).group(1)
    print(f"  {label:<34} {result.seconds:5.2f} s, peak {result.peak_mb:4.0f} MB, {statements:>3} SQL statements")


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2:])
        return
    if sys.argv[1:2] == ["--seed"]:  # in a process of its own, so that the measured runs inherit none of it
        seed(sys.argv[2], int(sys.argv[3]))
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--reviews", type=int, default=100_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    folder = tempfile.mkdtemp()
    url = load_settings(database_url=args.database_url or f"sqlite:///{folder}/report.db", _env_file=None).database_url
    for count in (args.reviews, args.reviews // 10):
        measure([sys.executable, __file__, "--seed", url, str(count)])
        print(f"{count:,} reviews on {url.split(':')[0]}, as of {TODAY}:")
        for label, options in RUNS:
            run(url, label, options, f"{folder}/report.out")


if __name__ == "__main__":
    main()
