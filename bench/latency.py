"""Benchmark: `/scr status` and `/scr status REF` over signed HTTP to the running `web` process (gunicorn), with
10,000 reviews stored, against a bare Bolt app that only acknowledges, served the same way, alternating requests.

Each is timed twice a round: asked again with nothing changed (answered from the web process's cache of rendered
answers, `scr.answers`), and asked just after a change made from this process through scr's own code (an `update`
of a review's notes, which moves the records' version, so the answer is built anew).

    python bench/latency.py [--reviews 10000] [--rounds 500] [--database-url URL]
"""

from __future__ import annotations

import argparse
import csv
import http.client
import io
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from datetime import date, datetime
from pathlib import Path

from common import ROOT, percentile, review_rows, summary
from sqlalchemy import text

from scr import db, grammar, service
from scr.settings import load_settings
from scr.transfer import COLUMNS, import_reviews
from tests.fakebotframework import CLIENT_ID, CLIENT_SECRET, TENANT_ID
from tests.fakeslack import SIGNING_SECRET, FakeSlack, sign


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


USER = "UBENCH"  # the one asking: a viewer, so that the answers measured are the records, not a refusal


def seed(url: str, count: int) -> None:
    """`count` reviews, loaded through `scr import`'s own code, and a viewer's grant for `USER`."""
    db.migrate(url)
    engine = db.make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("TRUNCATE audit, actions, notices, snoozes, grants, reviews"))
    source = io.StringIO()
    writer = csv.DictWriter(source, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(review_rows(count, date.today()))
    source.seek(0)
    admin, now = service.Actor("bench", admin=True), datetime.now().astimezone()
    with db.transaction(db.make_sessions(engine)) as session:
        import_reviews(session, source, admin, now, "bench")
        service.execute(service.Context(session, admin, now, load_settings(_env_file=None).guidance),
                        grammar.parse(f"grant {USER} viewer", now.date()))


def serve(app: str, port: int, env: dict[str, str], *options: str, workers: int = 1) -> subprocess.Popen:
    command = ["gunicorn", "--config", "web/gunicorn_conf.py", "--access-logfile", "/dev/null", *options, app]
    process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env, "PORT": str(port),
                                                        "WEB_CONCURRENCY": str(workers)},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                raise SystemExit(f"{app} did not start") from None
            time.sleep(0.1)


def memory_mb(pid: int, field: str) -> float:
    """A memory figure (`VmRSS` from status, or `Pss` from smaps_rollup: shared pages split among their users) of a
    process and its children (gunicorn's master and workers)."""
    pids = [pid, *map(int, subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split())]
    source = "status" if field == "VmRSS" else "smaps_rollup"
    total = 0
    for each in pids:
        for line in Path(f"/proc/{each}/{source}").read_text().splitlines():
            if line.startswith(f"{field}:"):
                total += int(line.split()[1])
    return total / 1024


def timed_command(connection: http.client.HTTPConnection, command_text: str) -> tuple[float, bytes]:
    body = urllib.parse.urlencode({"command": "/scr", "text": command_text, "user_id": USER, "team_id": "T1",
                                   "channel_id": "C1", "trigger_id": "t", "response_url": ""})
    headers = {**sign(body), "Content-Type": "application/x-www-form-urlencoded"}
    started = time.perf_counter()
    connection.request("POST", "/slack/events", body=body, headers=headers)
    response = connection.getresponse()
    payload = response.read()
    elapsed = time.perf_counter() - started
    if response.status != 200 or b":warning:" in payload:
        raise SystemExit(f"{command_text!r}: HTTP {response.status} {payload[:200]!r}")
    return elapsed, payload


def change(sessions, number: int) -> None:
    """A change to one review from outside the web process, as another person's `/scr update` would be."""
    now = datetime.now().astimezone()
    with db.transaction(sessions) as session:
        service.execute(service.Context(session, service.Actor("bench", admin=True), now,
                                        load_settings(_env_file=None).guidance),
                        grammar.parse(f"update SCR-B000197 notes=change-{number}", now.date()))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reviews", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=500)
    parser.add_argument("--database-url")
    parser.add_argument("--workers", type=int, default=1, help="WEB_CONCURRENCY of web (the floor keeps one)")
    args = parser.parse_args()
    url = load_settings(database_url=args.database_url or f"sqlite:///{tempfile.mkdtemp()}/latency.db",
                        _env_file=None).database_url
    seed(url, args.reviews)
    fake = FakeSlack()
    env = {"DATABASE_URL": url, "SLACK_BOT_TOKEN": "xoxb-test-token", "SLACK_SIGNING_SECRET": SIGNING_SECRET,
           "SLACK_API_URL": fake.api_url, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    # Teams configured in the same web process, as SPEC's "Performance" asks (the floor ignores these).
    teams = {"TEAMS_CLIENT_ID": CLIENT_ID, "TEAMS_CLIENT_SECRET": CLIENT_SECRET, "TEAMS_TENANT_ID": TENANT_ID}
    web_port, bare_port = free_port(), free_port()
    web = serve("web.app:create()", web_port, {**env, **teams}, workers=args.workers)
    # The floor keeps the server it had before `web` became ASGI: gunicorn's threaded WSGI worker.
    bare = serve("bench.bare_app:create()", bare_port, env, "--worker-class", "gthread", "--threads", "4")
    try:
        web_conn = http.client.HTTPConnection("127.0.0.1", web_port)
        bare_conn = http.client.HTTPConnection("127.0.0.1", bare_port)
        for _ in range(20):  # warm up both
            timed_command(web_conn, "status")
            timed_command(web_conn, "status SCR-B000197")
            timed_command(bare_conn, "status")
        times: dict[str, list[float]] = {"bare ack": [], "status": [], "status REF": [], "status, changed": [],
                                         "status REF, changed": []}
        sessions = db.make_sessions(db.make_engine(url))
        load = os.getloadavg()[0]
        for number in range(args.rounds):
            change(sessions, number)
            questions = (("status", "status"), ("status REF", "status SCR-B000197"))
            for name, text in questions:  # the first answers since the change
                times[f"{name}, changed"].append(timed_command(web_conn, text)[0])
            for name, text in questions:  # the same again
                times["bare ack"].append(timed_command(bare_conn, "status")[0])
                times[name].append(timed_command(web_conn, text)[0])
        for _ in range(10):  # Teams' route answers too (401: these carry no Bot Framework token)
            web_conn.request("POST", "/api/messages", body=b'{"type": "message"}',
                             headers={"Content-Type": "application/json"})
            response = web_conn.getresponse()
            response.read()
            if response.status != 401:
                raise SystemExit(f"/api/messages: HTTP {response.status}, not 401")
        floor = statistics.median(times["bare ack"])
        print(f"{args.reviews:,} reviews on {url.split(':')[0]}, {args.rounds} rounds, load average "
              f"{load:.2f} before and {os.getloadavg()[0]:.2f} after, "
              f"gunicorn (web: {args.workers} uvicorn worker(s), Slack and Teams; bare: 1 gthread worker)")
        for name, values in times.items():
            ratio = statistics.median(values) / floor
            print(f"  {name:<19} {summary(values)}, {ratio:.2f}x the bare ack (p95 ratio "
                  f"{percentile(values, 0.95) / percentile(times['bare ack'], 0.95):.2f}x)")
        print(f"  web (master + {args.workers} worker(s)): RSS {memory_mb(web.pid, 'VmRSS'):.0f} MB, "
              f"PSS {memory_mb(web.pid, 'Pss'):.0f} MB; bare app: RSS {memory_mb(bare.pid, 'VmRSS'):.0f} MB")
    finally:
        for process in (web, bare):
            process.terminate()
            process.wait(timeout=30)
        fake.close()


if __name__ == "__main__":
    main()
