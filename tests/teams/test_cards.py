"""Adaptive Cards from the presentation model: every kind of answer and notice validates and fits, however long."""

from datetime import date

import pytest

from scr import grammar
from scr.models import Review
from scr.notices import PUBLISH, REFER, SNOOZE, Notice
from scr.service import Done, ReviewList, ReviewRow
from teams import cards
from tests.teams.conftest import texts, valid

TODAY = date(2026, 11, 25)


def _listing(count: int) -> ReviewList:
    rows = [ReviewRow(Review(reference=f"SCR-{n}", title="Child <A> & *sibling*", regime="scr",
                             initiated=date(2026, 1, 5)), date(2026, 7, 5), -143, True, False) for n in range(count)]
    return ReviewList("open", rows, count, count, 0)


@pytest.mark.parametrize("count", [0, 1, 2000])
def test_a_list_of_any_length_is_one_valid_card_under_the_limit(count):
    card = valid(cards.message(cards.answer_card(_listing(count), TODAY))["attachments"][0]["content"])
    lines = texts(card)
    assert lines[0].startswith("**Open reviews**")
    if count:
        # What was typed stays inert (scr.markup); the bot's own emphasis renders.
        assert lines[1] == "🚨 **SCR-0** Child \\<A\\> & \\*sibling\\*: due 2026-07-05, **143 days overdue**"
    if count == 2000:
        assert lines[-1] == cards.MORE


@pytest.mark.parametrize("result", [grammar.Help(), grammar.Help("grant"), Done("Created review `SCR-1`.")])
def test_help_and_confirmations_are_valid_cards(result):
    assert texts(valid(cards.answer_card(result, TODAY)))


def test_notice_buttons_are_action_execute_with_a_submit_fallback():
    notice = Notice("referral", "review:1", "2026-11-26", "C1", "HELD needs referral to the national panel",
                    ("Withheld 2026-08-01",), reference="HELD", buttons=(REFER, PUBLISH, SNOOZE))
    card = valid(cards.notice_card(notice))
    for action in card["actions"]:
        assert action["type"] == "Action.Execute"
        assert action["data"] == {"verb": action["verb"], "reference": "HELD", "kind": "referral"}
        assert action["fallback"] == {"type": "Action.Submit", "title": action["title"], "data": action["data"]}
    assert [action["verb"] for action in card["actions"]] == [REFER, PUBLISH, SNOOZE]
    asked = valid(cards.confirm_card(REFER, {"reference": "HELD", "kind": "referral"}))
    assert [action["verb"] for action in asked["actions"]] == [f"{REFER}:confirm", f"{REFER}:cancel"]
