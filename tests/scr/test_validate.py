"""The one validator: date order and plausibility, and the regime that follows the date."""

from datetime import date

import pytest

from scr.grammar import CommandError
from scr.rulebook import RULEBOOKS, rulebooks
from scr.validate import check_dates, settle_regime

D = date.fromisoformat
TODAY = D("2026-11-25")


@pytest.mark.parametrize("dates", [
    {"incident": "2026-01-01", "aware": "2026-01-03", "notified": "2026-01-09", "initiated": "2026-02-01",
     "completed": "2026-07-30", "copied": "2026-08-01", "published": "2026-08-12"},
    {"initiated": "2026-02-01", "withheld": "2026-09-01", "referred": "2026-09-10"},
    {"aware": "2026-01-03", "decided": "2026-01-20", "referred": "2026-01-30"},
    {"initiated": "2026-02-01", "planned": "2027-11-25"},                      # a plan up to a year ahead
    {"delay_from": "2026-05-01", "delay_until": "2027-03-01", "delay_told": "2026-05-02"},
    {"incident": "1990-01-01"},
])
def test_dates_in_order_pass(dates):
    check_dates({k: D(v) for k, v in dates.items()}, TODAY)


@pytest.mark.parametrize(("dates", "field", "words"), [
    ({"initiated": "2026-03-02", "completed": "2026-03-01"}, "completed", "before the initiated date"),
    ({"completed": "2026-08-01", "published": "2026-07-31"}, "published", "before the completed date"),
    ({"initiated": "2026-08-01", "published": "2026-07-31"}, "published", "before the initiated date"),  # a gap
    ({"withheld": "2026-08-01", "referred": "2026-07-31"}, "referred", "before the withheld date"),
    ({"incident": "2026-05-01", "notified": "2026-04-30"}, "notified", "before the incident date"),
    ({"aware": "2026-05-01", "rapid": "2026-04-30"}, "rapid", "before the aware date"),
    ({"copied": "2026-08-02", "published": "2026-08-01"}, "published", "before the copied date"),
    ({"incident": "1989-12-31"}, "incident", "before 1990"),
    ({"published": "2026-11-26"}, "published", "in the future"),
    ({"planned": "2027-11-26"}, "planned", "more than a year ahead"),
    ({"delay_from": "2026-05-01", "delay_until": "2026-04-01"}, "delay_until", "before the delay_from date"),
])
def test_dates_out_of_order_or_implausible_are_refused_naming_the_field(dates, field, words):
    with pytest.raises(CommandError, match=words) as refused:
        check_dates({k: D(v) for k, v in dates.items()}, TODAY)
    assert refused.value.field == field
    assert "YYYY-MM-DD" in refused.value.message


@pytest.mark.parametrize(("dates", "chosen", "expected"), [
    ({"initiated": "2018-06-28"}, None, "scr"),
    ({"initiated": "2018-06-29"}, None, "scr"),          # the transition: an SCR unless the partnership chose
    ({"initiated": "2018-06-29"}, "lcspr", "lcspr"),
    ({"initiated": "2019-09-28"}, "lcspr", "lcspr"),
    ({"initiated": "2019-09-29"}, None, "lcspr"),        # SCR_LCSPR_FROM's default
    ({"aware": "2026-01-05"}, None, "lcspr"),            # no decision yet: awareness decides
    ({"incident": "2015-01-05"}, None, "scr"),           # else the incident
    ({}, None, "lcspr"),                                 # else today
])
def test_the_regime_follows_the_date(dates, chosen, expected):
    assert settle_regime(None, chosen, {k: D(v) for k, v in dates.items()}, TODAY, RULEBOOKS) == expected


@pytest.mark.parametrize(("dates", "chosen", "words"), [
    ({"initiated": "2026-03-02"}, "scr", "initiated date is 2026-03-02 is an LCSPR"),
    ({"initiated": "2018-06-28"}, "lcspr", "initiated date is 2018-06-28 is an SCR"),
    ({"aware": "2019-09-29"}, "scr", "aware date is 2019-09-29 is an LCSPR"),
])
def test_a_regime_against_the_date_is_refused_naming_the_regime_and_the_date(dates, chosen, words):
    with pytest.raises(CommandError, match=words):
        settle_regime(None, chosen, {k: D(v) for k, v in dates.items()}, TODAY, RULEBOOKS)


def test_the_partnerships_own_day_moves_the_boundary():
    early = rulebooks(lcspr_from=D("2019-01-01"))
    assert settle_regime(None, None, {"initiated": D("2019-01-01")}, TODAY, early) == "lcspr"
    assert settle_regime(None, None, {"initiated": D("2018-12-31")}, TODAY, early) == "scr"
    with pytest.raises(CommandError, match="SCR_LCSPR_FROM"):
        settle_regime(None, "scr", {"initiated": D("2019-01-01")}, TODAY, early)


def test_a_review_keeps_its_regime_while_its_date_allows_it():
    assert settle_regime("lcspr", None, {"initiated": D("2019-01-01")}, TODAY, RULEBOOKS) == "lcspr"
    assert settle_regime("lcspr", None, {"initiated": D("2017-01-01")}, TODAY, RULEBOOKS) == "scr"
