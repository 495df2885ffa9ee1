import pytest

from scr.settings import ConfigError, load_settings


@pytest.fixture(autouse=True)
def _no_env(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no .env
    for name in ("DATABASE_URL", "SCR_REMINDER_DAYS", "SCR_ADMINS", "SLACK_BOT_TOKEN", "SCR_TIMEZONE"):
        monkeypatch.delenv(name, raising=False)


def test_defaults():
    settings = load_settings()
    assert settings.database_url == "sqlite:///scr.db"
    assert settings.scr_reminder_days == (28, 14, 7, 1)
    assert settings.port == 3000 and settings.scr_weekly_digest == "monday"
    assert settings.escalation_channel is None


def test_environment_and_dotenv(monkeypatch, tmp_path):
    (tmp_path / ".env").write_text("SCR_REMINDER_CHANNEL=C0REMIND\nSCR_ADMINS=u01abc, U02DEF\n")
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db.example:5432/scr")
    monkeypatch.setenv("SCR_REMINDER_DAYS", "7,28,14")
    settings = load_settings()
    assert settings.database_url == "postgresql+psycopg://u:p@db.example:5432/scr"
    assert settings.scr_admins == ("U01ABC", "U02DEF")
    assert settings.scr_reminder_days == (28, 14, 7)
    assert settings.escalation_channel == "C0REMIND"


@pytest.mark.parametrize(("name", "value", "words"), [
    ("SCR_REMINDER_DAYS", "28,two", "SCR_REMINDER_DAYS: must be whole numbers"),
    ("SCR_REMINDER_DAYS", "0", "SCR_REMINDER_DAYS: must be whole numbers of days from 1"),
    ("SCR_TIMEZONE", "Mars/Olympus", "SCR_TIMEZONE: must be an IANA time zone"),
    ("PORT", "eighty", "PORT:"),
    ("SCR_WEEKLY_DIGEST", "someday", "SCR_WEEKLY_DIGEST: must be a weekday"),
    ("SLACK_BOT_TOKEN", "xoxp-user", "SLACK_BOT_TOKEN: must be a bot token"),
    ("DATABASE_URL", "mysql://x", "DATABASE_URL: must be a sqlite"),
    ("SCR_ADMINS", "U01,<@U02>", "SCR_ADMINS:"),
])
def test_a_malformed_value_names_the_variable_in_one_line(monkeypatch, name, value, words):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as raised:
        load_settings()
    assert str(raised.value).startswith(words)
    assert "\n" not in str(raised.value)


def test_a_required_value_names_the_variable():
    with pytest.raises(ConfigError, match="^SLACK_SIGNING_SECRET is required for the web process"):
        load_settings().require("slack_signing_secret", purpose="for the web process")
