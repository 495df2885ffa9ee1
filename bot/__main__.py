"""`python -m bot`: the bot for a developer's machine.

Without SLACK_BOT_TOKEN it runs the local demo; with SLACK_APP_TOKEN it connects over Socket Mode (no public URL);
otherwise it serves HTTP like the `web` process.
"""

from __future__ import annotations

import os
import sys

from scr.settings import ConfigError, load_settings


def main() -> int:
    try:
        settings = load_settings()
        if settings.slack_bot_token is None:
            from cli.demo import run_demo

            print("SLACK_BOT_TOKEN is not set: running the local demo.\n")
            return run_demo(settings)
        if settings.slack_app_token is not None:
            from bot.socket import run_socket_mode

            return run_socket_mode(settings)
        settings.require("slack_signing_secret", purpose="to serve Slack over HTTP (or set SLACK_APP_TOKEN)")
    except ConfigError as error:
        print(f"scr-bot: {error}", file=sys.stderr)
        return 2
    from scr import db

    db.migrate(settings.database_url)
    os.execv(sys.executable, [sys.executable, "-m", "gunicorn", "--config", "web/gunicorn_conf.py", "web.app:create()"])


if __name__ == "__main__":
    sys.exit(main())
