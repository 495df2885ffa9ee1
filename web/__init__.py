"""The `web` process: one ASGI app serving Slack (`/slack/events`), Teams (`/api/messages`) and `/healthz`."""
