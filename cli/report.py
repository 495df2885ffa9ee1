"""`scr report`: the board's report on paper (HTML, CSV, Markdown) or as text, to standard output or a file."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime

from scr import grammar, paper, present, service
from scr.report import choose_period
from scr.settings import Settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scr report", description="The board's report: counts, timelines against the six-month mark, actions.")
    parser.add_argument("--format", choices=("text", *paper.FORMATS), default="text",
                        help="html: one printable file for board papers; csv: one row per review; md: for minutes")
    parser.add_argument("--from", dest="start", metavar="YYYY-MM-DD", help="the first day (default: a year ago)")
    parser.add_argument("--to", dest="end", metavar="YYYY-MM-DD", help="the last day (default: today)")
    parser.add_argument("--period", metavar="YYYY/YY", help="the partnership's year, April to March, e.g. 2025/26")
    parser.add_argument("--out", metavar="FILE", help="write to FILE instead of standard output")
    return parser


def report_command(settings: Settings, sessions, args: list[str], now: datetime, plain) -> int:
    try:
        options = _parser().parse_args(args)
    except SystemExit as stop:  # argparse has printed the usage and what was wrong
        return int(stop.code or 0)
    today = now.date()
    try:
        start = grammar.parse_date("--from", options.start, today) if options.start else None
        end = grammar.parse_date("--to", options.end, today) if options.end else None
        period = choose_period(today, start, end, options.period)
    except (grammar.CommandError, ValueError) as error:
        print(f"scr report: {plain(str(error))}", file=sys.stderr)
        return 1
    with sessions() as session:
        report = service.load_report(session, period, today, settings.guidance)
    if options.format == "text":
        text = plain(present.as_text(service.ReportAnswer(report, share=False), today)) + "\n"
    else:
        text = paper.render(report, options.format)
    if options.out is None:
        sys.stdout.write(text)
        return 0
    try:
        with open(options.out, "w", encoding="utf-8", newline="") as target:
            target.write(text)
    except OSError as error:
        print(f"scr report: cannot write {options.out}: {error.strerror}", file=sys.stderr)
        return 1
    print(f"Wrote the report for {period.label} ({options.format}) to {options.out}.")
    return 0
