"""gunicorn settings for the `web` process (Heroku sets PORT and WEB_CONCURRENCY).

Each worker is uvicorn (`web.worker`) running the ASGI app: the Teams SDK is async, and Slack's synchronous Bolt app
runs in that worker's threads.
"""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '3000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "web.worker.Worker"  # uvicorn_worker's, without what nothing here reads
# Slack gives up after three seconds; a request still running after 30 is stuck.
timeout = 30
graceful_timeout = 25
# No access log: Heroku's router already logs every request, and a refused one gets its own line (web.door).
accesslog = None
