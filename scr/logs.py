"""The logging policy, set once by each process at start-up.

Logs never hold request bodies, `response_url`s, webhook URLs, SQL parameters, notes, reasons or titles. Our own
lines are written that way; the libraries' are held to it here: Bolt logs a whole request that fails the signature
check, and slack_sdk's retry handlers log the URL they retry (a `response_url`, a Teams webhook with its `sig=`),
both at INFO, so those libraries speak only from WARNING up. SQL parameters are hidden by the engine
(`hide_parameters`, scr.db).
"""

from __future__ import annotations

import logging

FORMAT = "%(levelname)s %(name)s: %(message)s"
QUIET = ("slack_bolt", "slack_sdk")


def configure_logging() -> None:
    logging.basicConfig(level=logging.INFO, format=FORMAT)
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
