"""The board's report on paper: one self-contained printable HTML file (charts inline as SVG), CSV with one row per
review, and Markdown for pasting into minutes. Each is a renderer of the same `Report`."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date
from functools import cache

from markupsafe import Markup

from scr import charts
from scr.report import ACTION_STATES, Report, Timeline
from scr.transfer import _cell as csv_cell

FORMATS = ("html", "csv", "md")


@dataclass(frozen=True)
class ReviewLine:
    """One review of the report: its timeline (if it ran in the period) and its action plan (if it has one)."""

    reference: str
    timeline: Timeline | None
    actions: dict[str, int]


def review_lines(report: Report) -> list[ReviewLine]:
    plans = {plan.reference: plan.states for plan in report.action_plans}
    lines = [ReviewLine(row.reference, row, plans.pop(row.reference, dict.fromkeys(ACTION_STATES, 0)))
             for row in report.timelines]
    return lines + [ReviewLine(reference, None, states) for reference, states in plans.items()]


@cache
def _environment():
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    return Environment(loader=PackageLoader("scr", "templates"), autoescape=select_autoescape(["html", "j2"]),
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def _inline(svg: bytes) -> Markup:
    """matplotlib's SVG file, made an element to place in HTML: without its XML declaration and DOCTYPE."""
    text = svg.decode()
    return Markup(text[text.index("<svg"):])


def _days(value: float | None) -> str:
    return "—" if value is None else f"{value:g} days"


def html(report: Report) -> str:
    drawn = [(chart, _inline(charts.draw(chart, report, "svg"))) for chart in charts.charts(report)]
    return _environment().get_template("report.html.j2").render(
        report=report, counts=report.counts, charts=drawn, lines=review_lines(report), states=ACTION_STATES,
        days=_days,
    )


CSV_COLUMNS = ("reference", "title", "decided", "six_month_mark", "completed", "published", "withheld", "status",
               "days", "held_by", *("actions_" + re.sub(r"\W+", "_", state) for state in ACTION_STATES))


def csv_text(report: Report) -> str:
    """One row per review of the report, every figure a column; Excel's dialect, formulas neutralised."""
    out = io.StringIO()
    writer = csv.writer(out, dialect="excel")
    writer.writerow(CSV_COLUMNS)
    for line in review_lines(report):
        row = line.timeline
        dates = ((row.title, row.decided, row.due, row.completed, row.published, row.withheld, row.status, row.days,
                  row.hold) if row else (None,) * 9)
        writer.writerow([csv_cell(value) for value in (line.reference, *dates, *line.actions.values())])
    return "\ufeff" + out.getvalue()


def _md(text: str | None) -> str:
    """A table cell's text with Markdown's special characters made literal."""
    return re.sub(r"([\\`*_{}\[\]<>|#])", r"\\\1", " ".join((text or "").split()))


def _on(day: date | None) -> str:
    return day.isoformat() if day else "—"


def markdown(report: Report) -> str:
    c = report.counts
    lines = [
        f"## Board's report: {report.period.label}",
        "",
        f"From {report.period.start.isoformat()} to {report.period.end.isoformat()}; drawn {report.as_of.isoformat()}.",
        "",
        "| Notifications | Rapid reviews | Begun | Completed | Within six months | Published | Withheld | Referred |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {c.notifications} | {c.rapid_reviews} | {c.begun} | {c.completed} | {c.completed_in_six_months} | "
        f"{c.published} | {c.withheld} | {c.referred} |",
        "",
        f"Median from the decision: to completion {_days(report.median_days_to_completion)}, to publication "
        f"{_days(report.median_days_to_publication)}.",
        "",
        "### Needs attention now",
        "",
        *([f"- **{_md(item.reference)}**: {_md(item.describe())}" for item in report.attention] or ["Nothing."]),
        "",
        "### Reviews against their six-month mark",
        "",
    ]
    if report.timelines:
        lines += ["| Review | Decided | Six-month mark | Completed | Published or withheld | Against the mark |",
                  "|---|---|---|---|---|---|"]
        lines += [f"| {_md(row.reference)} | {_on(row.decided)} | {_on(row.due)} | {_on(row.completed)} | "
                  f"{_on(row.finished)} | {row.describe()} |" for row in report.timelines]
    else:
        lines.append("No review ran during the period.")
    lines += ["", "### Action plans", ""]
    plans = [("All", report.actions), *((plan.reference, plan.states) for plan in report.action_plans)]
    lines += ["| Review | " + " | ".join(ACTION_STATES) + " |", "|---" + "|---:" * len(ACTION_STATES) + "|"]
    lines += [f"| {_md(name)} | " + " | ".join(str(states[s]) for s in ACTION_STATES) + " |" for name, states in plans]
    return "\n".join(lines) + "\n"


def render(report: Report, fmt: str) -> str:
    return {"html": html, "csv": csv_text, "md": markdown}[fmt](report)
