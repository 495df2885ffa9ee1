"""The `/scr` grammar: from the text a user types to a typed command, or a `CommandError` that says what to fix.

`parse` is pure (`today` is passed in, for the word `today`) and raises nothing but `CommandError`, whatever it is
given: the Slack listeners and the `scr` CLI both call it, so the two speak one language.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import date

from scr.markup import CONTROL
from scr.models import DECISIONS, REGIMES, ROLES
from scr.report import ReportPeriod, choose_period
from scr.users import user_key


class CommandError(Exception):
    """A command that cannot be carried out, with a message for the person who typed it."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field  # the form field to show the error on, where there is one


Value = str | date | None


@dataclass(frozen=True)
class Help:
    topic: str | None = None


@dataclass(frozen=True)
class Status:
    reference: str | None = None


@dataclass(frozen=True)
class ListReviews:
    which: str = "open"


@dataclass(frozen=True)
class New:
    reference: str | None  # None: `/scr new` alone, which opens the form in Slack
    fields: dict[str, Value] = field(default_factory=dict)


@dataclass(frozen=True)
class Update:
    reference: str
    fields: dict[str, Value] = field(default_factory=dict)
    since: int | None = None  # from a form: the review's version when it was opened (`scr.service.version_of`)


@dataclass(frozen=True)
class Complete:
    reference: str
    on: date


@dataclass(frozen=True)
class Publish:
    reference: str
    on: date
    url: str | None = None


@dataclass(frozen=True)
class Rapid:
    reference: str
    on: date | None  # None: the rapid review already recorded (`rapid REF sent=…`), else today
    sent: date | None = None


@dataclass(frozen=True)
class Decide:
    reference: str
    decision: str  # review or no-review
    on: date
    reason: str | None = None


@dataclass(frozen=True)
class Copy:
    reference: str
    on: date


@dataclass(frozen=True)
class Withhold:
    reference: str
    reason: str
    on: date


@dataclass(frozen=True)
class Refer:
    reference: str
    on: date


@dataclass(frozen=True)
class Delay:
    """A hold for parallel proceedings: recorded, extended (`until`), told (`told`), or cleared (`clear`)."""

    reference: str
    reason: str | None = None
    until: date | None = None
    told: date | None = None
    clear: bool = False


@dataclass(frozen=True)
class AddAction:
    reference: str
    text: str
    owner: str
    due: date


@dataclass(frozen=True)
class FinishAction:
    reference: str
    number: int
    on: date
    evidence: str | None = None  # what shows it was done


@dataclass(frozen=True)
class JudgeAction:
    """The impact review of a done action: did it work?"""

    reference: str
    number: int
    impact: str  # effective, partly, not
    note: str | None
    on: date


@dataclass(frozen=True)
class Report:
    period: ReportPeriod
    share: bool = False  # post it to the reminder channel instead of answering the asker alone


@dataclass(frozen=True)
class History:
    reference: str


@dataclass(frozen=True)
class GrantRole:
    user: str
    role: str


@dataclass(frozen=True)
class RevokeRole:
    user: str


@dataclass(frozen=True)
class Roles:
    """Who holds which role."""


Command = (
    Help | Status | ListReviews | New | Update | Complete | Publish | Rapid | Decide | Copy | Withhold | Refer | Delay
    | AddAction | FinishAction | JudgeAction | History | Report | GrantRole | RevokeRole | Roles
)

USAGE = {
    "help": "help [VERB|rules]",
    "status": "status [REF]",
    "list": "list [open|overdue|held|withheld|published|all]",
    "new": 'new REF [initiated=YYYY-MM-DD title="Child A" regime=scr|lcspr reviewer=… incident=DATE aware=DATE '
           'notified=DATE]',
    "update": "update REF key=value … (title, reviewer, regime, incident, aware, notified, initiated, planned, url, "
              "notes; or a correction of any recorded date, e.g. published=YYYY-MM-DD)",
    "rapid": "rapid REF [on=YYYY-MM-DD] [sent=YYYY-MM-DD]",
    "decide": "decide REF review [on=YYYY-MM-DD]  or  decide REF no-review reason=\"…\" [on=YYYY-MM-DD]",
    "complete": "complete REF [on=YYYY-MM-DD]",
    "copy": "copy REF [on=YYYY-MM-DD]",
    "publish": "publish REF [on=YYYY-MM-DD] [url=https://…]",
    "withhold": "withhold REF reason=\"…\" [on=YYYY-MM-DD]",
    "refer": "refer REF [on=YYYY-MM-DD]",
    "delay": "delay REF reason=\"…\" [until=YYYY-MM-DD] [told=YYYY-MM-DD]  or  delay REF clear",
    "action": "action REF add \"text\" owner=@user due=YYYY-MM-DD  or  action REF done N [evidence=\"…\"]  or  "
              "action REF impact N effective|partly|not [note=\"…\"]",
    "history": "history REF",
    "report": "report [from=YYYY-MM-DD] [to=YYYY-MM-DD] | report period=YYYY/YY  (add share to post it to the channel)",
    "grant": "grant @user viewer|editor|admin",
    "revoke": "revoke @user",
    "roles": "roles",
}

# What `help VERB` says of each, after its form.
ABOUT = {
    "help": "Lists the commands; help VERB tells more of one; help rules lists the rules the bot applies, each with "
            "its source and whether it is confirmed.",
    "status": "Without REF: every open review, soonest deadline first, overdue and held ones flagged. With REF: one "
              "review in full: its dates, its timeline (done, due, not needed, not recorded), hold and actions.",
    "list": "The reviews in one state: open (the default), overdue, held (a hold runs), withheld, published, or all.",
    "new": "Records a new review. Its regime follows its date (initiated, else aware, else incident, else today); "
           "regime= is for the transition, when either was possible. Give a pseudonym such as \"Child A\", never "
           "a name.",
    "update": "Changes a review's details, or corrects a date already recorded (the audit trail keeps the old "
              "value). A date that an event verb records (rapid, decide, complete, copy, publish, withhold, refer) "
              "is first recorded with that verb.",
    "rapid": "LCSPRs: records the rapid review (on=, else today) and, with sent=, the day it went to the Panel.",
    "decide": "Records the decision whether to hold a review: review records the initiation; no-review, with its "
              "reason, ends the deadlines (an SCR's decision not to initiate must still be told to the national "
              "panel: refer).",
    "complete": "Records the final report's completion: for an SCR, what meets the six months.",
    "copy": "Records the copy sent before publication: for an SCR to the DfE and Ofsted, for an LCSPR to the Panel "
            "and the Secretary of State.",
    "publish": "Records the publication (on=, else today), with the address it is published at (url=https://…).",
    "withhold": "Records a decision not to publish, with its reason; the decision then needs referring to the "
                "national panel (refer).",
    "refer": "Records the referral to the national panel of a decision not to publish (or an SCR's decision not to "
             "initiate).",
    "delay": "Records a hold for parallel proceedings (a trial, an inquest): overdue escalations pause until the "
             "until= date; told= is the day the Panel and the Secretary of State were told (LCSPRs). delay REF clear "
             "ends it.",
    "action": "The review's action plan: add an action with its owner and due date, mark it done with its evidence, "
              "and later record whether it worked (impact).",
    "history": "The review's audit trail: every change, who made it and when, with the old and new values.",
    "report": "The board's report for a period (else the last twelve months): timeliness, referrals, publication, "
              "and whether the lessons were acted on. With share, it is posted to the channel.",
    "grant": "Admins only: gives someone a role: viewer reads, editor also records, admin also grants.",
    "revoke": "Admins only: takes someone's role away.",
    "roles": "Who holds which role.",
}

LIST_FILTERS = ("open", "overdue", "held", "withheld", "published", "all")
# Dates an event verb records (`publish`, `rapid` …): `update` corrects them once recorded, never sets them first.
CORRECTIONS = ("rapid", "rapid_sent", "decided", "completed", "copied", "published", "withheld", "referred")
DATE_KEYS = frozenset({"incident", "aware", "notified", "initiated", "planned", "on", "due", "from", "to", "sent",
                       "until", "told", *CORRECTIONS})
TEXT_LIMITS = {"title": 200, "reviewer": 200, "notes": 2000, "reason": 500, "text": 500, "url": 500, "evidence": 500,
               "note": 500, "period": 40}
IMPACTS = ("effective", "partly", "not")
# A form's regime when none is chosen: the review follows its date, as a command without regime= does.
FOLLOW_DATE = "date"
NEW_KEYS = ("initiated", "title", "regime", "reviewer", "incident", "aware", "notified")
UPDATE_KEYS = ("title", "reviewer", "regime", "incident", "aware", "notified", "initiated", "planned", "url", "notes",
               *CORRECTIONS)

REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,39}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DAY_FIRST = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")  # as a UK reader (and Excel in a UK locale) writes it
_USER = re.compile(r"<@([^|>]+)(?:\|[^>]*)?>|@?(\S+)")
_KEY = re.compile(r"([a-z_]+)=(.*)", re.DOTALL)
_NUMBER = re.compile(r"[1-9][0-9]{0,5}")
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"'})


@dataclass(frozen=True)
class _Token:
    text: str
    quoted: bool  # began with a quote: a value, never a key=value pair


def _tokens(text: str) -> list[_Token]:
    """Split on white space, keeping "double-quoted values" (also after key=) together.

    `\\"` is a double quote inside a value and `\\\\` a backslash; any other backslash is itself (paths, emoticons).
    """
    tokens: list[_Token] = []
    current: list[str] = []
    started = in_quotes = quoted = escaped = False
    for char in text.translate(_QUOTES):
        if escaped:
            escaped, started = False, True
            if char in '"\\':
                current.append(char)
                continue
            current.append("\\")
        if char == "\\":
            escaped = True
        elif char == '"':
            if not started:
                quoted = True
            started, in_quotes = True, not in_quotes
        elif char.isspace() and not in_quotes:
            if started:
                tokens.append(_Token("".join(current), quoted))
            current, started, quoted = [], False, False
        else:
            current.append(char)
            started = True
    if in_quotes:
        raise CommandError('A quoted value has no closing quote ("): put the value in "double quotes".')
    if escaped:
        current.append("\\")
        started = True
    if started:
        tokens.append(_Token("".join(current), quoted))
    return tokens


def _reference(token: _Token | None, verb: str) -> str:
    if token is None:
        raise CommandError(f"`{verb}` needs a review reference. Usage: `/scr {USAGE[verb]}`")
    if not REFERENCE.fullmatch(token.text):
        raise CommandError(
            f"`{_show(token.text)}` is not a review reference: use letters, digits and -, e.g. SCR-2026-01.",
            "reference",
        )
    return token.text


def parse_date(key: str, value: str, today: date) -> date:
    if value.lower() == "today":
        return today
    day_first = _DAY_FIRST.fullmatch(value)
    try:
        if day_first:
            day, month, year = (int(part) for part in day_first.groups())
            return date(year, month, day)
        if _DATE.fullmatch(value):
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise CommandError(
        f"`{key}={_show(value)}` is not a valid date: write it as YYYY-MM-DD (e.g. 2026-03-02) or today.", key
    )


def parse_user(value: str) -> str:
    """A Slack user (`<@U123|name>`, `<@U123>`, `U123`) or a Teams user (an @mention, which the Teams edge turns
    into `<@KEY>`, or their object ID)."""
    match = _USER.fullmatch(value.strip())
    user = user_key(match.group(1) or match.group(2)) if match else None
    if user is None and value.strip().startswith("@"):
        # A name typed as text, not picked from the @ menu: the chat tool sent no ID, and the terminal has no
        # directory to look it up in, so every place answers alike.
        raise CommandError(
            f"`{_show(value)}` is a name, not a user ID: pick them from the @ menu as you type, so that Slack or Teams "
            "sends their ID, or give the ID itself (e.g. U012AB3CD: their profile, ⋮, Copy member ID)."
        )
    if user is None:
        raise CommandError(f"`{_show(value)}` is not a user: mention them with @ (e.g. @jane) or give their ID.")
    return user


def _show(value: str, limit: int = 40) -> str:
    """A user's input, shortened and without backticks, for quoting in an error."""
    value = value.replace("`", "'")
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _options(tokens: list[_Token], allowed: tuple[str, ...], verb: str, today: date) -> dict[str, Value]:
    options: dict[str, Value] = {}
    for token in tokens:
        match = None if token.quoted else _KEY.fullmatch(token.text)
        if match is None:
            raise CommandError(f"I didn't understand `{_show(token.text)}`. Usage: `/scr {USAGE[verb]}`")
        key, raw = match.groups()
        if key not in allowed:
            raise CommandError(f"`{key}` is not something `{verb}` takes: use {', '.join(allowed)}.")
        if key in options:
            raise CommandError(f"`{key}` is given twice: give it once.")
        options[key] = _value(key, html.unescape(raw), today)
    return options


def _value(key: str, raw: str, today: date) -> Value:
    if key in DATE_KEYS:
        return parse_date(key, raw, today)
    if key == "regime":
        if raw.lower() not in REGIMES:
            raise CommandError(f"`regime={_show(raw)}` is not a regime: use scr or lcspr.", key)
        return raw.lower()
    if key == "owner":
        return parse_user(raw)
    if key == "url":
        return _url(raw)
    if key == "title":
        return _text(key, raw) or ""
    return _text(key, raw)


def _text(key: str, raw: str) -> str | None:
    value = " ".join(raw.split())  # line breaks and tabs become spaces: a field is one line
    control = CONTROL.search(value)
    if control:
        raise CommandError(f"`{key}` contains a control character (U+{ord(control.group()):04X}), which a title, "
                           f"note or reason never needs: type it again as plain text.", key)
    if len(value) > TEXT_LIMITS[key]:
        raise CommandError(f"`{key}` is too long: keep it under {TEXT_LIMITS[key]} characters.", key)
    return value or None


def _url(raw: str) -> str | None:
    value = raw.strip()
    if value.startswith("<") and value.endswith(">"):  # Slack sends a link as <https://…> or <https://…|text>
        value = value[1:-1].split("|")[0]
    if not value:
        return None
    if not re.fullmatch(r"https?://[^\s<>|]+", value) or len(value) > TEXT_LIMITS["url"]:
        raise CommandError(f"`url={_show(value)}` is not a web address: give it as https://…", "url")
    return value


def _on(tokens: list[_Token], verb: str, today: date) -> date:
    return _options(tokens, ("on",), verb, today).get("on") or today  # type: ignore[return-value]


def _single(tokens: list[_Token], verb: str) -> None:
    if tokens:
        raise CommandError(f"I didn't understand `{_show(tokens[0].text)}`. Usage: `/scr {USAGE[verb]}`")


def parse(text: str, today: date) -> Command:
    """The command in `text`, or a `CommandError` saying what is wrong and the right form."""
    tokens = _tokens(text)
    if not tokens:
        return Help()
    verb, args = tokens[0].text.lower(), tokens[1:]
    first = args[0] if args else None
    rest = args[1:]
    if verb == "help":
        return Help(args[0].text.lower() if args else None)
    if verb == "status":
        if first is None:
            return Status()
        _single(rest, verb)
        return Status(_reference(first, verb))
    if verb == "list":
        _single(rest, verb)
        which = first.text.lower() if first else "open"
        if which not in LIST_FILTERS:
            raise CommandError(f"`{_show(which)}` is not a list: use {', '.join(LIST_FILTERS)}.")
        return ListReviews(which)
    if verb == "new":
        if first is None:
            return New(None)
        return New(_reference(first, verb), _options(rest, NEW_KEYS, verb, today))
    if verb == "update":
        return Update(_reference(first, verb), _options(rest, UPDATE_KEYS, verb, today))
    if verb in ("complete", "copy", "refer"):
        kind = {"complete": Complete, "copy": Copy, "refer": Refer}[verb]
        return kind(_reference(first, verb), _on(rest, verb, today))
    if verb == "publish":
        reference = _reference(first, verb)
        options = _options(rest, ("on", "url"), verb, today)
        return Publish(reference, options.get("on") or today, options.get("url"))  # type: ignore[arg-type]
    if verb == "rapid":
        reference = _reference(first, verb)
        options = _options(rest, ("on", "sent"), verb, today)
        return Rapid(reference, options.get("on"), options.get("sent"))  # type: ignore[arg-type]
    if verb == "decide":
        reference = _reference(first, verb)
        decision = rest[0].text.lower() if rest and not rest[0].quoted else ""
        if decision not in DECISIONS:
            raise CommandError(f"`decide` needs `review` or `no-review`. Usage: `/scr {USAGE[verb]}`")
        options = _options(rest[1:], ("on", "reason") if decision == "no-review" else ("on",), verb, today)
        if decision == "no-review" and not options.get("reason"):
            raise CommandError(f"A decision not to hold a review needs its reason. Usage: `/scr {USAGE[verb]}`")
        return Decide(reference, decision, options.get("on") or today, options.get("reason"))  # type: ignore[arg-type]
    if verb == "withhold":
        reference = _reference(first, verb)
        options = _options(rest, ("reason", "on"), verb, today)
        if not options.get("reason"):
            raise CommandError(f"`withhold` needs the reason for not publishing. Usage: `/scr {USAGE[verb]}`")
        return Withhold(reference, options["reason"], options.get("on") or today)  # type: ignore[arg-type]
    if verb == "delay":
        reference = _reference(first, verb)
        if len(rest) == 1 and not rest[0].quoted and rest[0].text.lower() == "clear":
            return Delay(reference, clear=True)
        options = _options(rest, ("reason", "until", "told"), verb, today)
        if not options:
            raise CommandError(f"`delay` needs a reason (and when it ends), or `clear`. Usage: `/scr {USAGE[verb]}`")
        return Delay(reference, options.get("reason"), options.get("until"), options.get("told"))  # type: ignore[arg-type]
    if verb == "action":
        return _action(_reference(first, verb), rest, today)
    if verb == "history":
        _single(rest, verb)
        return History(_reference(first, verb))
    if verb == "report":
        return _report(args, today)
    if verb == "grant":
        if first is None or len(rest) != 1 or rest[0].text.lower() not in ROLES:
            raise CommandError(f"Usage: `/scr {USAGE['grant']}`")
        return GrantRole(parse_user(first.text), rest[0].text.lower())
    if verb == "revoke":
        if first is None:
            raise CommandError(f"Usage: `/scr {USAGE['revoke']}`")
        _single(rest, verb)
        return RevokeRole(parse_user(first.text))
    if verb == "roles":
        _single(args, verb)
        return Roles()
    raise CommandError(f"I don't know the command `{_show(verb, 20)}`. Try `/scr help` to see what I can do.")


def _action(reference: str, args: list[_Token], today: date) -> AddAction | FinishAction:
    sub = args[0].text.lower() if args else ""
    if sub == "add" and len(args) >= 2 and (args[1].quoted or "=" not in args[1].text):
        text = _text("text", html.unescape(args[1].text))
        options = _options(args[2:], ("owner", "due"), "action", today)
        if not text or "owner" not in options or "due" not in options:
            raise CommandError(f"`action add` needs the text, an owner and a due date. Usage: `/scr {USAGE['action']}`")
        return AddAction(reference, text, options["owner"], options["due"])  # type: ignore[arg-type]
    if sub == "done" and len(args) >= 2:
        options = _options(args[2:], ("on", "evidence"), "action", today)
        return FinishAction(reference, _number(args[1], reference), options.get("on") or today,  # type: ignore[arg-type]
                            options.get("evidence"))  # type: ignore[arg-type]
    if sub == "impact" and len(args) >= 3:
        number = _number(args[1], reference)
        impact = args[2].text.lower()
        if args[2].quoted or impact not in IMPACTS:
            raise CommandError(f"`{_show(args[2].text)}` is not an impact: say whether the action worked with "
                               f"{', '.join(IMPACTS)}. Usage: `/scr {USAGE['action']}`")
        options = _options(args[3:], ("note", "on"), "action", today)
        return JudgeAction(reference, number, impact, options.get("note"),  # type: ignore[arg-type]
                           options.get("on") or today)  # type: ignore[arg-type]
    raise CommandError(f"Usage: `/scr {USAGE['action']}`")


def _number(token: _Token, reference: str) -> int:
    if not _NUMBER.fullmatch(token.text):
        raise CommandError(f"`{_show(token.text)}` is not an action number: use the number `status {reference}` shows.")
    return int(token.text)


def _report(args: list[_Token], today: date) -> Report:
    share = bool(args) and not args[-1].quoted and args[-1].text.lower() == "share"
    options = _options(args[:-1] if share else args, ("from", "to", "period"), "report", today)
    try:
        period = choose_period(today, options.get("from"), options.get("to"), options.get("period"))  # type: ignore[arg-type]
    except ValueError as error:
        raise CommandError(str(error), "period") from None
    return Report(period, share)


def from_form(verb: str, reference: str, values: dict[str, str | None], today: date) -> New | Update | Withhold:
    """A `new`, `update` or `withhold` command from a form's fields, checked exactly as typed ones are.

    An empty field of an update clears that value; a regime left to follow the date (`FOLLOW_DATE`) is one not
    given, as in a typed command.
    """
    checked = _reference(_Token(reference.strip(), False), verb)
    if verb == "withhold":
        reason = _text("reason", values.get("reason") or "")
        if not reason:
            raise CommandError("Give the reason for not publishing.", "reason")
        on = values.get("on")
        return Withhold(checked, reason, parse_date("on", on, today) if on else today)
    allowed = NEW_KEYS if verb == "new" else UPDATE_KEYS
    if values.get("regime") == FOLLOW_DATE:
        values = {**values, "regime": None}
    fields = {key: _value(key, raw, today) if raw else None for key, raw in values.items() if key in allowed}
    if verb == "new":
        return New(checked, {key: value for key, value in fields.items() if value})
    return Update(checked, {key: "" if key == "title" and value is None else value for key, value in fields.items()})
