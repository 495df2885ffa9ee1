"""Benchmark: `scr import` of 100,000 rows, then `scr status` over them. Wall time and peak memory of each.

    python bench/import_status.py [--rows 100000] [--database-url URL]

Without --database-url it uses a new SQLite file; give the PostgreSQL URL to measure that instead (the tables are
emptied first).
"""

from __future__ import annotations

import argparse
import csv
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

from common import measure, review_rows

from scr.transfer import COLUMNS


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="scr-bench-"))
    url = args.database_url or f"sqlite:///{folder / 'bench.db'}"
    if args.database_url:
        from sqlalchemy import text

        from scr import db
        from scr.settings import load_settings

        url = load_settings(database_url=url, _env_file=None).database_url
        db.migrate(url)
        with db.make_engine(url).begin() as connection:
            connection.execute(text("TRUNCATE audit, actions, notices, snoozes, grants, reviews"))
    source = folder / "reviews.csv"
    with source.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(review_rows(args.rows, date.today()))
    env = {"DATABASE_URL": url}
    scr = [sys.executable, "-m", "cli.main"]
    measure([*scr, "migrate"], env)
    imported = measure([*scr, "import", str(source)], env)
    print(f"scr import {args.rows:,} rows: {imported.seconds:.2f} s, peak {imported.peak_mb:.0f} MB "
          f"({imported.output.strip()})")
    status = measure([*scr, "status"], env)
    print(f"scr status ({status.output.splitlines()[0]}): {status.seconds:.2f} s, peak {status.peak_mb:.0f} MB")
    one = measure([*scr, "status", "SCR-B000197"], env, stdout=subprocess.DEVNULL)
    print(f"scr status SCR-B000197: {one.seconds:.2f} s, peak {one.peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
