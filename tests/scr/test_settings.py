import pytest

from scr.settings import ConfigError, load_settings


@pytest.fixture(autouse=True)
def _no_env(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    for name in ("DATABASE_URL", "SCR_REMINDER_DAYS", "SCR_ADMINS", "SLACK_BOT_TOKEN", "SCR_TIMEZONE",
                 "TEAMS_CLIENT_ID", "TEAMS_CLIENT_SECRET", "TEAMS_TENANT_ID", "TEAMS_OPENID_URL", "TEAMS_LOGIN_URL"):
        monkeypatch.delenv(name, raising=False)


def test_defaults(tmp_path):
    settings = load_settings(_env_file=None)
    assert settings.database_url == f"sqlite:///{tmp_path / 'data' / 'scr-bot' / 'scr.db'}"
    assert settings.scr_reminder_days == (28, 14, 7, 1)
    assert settings.port == 3000 and settings.scr_weekly_digest == "monday"
    assert settings.escalation_channel is None


def test_environment_and_the_users_dotenv_but_not_the_current_folders(monkeypatch, tmp_path):
    (tmp_path / "config" / "scr-bot").mkdir(parents=True)
    (tmp_path / "config" / "scr-bot" / ".env").write_text("SCR_REMINDER_CHANNEL=C0REMIND\nSCR_ADMINS=u01abc, U02DEF\n")
    (tmp_path / ".env").write_text("SCR_WEEKLY_DIGEST=friday\nSCR_TIMEZONE=Europe/Paris\n")  # another project's
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db.example:5432/scr")
    monkeypatch.setenv("SCR_REMINDER_DAYS", "7,28,14")
    settings = load_settings()
    assert settings.database_url == "postgresql+psycopg://u:p@db.example:5432/scr"
    assert settings.scr_admins == ("U01ABC", "U02DEF")
    assert settings.scr_reminder_days == (28, 14, 7)
    assert settings.escalation_channel == "C0REMIND"
    assert settings.scr_weekly_digest == "monday" and settings.scr_timezone == "Europe/London"


@pytest.mark.parametrize(("name", "value", "words"), [
    ("SCR_REMINDER_DAYS", "28,two", "SCR_REMINDER_DAYS: must be whole numbers"),
    ("SCR_REMINDER_DAYS", "0", "SCR_REMINDER_DAYS: must be whole numbers of days from 1"),
    ("SCR_TIMEZONE", "Mars/Olympus", "SCR_TIMEZONE: must be an IANA time zone"),
    ("PORT", "eighty", "PORT:"),
    ("SCR_WEEKLY_DIGEST", "someday", "SCR_WEEKLY_DIGEST: must be a weekday"),
    ("SLACK_BOT_TOKEN", "xoxp-user", "SLACK_BOT_TOKEN: must be a bot token"),
    ("DATABASE_URL", "mysql://x", "DATABASE_URL: must be a sqlite"),
    ("SCR_ADMINS", "U01,<@U02>", "SCR_ADMINS:"),
    ("TEAMS_CLIENT_ID", "my-bot", "TEAMS_CLIENT_ID: must be a GUID"),
    ("TEAMS_TENANT_ID", "contoso.onmicrosoft.com", "TEAMS_TENANT_ID: must be a GUID"),
    ("TEAMS_OPENID_URL", "http://login.botframework.com/v1/.well-known/openidconfiguration",
     "TEAMS_OPENID_URL: must be an https:// URL ending in /openidconfiguration"),
    ("TEAMS_LOGIN_URL", "login.microsoftonline.com", "TEAMS_LOGIN_URL: must be an https:// URL"),
    ("SCR_RULES", "scr.completion=off", "SCR_RULES: scr.completion is a confirmed rule"),
    ("SCR_RULES", "lcspr.copy=soon", "SCR_RULES: lcspr.copy='soon': the choice must be off, remind, escalate"),
    ("SCR_RULES", "copy=off", "SCR_RULES: 'copy=off' is not RULE=CHOICE with an unconfirmed rule: one of scr.copy"),
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


def test_teams_needs_its_secret_and_tenant_once_its_client_id_is_set(monkeypatch):
    assert not load_settings().teams_enabled
    monkeypatch.setenv("TEAMS_CLIENT_ID", "8D3C1A5E-2F47-4B6A-9C1D-0E2F3A4B5C6D")
    with pytest.raises(ConfigError, match="^TEAMS_CLIENT_SECRET is required when TEAMS_CLIENT_ID is set"):
        load_settings()
    monkeypatch.setenv("TEAMS_CLIENT_SECRET", "secret")
    with pytest.raises(ConfigError, match="^TEAMS_TENANT_ID is required when TEAMS_CLIENT_ID is set"):
        load_settings()
    monkeypatch.setenv("TEAMS_TENANT_ID", "72f988bf-86f1-41af-91ab-2d7cd011db47")
    settings = load_settings()
    assert settings.teams_enabled and settings.teams_client_id == "8d3c1a5e-2f47-4b6a-9c1d-0e2f3a4b5c6d"


def test_admins_may_be_slack_ids_or_teams_object_ids(monkeypatch):
    monkeypatch.setenv("SCR_ADMINS", "U01ABC, 6a1f3c2e-4b5d-4e6f-8a9b-0c1d2e3f4a5b")
    assert load_settings().scr_admins == ("U01ABC", "6A1F3C2E4B5D4E6F8A9B0C1D2E3F4A5B")
