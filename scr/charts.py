"""The report's charts: one drawing code for PNG (chat) and SVG (paper), each with its alt text.

matplotlib is imported inside `draw`, not at the top: the `web` process loads this module with the rest of `scr`,
and should not carry matplotlib's memory until someone asks for a chart. It draws on its own Figure with the Agg
canvas (no pyplot, no global state), so charts drawn in two threads at once do not meet.

Colours are the Okabe-Ito palette, safe for the common colour-blindnesses, and every bar is labelled in text too.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from scr.report import ACTION_STATES, ActionPlan, Report, Timeline

Format = Literal["png", "svg"]
WIDTH = 10.0  # inches
DPI = 100  # PNG pixels per inch; SVG sizes are in points (72 a inch)
ROW = 0.42  # inches a bar
TOP, BOTTOM = 0.5, 0.9  # inches above the bars (the title) and below them (the axis and the legend)
TIMELINE_ROWS = 60  # more would be unreadable; the table on paper lists every review
ACTION_ROWS = 30  # reviews whose action plans are drawn, those with the most overdue first
ALT_LIMIT = 2000  # Slack's limit for an image's alt text

STATUS_COLOURS = {"on time": "#009E73", "late": "#E69F00", "overdue": "#D55E00", "held": "#0072B2",
                  "running": "#999999"}
ACTION_COLOURS = dict(zip(ACTION_STATES, ("#56B4E9", "#D55E00", "#F0E442", "#0072B2", "#009E73", "#E69F00",
                                          "#CC79A7"), strict=True))


@dataclass(frozen=True)
class Chart:
    name: str
    title: str
    alt: str
    rows: int

    @property
    def size(self) -> tuple[float, float]:
        """Width and height in inches."""
        return WIDTH, TOP + BOTTOM + ROW * max(self.rows, 1)


def _cut(text: str) -> str:
    return text if len(text) <= ALT_LIMIT else text[: ALT_LIMIT - 1] + "…"


def timeline_chart(report: Report) -> Chart:
    rows = report.timelines[:TIMELINE_ROWS]
    tally = {status: sum(1 for row in report.timelines if row.status == status) for status in STATUS_COLOURS}
    summary = ", ".join(f"{count} {status}" for status, count in tally.items() if count)
    if not rows:
        return Chart("timeline", "Reviews against their six-month mark", "No review ran during " +
                     report.period.label + ".", 0)
    shown = f" (the first {len(rows)} shown)" if len(report.timelines) > len(rows) else ""
    lines = [f"{row.reference}: decided {row.decided.isoformat()}, six-month mark {row.due.isoformat()}, "
             f"{row.describe()}." for row in rows]
    alt = (f"Timeline of {len(report.timelines)} reviews during {report.period.label}{shown}, each bar running from "
           f"the decision to completion and publication against its six-month mark: {summary}. " + " ".join(lines))
    return Chart("timeline", "Reviews against their six-month mark", _cut(alt), len(rows))


def actions_chart(report: Report) -> Chart:
    total = sum(report.actions.values())
    if not total:
        return Chart("actions", "Action plans by state", f"No actions during {report.period.label}.", 0)
    parts = ", ".join(f"{count} {state}" for state, count in report.actions.items() if count)
    plans = _plans_drawn(report)
    per_review = " ".join(
        f"{plan.reference}: " + ", ".join(f"{count} {state}" for state, count in plan.states.items() if count) + "."
        for plan in plans
    )
    shown = f" (the {len(plans)} with the most overdue shown)" if len(plans) < len(report.action_plans) else ""
    alt = (f"Stacked bars of {total} actions by state, in total and for each of {len(report.action_plans)} "
           f"reviews{shown}. All: {parts}. {per_review}")
    return Chart("actions", "Action plans by state", _cut(alt), len(plans) + 1)


def _plans_drawn(report: Report) -> list[ActionPlan]:
    ranked = sorted(report.action_plans, key=lambda plan: (-plan.states["overdue"], -plan.states["open"]))
    return sorted(ranked[:ACTION_ROWS], key=lambda plan: plan.reference)


def charts(report: Report) -> tuple[Chart, Chart]:
    return timeline_chart(report), actions_chart(report)


def _timeline(axes, report: Report, chart: Chart) -> None:
    rows: tuple[Timeline, ...] = report.timelines[: chart.rows]
    for y, row in enumerate(rows):
        colour = STATUS_COLOURS[row.status]
        end = row.finished or report.as_of
        completed = row.completed if row.completed and row.completed <= end else None
        first = completed or end
        axes.barh(y, max((first - row.decided).days, 1), left=row.decided, color=colour, height=0.6)
        if completed and end > completed:  # completion → publication, lighter
            axes.barh(y, (end - completed).days, left=completed, color=colour, alpha=0.45, height=0.6,
                      hatch="//", edgecolor="white")
        axes.plot([row.due, row.due], [y - 0.42, y + 0.42], color="black", linewidth=2)
        axes.annotate(row.describe(), (max(end, row.due), y), xytext=(6, 0), textcoords="offset points",
                      va="center", fontsize=8)
    axes.set_yticks(range(len(rows)), [row.reference for row in rows], fontsize=8)
    axes.invert_yaxis()
    axes.axvspan(report.period.start, report.period.end, color="#000000", alpha=0.05, zorder=0, label="the period")
    axes.axvline(report.as_of, color="black", linestyle=":", linewidth=1, label=f"today ({report.as_of.isoformat()})")
    left = min(row.decided for row in rows) - timedelta(days=15)
    right = max(max(row.finished or report.as_of, row.due) for row in rows)
    axes.set_xlim(left, right + (right - left) * 0.3 + timedelta(days=30))  # room for the labels
    from matplotlib.patches import Patch

    later = Patch(facecolor="#999999", alpha=0.45, hatch="//", edgecolor="white", label="completed, not yet published")
    handles = [*(_patch(colour, status) for status, colour in STATUS_COLOURS.items()), later, _mark(),
               *axes.get_legend_handles_labels()[0]]
    axes.figure.legend(handles=handles, loc="lower center", ncol=5, fontsize=8, frameon=False)


def _actions(axes, report: Report, chart: Chart) -> None:
    bars = [("All", report.actions), *((plan.reference, plan.states) for plan in _plans_drawn(report))]
    for y, (_, states) in enumerate(bars):
        left = 0
        for state in ACTION_STATES:
            count = states[state]
            if count:
                axes.barh(y, count, left=left, color=ACTION_COLOURS[state], height=0.6, edgecolor="white")
                axes.text(left + count / 2, y, str(count), ha="center", va="center", fontsize=8)
                left += count
    axes.set_yticks(range(len(bars)), [name for name, _ in bars], fontsize=8)
    axes.invert_yaxis()
    axes.set_xlabel("actions")
    axes.figure.legend(handles=[_patch(colour, state) for state, colour in ACTION_COLOURS.items()],
                       loc="lower center", ncol=4, fontsize=8, frameon=False)


def _patch(colour: str, label: str):
    from matplotlib.patches import Patch

    return Patch(color=colour, label=label)


def _mark():
    from matplotlib.lines import Line2D

    return Line2D([], [], color="black", linewidth=2, marker="|", linestyle="none", markersize=10,
                  label="six-month mark")


_DRAWERS: dict[str, Callable] = {"timeline": _timeline, "actions": _actions}


def draw(chart: Chart, report: Report, fmt: Format) -> bytes:
    """The chart as PNG or SVG bytes, `chart.size` inches (PNG at DPI pixels an inch)."""
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    # SVG text stays text (searchable, small); no date or random ids in the file, so the same report draws the same.
    with rc_context({"svg.fonttype": "none", "svg.hashsalt": "scr-bot", "font.family": "DejaVu Sans"}):
        figure = Figure(figsize=chart.size, dpi=DPI)
        FigureCanvasAgg(figure)
        height = chart.size[1]
        axes = figure.add_axes((0.1, BOTTOM / height, 0.86, 1 - (TOP + BOTTOM) / height))
        axes.set_title(chart.title, fontsize=11, loc="left")
        if chart.rows:
            _DRAWERS[chart.name](axes, report, chart)
        else:
            axes.set_axis_off()
            axes.text(0.5, 0.5, chart.alt, ha="center", va="center", fontsize=10, transform=axes.transAxes)
        out = io.BytesIO()
        quiet = dict.fromkeys(("Date", "Creator", "Format", "Type")) if fmt == "svg" else None
        figure.savefig(out, format=fmt, dpi=DPI, metadata=quiet)
    return out.getvalue()
