"""The README's deploy path and the manifest, as a newcomer follows them."""

import json
import re

from tests.processes import ROOT

README = (ROOT / "README.md").read_text()


def test_the_readme_starts_with_the_two_commands():
    first_block = README.split("```sh\n", 1)[1].split("```", 1)[0]
    assert first_block.splitlines()[0].startswith("./dev start") and first_block.splitlines()[1].startswith("./dev test")


def test_the_deploy_path_creates_heroku_first_then_slack_then_verifies():
    deploy = README.index("## Deploy: Heroku first, then Slack")
    assert deploy < README.index("## Create the Slack app")
    assert "(https://www.heroku.com/deploy)" in README and "APP-<hex>.herokuapp.com" in README
    assert README.index("Create the Heroku app", deploy) < README.index("Create the Slack app from", deploy) \
        < README.index("Request URL", deploy)
    assert "python -m jobs" in README[deploy:README.index("## Create the Slack app")]
    assert "scr help rules" in README


def test_the_messages_tab_is_on_because_overdue_actions_go_to_their_owners():
    home = json.loads((ROOT / "manifest.json").read_text())["features"]["app_home"]
    assert home["messages_tab_enabled"] and home["messages_tab_read_only_enabled"]


def test_the_deploy_button_asks_only_for_what_exists_before_the_slack_app():
    """Heroku first: app.json's form can be filled in before the Slack app (and its tokens) exists, and it offers
    every variable a deployment sets, Teams' included."""
    env = json.loads((ROOT / "app.json").read_text())["env"]
    required = {name for name, variable in env.items() if variable.get("required")}
    assert required == {"SCR_ADMINS"}
    assert {"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SCR_REMINDER_CHANNEL", "TEAMS_CLIENT_ID", "TEAMS_CLIENT_SECRET",
            "TEAMS_TENANT_ID", "TEAMS_OPENID_URL", "TEAMS_LOGIN_URL", "SCR_TEAMS_CHANNEL"} <= set(env)
    example = (ROOT / ".env.example").read_text()
    local_only = {"DATABASE_URL", "PORT", "SLACK_API_URL", "SLACK_APP_TOKEN"}  # Heroku sets or has no use for these
    assert {name for name in env if f"{name}=" not in example} == set()
    settings = {line.lstrip("# ").split("=")[0] for line in example.splitlines() if re.match(r"#? ?[A-Z_]+=", line)}
    assert settings - set(env) <= local_only


def test_env_example_documents_every_setting_with_a_value_the_settings_accept(monkeypatch):
    """A deployer copies `.env.example`: every setting is in it, and its example values load as they stand."""
    from scr.settings import Settings

    example = (ROOT / ".env.example").read_text()
    assert [name.upper() for name in Settings.model_fields
            if not re.search(rf"^#? ?{name.upper()}=", example, re.MULTILINE)] == []
    values = dict(line.split("=", 1) for line in example.splitlines() if re.match(r"[A-Z_]+=.", line))
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    loaded = Settings(_env_file=None)
    assert loaded.scr_rapid_review_from == "aware"  # the guidance's count, not a local variation
