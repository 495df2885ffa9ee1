from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scr import grammar as g
from scr.grammar import CommandError, parse

TODAY = date(2026, 11, 25)
D = date.fromisoformat


@pytest.mark.parametrize(("text", "expected"), [
    ("", g.Help()),
    ("help", g.Help()),
    ("HELP new", g.Help("new")),
    ("status", g.Status()),
    ("status SCR-2013-04", g.Status("SCR-2013-04")),
    ("list", g.ListReviews("open")),
    ("list Overdue", g.ListReviews("overdue")),
    ("new", g.New(None)),
    ('new SCR-1 initiated=2026-03-02 title="Child A"', g.New("SCR-1", {"initiated": D("2026-03-02"), "title": "Child A"})),
    ("new SCR-1 initiated=today regime=LCSPR", g.New("SCR-1", {"initiated": TODAY, "regime": "lcspr"})),
    ("new SCR-1 initiated=03/02/2026 notified=3/2/2026", g.New("SCR-1", {"initiated": date(2026, 2, 3),
                                                                        "notified": date(2026, 2, 3)})),
    ("new SCR-1 title=“Child B” reviewer=\"Dr  Jones\"", g.New("SCR-1", {"title": "Child B", "reviewer": "Dr Jones"})),
    ("update scr-1 notes=\"Trial set for May &amp; June\"", g.Update("scr-1", {"notes": "Trial set for May & June"})),
    ("update SCR-1", g.Update("SCR-1", {})),
    ("complete SCR-1", g.Complete("SCR-1", TODAY)),
    ("publish SCR-1 on=2026-10-01", g.Publish("SCR-1", D("2026-10-01"))),
    ('withhold SCR-1 reason="Sibling\'s safety"', g.Withhold("SCR-1", "Sibling's safety", TODAY)),
    ("refer SCR-1 on=2026-11-01", g.Refer("SCR-1", D("2026-11-01"))),
    ('delay SCR-1 reason="Criminal trial"', g.Delay("SCR-1", "Criminal trial")),
    ("delay SCR-1 clear", g.Delay("SCR-1", clear=True)),
    ('delay SCR-1 reason="Trial" until=2027-03-01 told=2026-11-20',
     g.Delay("SCR-1", "Trial", D("2027-03-01"), D("2026-11-20"))),
    ("rapid SCR-1 on=2026-11-20 sent=2026-11-21", g.Rapid("SCR-1", D("2026-11-20"), D("2026-11-21"))),
    ('decide SCR-1 no-review reason="Criteria not met" on=2026-11-20',
     g.Decide("SCR-1", "no-review", D("2026-11-20"), "Criteria not met")),
    ("decide SCR-1 review", g.Decide("SCR-1", "review", D("2026-11-25"))),
    ("copy SCR-1 on=2026-11-20", g.Copy("SCR-1", D("2026-11-20"))),
    ("publish SCR-1 url=<https://example.org/scr-1|example.org>", g.Publish("SCR-1", D("2026-11-25"),
                                                                           "https://example.org/scr-1")),
    ("help rules", g.Help("rules")),
    ('action SCR-1 add "Train GPs on escalation" owner=<@U012AB3CD|jane> due=2027-01-31',
     g.AddAction("SCR-1", "Train GPs on escalation", "U012AB3CD", D("2027-01-31"))),
    ('action SCR-1 add "x=y" owner=<@U012AB3CD> due=2027-01-31', g.AddAction("SCR-1", "x=y", "U012AB3CD", D("2027-01-31"))),
    ("action SCR-1 add Training owner=U012AB3CD due=today", g.AddAction("SCR-1", "Training", "U012AB3CD", TODAY)),
    ("action SCR-1 done 2", g.FinishAction("SCR-1", 2, TODAY)),
    ("history SCR-1", g.History("SCR-1")),
    ("grant <@U012AB3CD|jane> editor", g.GrantRole("U012AB3CD", "editor")),
    ("grant W0123ABC admin", g.GrantRole("W0123ABC", "admin")),
    ("revoke <@U012AB3CD>", g.RevokeRole("U012AB3CD")),
])
def test_parses(text, expected):
    assert parse(text, TODAY) == expected


@pytest.mark.parametrize(("text", "words"), [
    ("frobnicate", "/scr help"),
    ("new SCR-1 initiated=2026-02-30", "YYYY-MM-DD"),
    ("new SCR-1 initiated=31/02/2026", "date"),
    ("new SCR-1 initiated=02/03/26", "date"),
    ("new SCR-1 initiated=2026-3-2", "YYYY-MM-DD"),
    ("new SCR_1", "not a review reference"),
    ("new SCR-1 colour=red", "`colour` is not something `new` takes"),
    ("new SCR-1 title=A title=B", "given twice"),
    ('new SCR-1 title="Child A', "closing quote"),
    ("new SCR-1 regime=xyz", "scr or lcspr"),
    ("withhold SCR-1", "reason"),
    ("delay SCR-1", "reason"),
    ("grant jane editor", "`jane` is not a user"),
    ("grant <@U012AB3CD> superuser", "grant @user viewer|editor|admin"),
    ("action SCR-1 add \"x\" owner=<@U1AB> ", "due date"),
    ("action SCR-1 done two", "not an action number"),
    ("status SCR-1 extra", "didn't understand"),
    ("list sideways", "not a list"),
    ("update SCR-1 title=" + "x" * 201, "too long"),
    ("update", "needs a review reference"),
])
def test_bad_input_gets_a_clear_answer(text, words):
    with pytest.raises(CommandError) as raised:
        parse(text, TODAY)
    assert words in raised.value.message


def test_a_bad_date_names_its_field():
    with pytest.raises(CommandError) as raised:
        parse("update SCR-1 notified=yesterday", TODAY)
    assert raised.value.field == "notified"


@settings(max_examples=3000, deadline=None)
@given(st.text())
def test_arbitrary_text_gives_a_command_or_a_command_error(text):
    try:
        parse(text, TODAY)
    except CommandError as error:
        assert error.message


words = st.sampled_from([
    *g.USAGE, "SCR-1", "add", "done", "clear", "1", "0", "editor", "admin", "<@U012AB3CD|x>", "today", '"', "=",
    "initiated=", "on=2026-02-29", "due=2027-01-01", "owner=", "reason=\"a b\"", "title=", "regime=lcspr", "“",
])


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.one_of(words, st.text(max_size=8)), max_size=8))
def test_arbitrary_sequences_of_grammar_words_never_raise_anything_else(parts):
    try:
        parse(" ".join(parts), TODAY)
    except CommandError as error:
        assert error.message


@pytest.mark.parametrize(("text", "title"), [
    (r'update X title="He said \"hi\""', 'He said "hi"'),
    (r'update X title=say\"hi\"', 'say"hi"'),
    (r'update X title="C:\\reports and C:\temp"', r"C:\reports and C:\temp"),
    ("update X title=\"ends in \\\"", None),  # the escaped quote leaves the value unclosed
])
def test_a_backslash_keeps_a_double_quote_inside_a_value(text, title):
    if title is None:
        with pytest.raises(CommandError, match="no closing quote"):
            parse(text, date(2026, 11, 25))
    else:
        assert parse(text, date(2026, 11, 25)).fields["title"] == title
