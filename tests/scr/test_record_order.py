"""Dates are facts someone recorded, never inferred, and keep the order the guidance gives them (scr.validate):
each refusal through the commands a user types, changing nothing."""

import pytest

from scr.grammar import CommandError


def _fields(run, reference):
    return [entry.field for entry in run(f"history {reference}").entries]


def test_publishing_never_infers_the_completion(run):
    run("new S2 initiated=2026-01-10")
    before = _fields(run, "S2")
    with pytest.raises(CommandError, match=r"`S2` has no completed date: .* `/scr complete S2 on=YYYY-MM-DD`"):
        run("publish S2 on=2026-09-01")
    assert _fields(run, "S2") == before
    run("complete S2 on=2026-07-01")
    run("publish S2 on=2026-09-01")
    assert _fields(run, "S2").count("completed") == 1  # recorded by `complete`, once


@pytest.mark.parametrize(("commands", "refused", "error"), [
    # A decision not to publish is about a completed report.
    (["new E1 aware=2026-01-05"], 'withhold E1 reason="x" on=2026-06-01', "`E1` has withheld but no completed"),
    (["new E2 initiated=2026-01-06"], 'withhold E2 reason="x" on=2026-06-01', "`E2` has withheld but no completed"),
    # A withheld LCSPR's improvements are published after the decision to withhold the report.
    (["new G3 initiated=2026-01-06", "complete G3 on=2026-05-20", 'withhold G3 reason="x" on=2026-06-01'],
     "publish G3 on=2026-05-25", "The published date 2026-05-25 is before the withheld date 2026-06-01"),
    # No rapid review without a notification, nor before it.
    (["new V3 aware=2026-03-02"], "rapid V3 on=2026-03-10", "`V3` has rapid but no notified"),
    (["new V4 aware=2026-03-02 notified=2026-03-09"], "rapid V4 on=2026-03-06",
     "The rapid date 2026-03-06 is before the notified date 2026-03-09"),
])
def test_impossible_orders_are_refused_and_change_nothing(run, commands, refused, error):
    for command in commands:
        run(command)
    reference = refused.split()[1]
    before = _fields(run, reference)
    with pytest.raises(CommandError, match=error):
        run(refused)
    assert _fields(run, reference) == before
