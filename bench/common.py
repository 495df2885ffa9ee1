"""Helpers shared by the benchmarks: a child process's wall time and peak memory, and sample data."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


@dataclass
class Measured:
    seconds: float
    peak_mb: float
    output: str


def measure(command: list[str], env: dict[str, str] | None = None, stdout=subprocess.PIPE) -> Measured:
    """Run `command`, returning its wall time and peak resident memory (from the kernel's rusage of that child)."""
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=stdout,
                             stderr=subprocess.STDOUT, text=True)
    output = child.stdout.read() if child.stdout else ""
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{output}")
    return Measured(seconds, usage.ru_maxrss / 1024, output)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def summary(values: list[float]) -> str:
    return f"median {statistics.median(values) * 1000:.2f} ms, p95 {percentile(values, 0.95) * 1000:.2f} ms"


def review_rows(count: int, today: date):
    """`count` reviews in mixed states, dated around `today`: mostly closed, as a board's history is."""
    for n in range(count):
        initiated = today - timedelta(days=30 + (n * 7919) % 3000)
        # No regime: it follows the date, as the import settles it.
        row = {"reference": f"SCR-B{n:06d}", "title": f"Child {chr(65 + n % 26)}", "initiated": initiated.isoformat()}
        bucket = n % 200
        if bucket < 188:
            row["completed"] = row["published"] = min(initiated + timedelta(days=150 + n % 90), today).isoformat()
        elif bucket < 197:  # a completed report withheld (a decision not to publish is about a completed report)
            row["completed"] = min(initiated + timedelta(days=160), today).isoformat()
            row["withheld"] = min(initiated + timedelta(days=170), today).isoformat()
            if bucket < 196:
                row["withheld_reason"], row["referred"] = "Identifies a sibling", row["withheld"]
            else:
                row["withheld_reason"] = "Parallel inquest"
        else:  # open: due any time from long ago to six months ahead
            row["initiated"] = (today - timedelta(days=(n * 31) % 400)).isoformat()
        yield row


def statement_counter():
    """Count every SQL statement this process sends from now on: call the result for the count so far."""
    from sqlalchemy import Engine, event

    statements = 0

    def count(*_args) -> None:
        nonlocal statements
        statements += 1

    event.listen(Engine, "before_cursor_execute", count)
    return lambda: statements


def seed_reviews(url: str, count: int, today: date) -> None:
    """An empty database at `url` (migrated) filled with `count` reviews of `review_rows`, through `scr import`."""
    import csv
    import io
    from datetime import datetime

    from sqlalchemy import text

    from scr import db
    from scr.service import Actor
    from scr.transfer import COLUMNS, import_reviews

    db.migrate(url)
    engine = db.make_engine(url)
    with engine.begin() as connection:
        for table in ("notices", "audit", "actions", "reviews"):
            connection.execute(text(f"DELETE FROM {table}"))
    source = io.StringIO()
    writer = csv.DictWriter(source, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(review_rows(count, today))
    source.seek(0)
    with db.transaction(db.make_sessions(engine)) as session:
        import_reviews(session, source, Actor("bench", admin=True), datetime.now().astimezone(), "bench")
