"""The README's deploy path and the manifest, as a newcomer follows them."""

import json

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
