"""The honest floor for the latency benchmark: a Bolt app whose /scr listener only acknowledges.

Served by gunicorn's threaded WSGI worker, the server `web` had before it became ASGI:
`gunicorn --config web/gunicorn_conf.py --worker-class gthread --threads 4 'bench.bare_app:create()'`.
"""

import os

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient


def create():
    client = WebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"])
    app = App(client=client, signing_secret=os.environ["SLACK_SIGNING_SECRET"], process_before_response=True)
    app.command("/scr")(lambda ack: ack("ok"))
    return SlackRequestHandler(app)
