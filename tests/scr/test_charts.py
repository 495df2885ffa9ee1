"""The report's charts: PNG for chat and SVG for paper, of the size asked for, labelled in text, with alt text."""

import struct
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from scr import charts
from scr.report import partnership_year
from tests.scr.test_report import report

SVG = "{http://www.w3.org/2000/svg}"


@pytest.mark.parametrize("which", [charts.timeline_chart, charts.actions_chart])
def test_png_has_the_expected_size(which):
    figures = report()
    chart = which(figures)
    png = charts.draw(chart, figures, "png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])  # the IHDR chunk
    assert (width, height) == (round(chart.size[0] * charts.DPI), round(chart.size[1] * charts.DPI))
    assert chart.size[1] == charts.TOP + charts.BOTTOM + charts.ROW * chart.rows


def test_svg_has_the_expected_size_and_says_each_state_in_words():
    figures = report()
    chart = charts.timeline_chart(figures)
    root = ET.fromstring(charts.draw(chart, figures, "svg"))
    assert (root.get("width"), root.get("height")) == (f"{chart.size[0] * 72:g}pt", f"{chart.size[1] * 72:g}pt")
    words = {"".join(node.itertext()) for node in root.iter(f"{SVG}text")}
    assert {"late by 6 days", "on time", "overdue by 340 days", "held, 143 days past the mark"} <= words
    assert {"A", "B", "C", "D", "E", "H", "six-month mark"} <= words


def test_the_same_report_draws_the_same_svg():
    figures = report()
    chart = charts.actions_chart(figures)
    assert charts.draw(chart, figures, "svg") == charts.draw(chart, figures, "svg")


def test_alt_text_tells_what_the_chart_shows():
    figures = report()
    timeline, actions = charts.charts(figures)
    assert "2 on time, 1 late, 2 overdue, 1 held" in timeline.alt
    assert "C: decided 2025-06-20, six-month mark 2025-12-20, overdue by 340 days." in timeline.alt
    assert "All: 1 open, 1 overdue" in actions.alt and "D: 1 open, 1 partly effective." in actions.alt


def test_an_empty_period_still_draws_and_says_so():
    figures = report(period=partnership_year("1995/96"), actions=[])
    for chart in charts.charts(figures):
        assert chart.rows == 0 and chart.alt.startswith("No ")
        assert b"No " in charts.draw(chart, figures, "svg")


def test_matplotlib_is_not_loaded_until_a_chart_is_drawn():
    code = ("import sys, web.app, bot.app, cli.main, jobs.run, scr.charts, scr.service; "
            "assert 'matplotlib' not in sys.modules, 'loaded at import'; "
            "from tests.scr.test_report import report; r = report(); "
            "scr.charts.draw(scr.charts.timeline_chart(r), r, 'png'); assert 'matplotlib' in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_long_report_draws_a_readable_number_of_bars_most_overdue_first():
    from dataclasses import replace as copy

    from scr.report import ActionPlan

    figures = report()
    many = tuple(ActionPlan(f"R-{n:03d}", {**figures.actions, "overdue": n % 7}) for n in range(200))
    figures = copy(figures, timelines=figures.timelines * 20, action_plans=many)
    timeline, actions = charts.charts(figures)
    assert (timeline.rows, actions.rows) == (charts.TIMELINE_ROWS, charts.ACTION_ROWS + 1)
    assert "(the first 60 shown)" in timeline.alt and "(the 30 with the most overdue shown)" in actions.alt
    assert len(timeline.alt) <= charts.ALT_LIMIT
    assert "R-006" in actions.alt and "R-000:" not in actions.alt  # 6 overdue is drawn; none overdue is not
