"""The review lifecycle as a user drives it: whatever sequence of `/scr` commands, on whatever days, the stored
dates stay in order and plausible, and no notice is planned for a milestone that is met or ended.

Commands go through the operator's entry point (`cli.main.run_command`, the grammar and use-cases Slack and Teams
share) and notices through the job's own planner (`jobs.run.plan`), on the test database (SQLite, or PostgreSQL with
SCR_TEST_DATABASE_URL). The expectations are stated here from DOMAIN.md, not read from the rulebooks' data.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from cli.main import run_command
from jobs.run import plan
from scr import db
from scr.deadlines import add_months, next_working_day
from scr.models import Base, Review
from scr.rulebook import TRANSITION_FROM
from scr.settings import load_settings
from scr.validate import check_review
from tests.conftest import LONDON

D = date.fromisoformat
REFERENCES = ("R-1", "R-2")
# Days on which the rules change: the national panel, the transition, a partnership's own day, its last day, and
# days beside bank holidays and short months.
ANCHORS = tuple(map(D, ("2013-04-15", "2013-06-03", "2018-06-29", "2019-04-01", "2019-09-29", "2026-08-28",
                        "2026-12-21", "2027-04-01", "2027-08-31")))
# How far back an event is, or ahead a plan: the rules' own periods, either side.
OFFSETS = (0, 1, 4, 5, 6, 7, 8, 13, 14, 15, 20, 21, 22, 30, 31, 32, 181, 182, 183, 184, 365, 366, 400)
# After each command, the job runs as of the first working day this many days ahead.
LOOK_AHEAD = (0, 6, 29, 185)

# Independently of the rulebooks: each milestone's notices, and the dates any one of which means nothing is owed
# (met, ended, or its moment gone: once a decision is taken or the report is out, too late to chase a notification).
TOO_LATE = ("initiated", "decided", "published", "withheld")
SETTLED_BY = {
    "scr": {
        "notification": ("notified", *TOO_LATE),
        "decision": ("initiated", "decided", "published", "withheld"),
        "referral_no_review": ("referred",),
        "completion": ("completed", "withheld"),
        "copy": ("copied", "published", "withheld"),
        "planned": ("published", "withheld"),
        "referral": ("referred",),
    },
    "lcspr": {
        "notification": ("notified", *TOO_LATE),
        "rapid_review": ("rapid", *TOO_LATE),
        "rapid_sent": ("rapid_sent", "published", "withheld"),
        "publication": ("published", "withheld"),
        "improvements": ("published",),
        "copy": ("copied", "published", "withheld"),
        "planned": ("published", "withheld"),
        "referral": ("referred",),
        "hold_told": ("delay_told",),
    },
}
# What a decision not to hold a review leaves owed: the panel told of it (SCR), the rapid review sent with it (LCSPR).
OUTLIVE_NO_REVIEW = ("referral_no_review", "rapid_sent")
# What parallel proceedings delay, so that a running hold pauses its escalations: completion and publication.
DELAYED_BY_A_HOLD = ("completion", "publication", "improvements", "copy", "planned")
# ... and what must be recorded before a milestone can be owed at all.
STARTED_BY = {
    "notification": ("aware", "incident"), "decision": ("notified",), "referral_no_review": ("decided",),
    "completion": ("initiated",), "copy": ("planned",), "planned": ("planned",), "referral": ("withheld",),
    "rapid_review": ("notified",), "rapid_sent": ("rapid",), "publication": ("initiated",),
    "improvements": ("withheld",), "hold_told": ("delay_reason",),
}
# Each date, and a date it never comes before (SPEC, "The record").
ORDER = (
    ("incident", "aware"), ("aware", "notified"), ("incident", "notified"), ("aware", "rapid"),
    ("rapid", "rapid_sent"), ("aware", "decided"), ("aware", "initiated"), ("incident", "initiated"),
    ("initiated", "completed"), ("initiated", "planned"), ("completed", "copied"), ("completed", "published"),
    ("initiated", "published"), ("copied", "published"), ("completed", "withheld"), ("withheld", "referred"),
    ("decided", "referred"), ("delay_from", "delay_until"),
)
# Each date, and the dates one of which it cannot be without.
NEEDS = (("completed", ("initiated",)), ("copied", ("completed",)), ("published", ("completed", "withheld")),
         ("referred", ("withheld", "decided")), ("rapid_sent", ("rapid",)))
EVENTS = ("incident", "aware", "notified", "rapid", "rapid_sent", "decided", "initiated", "completed", "copied",
          "published", "withheld", "referred", "delay_from", "delay_told")


# A review's life in the order it runs, each step taken or not, with other commands (corrections, holds, the other
# review) between them: deep states are reached as often as shallow ones.
LIFE = ("notify", "rapid", "decide", "complete", "plan", "copy", "withhold", "publish", "refer")


@st.composite
def commands(draw) -> list[tuple[int, str]]:
    """A review's life in a few commands: (days since the previous one, the text typed after `/scr`)."""
    steps = [(0, draw(command("new")))]
    for verb in LIFE:
        for then in ([verb] if draw(st.integers(0, 3)) else []) + [None] * draw(st.integers(0, 2)):
            days_on = draw(st.sampled_from((0, 0, 1, 3, 5, 7, 14, 30, 60, 150, 183)))
            steps.append((days_on, draw(command(then))))
    return steps


def recent():
    """Days back for an event: mostly lately (the clock moves on between commands), sometimes a boundary away."""
    return st.one_of(st.integers(0, 10), st.sampled_from(OFFSETS), st.integers(0, 500))


@st.composite
def command(draw, verb: str | None = None) -> str:
    """One command as a user types it, the dates as days before (`{-N}`) or after (`{+N}`) the day it is typed."""
    ref = draw(st.sampled_from(("R-1", "R-1", "R-1", "R-1", "R-2")))

    def past() -> str:
        return f"{{-{draw(recent())}}}"

    def ahead() -> str:
        return f"{{+{draw(st.one_of(st.sampled_from(OFFSETS), st.integers(0, 400)))}}}"

    def options(*keys: str) -> str:
        chosen = [key for key in keys if draw(st.booleans())]
        if chosen and draw(st.integers(0, 4)):  # mostly in the order they happen, the first furthest back
            back = sorted((draw(recent()) for _ in chosen), reverse=True)
            return " ".join(f"{key}={{-{days}}}" for key, days in zip(chosen, back, strict=True))
        return " ".join(f"{key}={ahead() if key in ('planned', 'until') else past()}" for key in chosen)

    verb = verb or draw(st.sampled_from((
        "new", "update", "update", "rapid", "decide", "decide-no", "complete", "copy", "publish", "withhold", "refer",
        "delay", "delay-more", "delay-clear")))
    match verb:
        case "new":
            regime = draw(st.sampled_from(("", "", " regime=scr", " regime=lcspr")))
            return f"new {ref} {options('incident', 'aware', 'notified', 'initiated')}{regime}"
        case "notify":
            return f"update {ref} notified={past()}"
        case "plan":
            return f"update {ref} planned={ahead()}"
        case "update":
            key = draw(st.sampled_from(("incident", "aware", "notified", "initiated", "planned", "planned", "rapid",
                                        "rapid_sent", "decided", "completed", "copied", "published", "withheld",
                                        "referred", "regime")))
            value = draw(st.sampled_from(("scr", "lcspr"))) if key == "regime" else \
                ahead() if key == "planned" else past()
            return f"update {ref} {key}={value}"
        case "rapid":
            return f"rapid {ref} on={past()} {options('sent')}"
        case "decide":
            return f"decide {ref} review on={past()}"
        case "decide-no":
            return f'decide {ref} no-review reason="Criteria not met" on={past()}'
        case "withhold":
            return f'withhold {ref} reason="Risk to a sibling" on={past()}'
        case "publish":
            url = draw(st.sampled_from(("", " url=https://example.org/r")))
            return f"publish {ref} on={past()}{url}"
        case "delay":
            return f'delay {ref} reason="Criminal trial" {options("until", "told")}'
        case "delay-more":
            return f"delay {ref} {options('until', 'told') or 'until=' + ahead()}"
        case "delay-clear":
            return f"delay {ref} clear"
    return f"{verb} {ref} on={past()}"


def _typed(text: str, today: date) -> str:
    """The command with its relative dates made real: `{-N}` is N days before `today`, `{+N}` N days after."""
    parts = text.split("{")
    for i, part in enumerate(parts[1:], 1):
        number, _, rest = part.partition("}")
        parts[i] = (today + timedelta(days=int(number))).isoformat() + rest
    return "".join(parts)


def _broken_order(review: Review, today: date) -> list[str]:
    dates = {field: getattr(review, field) for field in (*EVENTS, "planned", "delay_until")}
    found = [f"{later} {dates[later]} before {earlier} {dates[earlier]}" for earlier, later in ORDER
             if dates[earlier] and dates[later] and dates[later] < dates[earlier]]
    found += [f"{field} {value} implausible" for field, value in dates.items() if value is not None and (
        value < date(1990, 1, 1) or value > add_months(today, 12) or (field in EVENTS and value > today))]
    found += [f"{field} without {' or '.join(needs)}" for field, needs in NEEDS
              if dates[field] and not any(dates[other] for other in needs)]
    if review.decided and review.initiated:
        found.append("both a decision to review and one not to")
    if review.regime == "scr" and review.published and review.withheld:
        found.append("an SCR both published and withheld")
    return found


def _regime_allowed(review: Review, lcspr_from: date) -> bool:
    """The regime its date gives (SPEC, "The regime follows the date"), the choice being open only in the transition."""
    day = review.initiated or review.aware or review.incident or review.created_at.date()
    if day >= lcspr_from:
        return review.regime == "lcspr"
    return review.regime == "scr" or day >= TRANSITION_FROM


def _unwarranted(notice, review: Review, as_of: date) -> str | None:
    """Why `notice` about `review` should not have been planned on `as_of`, or None."""
    if notice.kind == "hold.ended":
        ended = review.delay_reason is not None and review.delay_until is not None and review.delay_until < as_of
        return None if ended else "a hold-ended notice for a hold that runs or was cleared"
    milestone, _, kind = notice.kind.partition(".")
    if milestone not in SETTLED_BY[review.regime]:
        return f"a notice of {notice.kind}, not a milestone of its regime"
    settled = [field for field in SETTLED_BY[review.regime][milestone] if getattr(review, field) is not None]
    if settled:
        return f"settled by {settled}"
    if not any(getattr(review, field) is not None for field in STARTED_BY[milestone]):
        return "not started"
    if review.decision == "no-review" and milestone not in OUTLIVE_NO_REVIEW:
        return "ended by a no-review decision"
    held = review.delay_reason is not None and (review.delay_until is None or as_of <= review.delay_until)
    if held and kind == "overdue" and milestone in DELAYED_BY_A_HOLD:
        return "an escalation of what a running hold delays"
    if milestone == "copy" and as_of > review.planned:
        return "a copy chased after the planned publication"
    return None


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(start=st.sampled_from(ANCHORS), shift=st.integers(-40, 40), steps=commands(),
       lcspr_from=st.sampled_from((D("2018-06-29"), D("2019-04-01"), D("2019-09-29"))))
def test_whatever_the_commands_dates_stay_in_order_and_no_notice_is_raised_for_what_is_settled(
        database_url, engine, start, shift, steps, lcspr_from):
    with engine.begin() as connection:  # each example from an empty database
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())
    config = load_settings(database_url=database_url, scr_lcspr_from=lcspr_from, scr_weekly_digest="off",
                           _env_file=None)
    sessions = db.make_sessions(engine)
    today = start + timedelta(days=shift)
    for days_on, text in steps:
        today += timedelta(days=days_on)
        typed = _typed(text, today)
        status, output = run_command(config, sessions, typed, datetime.combine(today, time(10), LONDON))
        assert status in (0, 1), (typed, output)
        event(f"{typed.split()[0]} {'refused' if status else 'done'}")  # --hypothesis-show-statistics: how deep
        with sessions() as session:
            for review in session.scalars(select(Review)):
                where = f"after `{typed}` on {today}: {review.reference}"
                assert _broken_order(review, today) == [], where
                check_review(review, today)
                assert _regime_allowed(review, lcspr_from), f"{where} is {review.regime}"
            reviews = {f"review:{review.id}": review for review in session.scalars(select(Review))}
            for ahead in LOOK_AHEAD:
                as_of = next_working_day(today + timedelta(days=ahead))
                for notice in plan(session, config, as_of):
                    review = reviews[notice.subject]
                    event(f"notice {notice.kind}")
                    why = _unwarranted(notice, review, as_of)
                    assert why is None, f"after `{typed}` on {today}: {review.reference} {notice.kind} on {as_of}: {why}"
    for ref in REFERENCES:  # whatever the records came to, their status renders
        assert run_command(config, sessions, f"status {ref}", datetime.combine(today, time(10), LONDON))[0] in (0, 1)
