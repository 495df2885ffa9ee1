"""The board's report in Teams: the summary as an Adaptive Card 1.5, valid against the official schema."""

import json

import jsonschema

from scr.service import ReportAnswer
from teams.cards import CARD_BYTES, answer_card
from tests.scr.test_report import AS_OF, report
from tests.teams.conftest import SCHEMA


def test_the_report_summary_is_a_valid_card():
    card = answer_card(ReportAnswer(report(), share=False), AS_OF)
    jsonschema.validate(card, SCHEMA)
    text = json.dumps(card)
    assert "**Board's report: the year 2025/26 (April to March)**" in text
    assert "overdue by 340 days" in text and "scr report --format html" in text
    assert len(text.encode()) <= CARD_BYTES


def test_sharing_from_teams_says_where_sharing_is():
    card = answer_card(ReportAnswer(report(), share=True), AS_OF)
    jsonschema.validate(card, SCHEMA)
    assert "/scr report share" in json.dumps(card)
