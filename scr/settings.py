"""The bot's configuration: every variable of SPEC.md "Configuration", read once at start-up.

`load_settings()` turns a missing or malformed value into one line naming the variable (a `ConfigError`), which
the processes print before exiting; nothing deeper in the code reads `os.environ`.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs
from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from scr.rulebook import TRANSITION_FROM, TRANSITION_TO, Guidance, parse_rules, rulebooks
from scr.users import OBJECT_ID, teams_user

# Microsoft's public cloud: where the Bot Framework's signing keys and the sign-in service are.
BOT_FRAMEWORK_OPENID_URL = "https://login.botframework.com/v1/.well-known/openidconfiguration"
MICROSOFT_LOGIN_URL = "https://login.microsoftonline.com"

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
APP = "scr-bot"


def env_files() -> tuple[Path, ...]:
    """The `.env` files read, later ones winning: this user's, then the checkout's when running from one.

    Never the current folder's: `scr` run from another project must not pick up that project's DATABASE_URL.
    """
    checkout = Path(__file__).resolve().parents[1]
    files = [platformdirs.user_config_path(APP) / ".env"]
    if (checkout / "pyproject.toml").is_file():
        files.append(checkout / ".env")
    return tuple(files)


def default_database_url() -> str:
    """Without DATABASE_URL, one SQLite file in this user's data folder, whatever folder `scr` runs from: a command
    run elsewhere never starts a second, empty database beside the first."""
    return f"sqlite:///{platformdirs.user_data_path(APP) / 'scr.db'}"


class ConfigError(Exception):
    """A configuration problem, worded for the operator in one line."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", case_sensitive=False)

    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_api_url: str = "https://slack.com/api/"
    database_url: str = Field(default_factory=default_database_url)
    port: int = Field(3000, ge=1, le=65535)
    scr_timezone: str = "Europe/London"
    scr_admins: Annotated[tuple[str, ...], NoDecode] = ()
    scr_readers: Literal["granted", "workspace"] = "granted"
    scr_reminder_channel: str | None = None
    scr_escalation_channel: str | None = None
    scr_reminder_days: Annotated[tuple[int, ...], NoDecode] = (28, 14, 7, 1)
    scr_escalation_repeat_days: int = Field(7, ge=1, le=365)
    scr_weekly_digest: str = "monday"
    scr_teams_webhook_url: str | None = None
    teams_client_id: str | None = None
    teams_client_secret: str | None = None
    teams_tenant_id: str | None = None
    teams_openid_url: str = BOT_FRAMEWORK_OPENID_URL
    teams_login_url: str = MICROSOFT_LOGIN_URL
    scr_teams_channel: str | None = None
    # A single send (its retries included) must finish well inside one lease: see jobs.delivery.
    scr_lease_seconds: int = Field(300, ge=60, le=86400)
    # DOMAIN.md: the rapid review's 15 working days run from the partners becoming aware; some partnerships count
    # from the notification instead.
    scr_rapid_review_from: Literal["aware", "notified"] = "aware"
    # The day this partnership's reviews became LCSPRs (within the national transition), and the day decisions not
    # to publish began to go to the national panel.
    scr_lcspr_from: date = date(2019, 9, 29)
    scr_panel_from: date = date(2013, 4, 15)
    # The unconfirmed rules this partnership set otherwise, e.g. "scr.copy=off, lcspr.copy=10 working days".
    scr_rules: str = ""
    # Days after an action is done at which its owner is asked whether it worked (the impact review).
    scr_impact_review_days: int = Field(90, ge=1, le=3650)
    # The board's report on a schedule (for the month or quarter just ended), and the channel it goes to.
    scr_report_schedule: Literal["off", "monthly", "quarterly"] = "off"
    scr_report_channel: str | None = None

    @field_validator(
        "slack_bot_token", "slack_signing_secret", "slack_app_token", "scr_reminder_channel",
        "scr_escalation_channel", "scr_teams_webhook_url", "teams_client_id", "teams_client_secret",
        "teams_tenant_id", "scr_teams_channel", "scr_report_channel", mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("xoxb-"):
            raise ValueError("must be a bot token starting with xoxb-")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _app_token(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("xapp-"):
            raise ValueError("must be an app-level token starting with xapp-")
        return value

    @field_validator("slack_api_url", "scr_teams_webhook_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value

    @field_validator("teams_client_id", "teams_tenant_id")
    @classmethod
    def _guid(cls, value: str | None) -> str | None:
        if value is not None and not OBJECT_ID.fullmatch(value.strip()):
            raise ValueError("must be a GUID such as 00000000-0000-0000-0000-000000000000 (from the Azure portal)")
        return value.strip().lower() if value else value

    @field_validator("teams_openid_url")
    @classmethod
    def _openid_url(cls, value: str) -> str:
        # The SDK finds the signing keys beside this document (…/openidconfiguration → …/keys).
        if not value.startswith("https://") or not value.endswith("/openidconfiguration"):
            raise ValueError("must be an https:// URL ending in /openidconfiguration")
        return value

    @field_validator("teams_login_url")
    @classmethod
    def _login_url(cls, value: str) -> str:
        if not value.startswith("https://"):
            raise ValueError("must be an https:// URL such as https://login.microsoftonline.com")
        return value.rstrip("/")

    @field_validator("slack_api_url")
    @classmethod
    def _trailing_slash(cls, value: str) -> str:
        return value if value.endswith("/") else value + "/"

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        # Heroku hands out postgres://, which SQLAlchemy no longer accepts; we use the psycopg 3 driver.
        for prefix in ("postgres://", "postgresql://"):
            if value.startswith(prefix):
                return "postgresql+psycopg://" + value[len(prefix):]
        if not value.startswith(("sqlite:", "postgresql+")):
            raise ValueError("must be a sqlite:/// or postgres:// URL")
        return value

    @field_validator("scr_timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("must be an IANA time zone such as Europe/London") from None
        return value

    @field_validator("scr_admins", mode="before")
    @classmethod
    def _admins(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("scr_admins")
    @classmethod
    def _admin_ids(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        admins = []
        for user in value:
            if OBJECT_ID.fullmatch(user):
                admins.append(teams_user(user))
            elif user.isalnum() and user[0].isalpha():
                admins.append(user.upper())
            else:
                raise ValueError(f"{user!r} is not a Slack user ID such as U012AB3CD or a Teams user's object ID")
        return tuple(admins)

    @field_validator("scr_reminder_days", mode="before")
    @classmethod
    def _reminder_days(cls, value: object) -> object:
        if isinstance(value, str):
            try:
                return tuple(int(part) for part in value.split(",") if part.strip())
            except ValueError:
                raise ValueError("must be whole numbers of days separated by commas, e.g. 28,14,7,1") from None
        return value

    @field_validator("scr_reminder_days")
    @classmethod
    def _reminder_days_positive(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if not value or any(day < 1 or day > 365 for day in value):
            raise ValueError("must be whole numbers of days from 1 to 365, e.g. 28,14,7,1")
        return tuple(sorted(set(value), reverse=True))

    @field_validator("scr_weekly_digest")
    @classmethod
    def _digest_day(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in (*WEEKDAYS, "off"):
            raise ValueError("must be a weekday (monday … sunday) or off")
        return value

    @field_validator("scr_lcspr_from")
    @classmethod
    def _lcspr_from(cls, value: date) -> date:
        if not TRANSITION_FROM <= value <= TRANSITION_TO:
            raise ValueError(f"must be a date within the national transition, {TRANSITION_FROM} to {TRANSITION_TO}")
        return value

    @field_validator("scr_rules")
    @classmethod
    def _rules(cls, value: str) -> str:
        parse_rules(value)
        return value

    @property
    def guidance(self) -> Guidance:
        """The rulebooks with this partnership's dates and choices."""
        return rulebooks(self.scr_rapid_review_from, self.scr_lcspr_from, self.scr_panel_from,
                         parse_rules(self.scr_rules))

    @property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.scr_timezone)

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.scr_lease_seconds)

    @property
    def escalation_channel(self) -> str | None:
        return self.scr_escalation_channel or self.scr_reminder_channel

    @property
    def teams_enabled(self) -> bool:
        return self.teams_client_id is not None

    @property
    def report_channel(self) -> str | None:
        return self.scr_report_channel or self.scr_reminder_channel

    def require(self, *names: str, purpose: str) -> None:
        """Stop with one line if a variable this process needs is unset."""
        for name in names:
            if getattr(self, name) is None:
                raise ConfigError(f"{name.upper()} is required {purpose}: set it in the environment or in .env")


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning pydantic's report into one line that names the variable."""
    try:
        settings = Settings(**{"_env_file": env_files(), **overrides})
    except ValidationError as error:
        first = error.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "configuration"
        message = first["msg"].removeprefix("Value error, ")
        raise ConfigError(f"{name}: {message}") from None
    if settings.teams_enabled:
        settings.require("teams_client_secret", "teams_tenant_id", purpose="when TEAMS_CLIENT_ID is set")
    return settings
