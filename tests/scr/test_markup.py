"""Typed text stays text in every destination: Slack mrkdwn, Teams Markdown, a terminal; controls refused on input."""

import json
from datetime import date

import pytest
from sqlalchemy import update

from bot import blocks
from scr import grammar
from scr.grammar import CommandError
from scr.markup import slack_text, teams_markdown, terminal_safe, terminal_text
from scr.models import Review
from scr.notices import Notice
from teams.cards import answer_card, notice_card

TODAY = date(2026, 11, 25)
FORMATTING = "*bold* _italic_ ~struck~ `code`"
LINKS = "[click](http://evil.example) ![pixel](http://evil.example/p.png) <b>bold</b> <!channel>"


@pytest.mark.parametrize("text", [
    'new SCR-1 title="Child\x1b[31mA"', 'new SCR-1 reviewer="a\x07b"', 'update SCR-1 notes="x\x00y"',
    'withhold SCR-1 reason="\u202eevil"', 'delay SCR-1 reason="trial\x9b2J"',
    'action SCR-1 add "Train\x08staff" owner=U012AB3CD due=2027-01-01',
])
def test_text_fields_refuse_control_characters(text):
    with pytest.raises(CommandError, match="contains a control character .* type it again as plain text"):
        grammar.parse(text, TODAY)


def test_line_breaks_and_tabs_in_a_field_are_spaces():
    assert grammar.parse('new SCR-1 title="Child\tA\nB"', TODAY).fields["title"] == "Child A B"


def test_slack_shows_typed_formatting_without_obeying_it(run):
    run(f'new SCR-1 initiated=2026-03-02 title="{FORMATTING}"')
    section = blocks.answer(run("status"), TODAY)["blocks"][1]["text"]["text"]
    assert section.startswith(":rotating_light: *SCR-1* ")  # our own mark-up still works
    typed = section.removeprefix(":rotating_light: *SCR-1* ").split(":")[0]
    assert not set("*_~`") & set(typed), typed
    assert typed == slack_text(FORMATTING)


def test_slack_shows_typed_links_and_pings_as_text():
    assert slack_text(LINKS) == ("[click](http://evil.example) ![pixel](http://evil.example/p.png) &lt;b&gt;bold&lt;/b&gt;"
                                 " &lt;!channel&gt;")


def test_teams_cards_show_typed_links_images_and_html_as_text(run):
    run(f'new SCR-1 initiated=2026-03-02 title="{LINKS} {FORMATTING}"')
    card = json.dumps(answer_card(run("status SCR-1"), TODAY))
    assert "[click](" not in card and "![pixel](" not in card and "<b>" not in card
    assert r"\\[click\\](http://evil.example)" in card and r"\\<b\\>bold\\</b\\>" in card
    assert r"\\*bold\\* \\_italic\\_ \\~struck\\~" in card
    notice = Notice("referral", "review:1", "2026-11-25", "C1", f"Escalation: SCR-1 ({slack_text(LINKS)})",
                    (f"*Due* {slack_text('[x](http://e)')}",), "SCR-1")
    texts = [block["text"] for block in notice_card(notice)["body"] if block.get("type") == "TextBlock"]
    assert texts[0] == (r"Escalation: SCR-1 (\[click\](http://evil.example) !\[pixel\](http://evil.example/p.png) "
                        r"\<b\>bold\</b\> \<!channel\>)")
    assert texts[1] == r"**Due** \[x\](http://e)"
    assert teams_markdown("*Open reviews*: 3") == "**Open reviews**: 3"


def test_the_terminal_shows_control_characters_as_escapes(run, sessions, monkeypatch, database_url, capsys):
    from cli.main import main

    run('new SCR-1 initiated=2026-03-02 title="Child A"')
    with sessions() as session, session.begin():  # stored before input was checked, or by hand
        session.execute(update(Review).values(title="Child\x1b]0;owned\x07 \x1b[2J\u202eA *x*"))
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert main(["status", "SCR-1"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert r"SCR-1 Child\x1b]0;owned\x07 \x1b[2J\u202eA *x*" in out
    assert terminal_text("*Bold* " + slack_text("a*b*_c_ <d> &")) == "Bold a*b*_c_ <d> &"
    # One format: our own lines keep their breaks; in a typed value a line break could forge a line of output.
    assert terminal_text("a\tb\nc\r\x9b") == "a\tb\nc\\x0d\\x9b"
    assert terminal_safe("a\tb\nc\r\u2066") == r"a\x09b\x0ac\x0d\u2066"
