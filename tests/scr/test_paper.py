"""The report on paper: the HTML parses and holds the charts and every review of the period; CSV; Markdown."""

import csv
import io
from html.parser import HTMLParser

from scr import paper
from scr.report import partnership_year
from tests.scr.records import ReviewFacts as R
from tests.scr.test_report import REVIEWS, report

VOID = {"meta", "link", "br", "hr", "img", "input", "col", "area", "base", "source", "wbr"}


class Tree(HTMLParser):
    """Checks that every element is closed in order, and keeps what the tests look for."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.ids: dict[str, list[str]] = {}
        self.labels: list[str] = []
        self.cells: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.setdefault(tag, []).append(attrs["id"])
        if attrs.get("role") == "img":
            self.labels.append(attrs["aria-label"])
        if tag not in VOID:
            self.open.append(tag)

    def handle_endtag(self, tag):
        assert self.open and self.open[-1] == tag, f"</{tag}> closes <{self.open[-1] if self.open else None}>"
        self.open.pop()

    def handle_data(self, data):
        self.text.append(data)
        if self.open and self.open[-1] == "td":
            self.cells.append(data.strip())


def parse(document: str) -> Tree:
    tree = Tree()
    tree.feed(document)
    tree.close()
    assert tree.open == [], f"unclosed: {tree.open}"
    return tree


def test_the_html_parses_and_holds_both_charts_and_every_review():
    figures = report()
    document = paper.html(figures)
    assert document.startswith("<!DOCTYPE html>")
    tree = parse(document)
    assert tree.ids["figure"] == ["chart-timeline", "chart-actions"]
    assert document.count("<svg") == 2 and "<?xml" not in document  # inline, not linked: one self-contained file
    assert "http://" not in document.replace("http://www.w3.org/", "")  # nothing fetched from elsewhere
    assert len(tree.labels) == 2 and tree.labels[0].startswith("Timeline of 6 reviews")
    for row in figures.timelines:
        assert row.reference in tree.cells
    assert "held, 143 days past the mark" in "".join(tree.text)
    assert "@media print" in document
    assert "the year 2025/26 (April to March)" in document and "Drawn 2026-11-25" in document


def test_titles_are_escaped_in_html():
    figures = report(reviews=[R(reference="X", regime="lcspr", initiated=REVIEWS[0].initiated,
                                title="<script>alert(1)</script>")])
    document = paper.html(figures)
    assert "<script>" not in document and "&lt;script&gt;" in document
    parse(document)


def test_an_empty_period_still_makes_a_paper():
    document = paper.html(report(period=partnership_year("1995/96"), actions=[]))
    parse(document)
    assert "No review ran during the period." in document


def test_csv_has_one_row_per_review_with_every_figure():
    figures = report()
    rows = list(csv.DictReader(io.StringIO(paper.csv_text(figures).removeprefix("\ufeff"))))
    assert [row["reference"] for row in rows] == ["A", "B", "C", "D", "E", "H"]
    c = rows[2]
    assert (c["decided"], c["six_month_mark"], c["status"], c["days"], c["actions_overdue"]) == (
        "2025-06-20", "2025-12-20", "overdue", "340", "1")
    assert rows[4]["held_by"] == "criminal trial"


def test_csv_cells_never_run_as_formulas():
    figures = report(reviews=[R(reference="X", regime="lcspr", initiated=REVIEWS[0].initiated, title="=HYPERLINK(1)")],
                     actions=[])
    rows = list(csv.DictReader(io.StringIO(paper.csv_text(figures).removeprefix("\ufeff"))))
    assert rows[0]["title"] == "'=HYPERLINK(1)"


def test_markdown_for_the_minutes():
    text = paper.markdown(report())
    assert text.startswith("## Board's report: the year 2025/26")
    assert "| C | 2025-06-20 | 2025-12-20 | 2026-01-10 | — | overdue by 340 days |" in text
    assert "| All | 1 | 1 | 1 | 1 | 1 | 1 | 1 |" in text
    assert "- **E**: held by parallel proceedings: criminal trial" in text
