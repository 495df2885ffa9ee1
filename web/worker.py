"""The `web` process's gunicorn worker: uvicorn (`uvicorn_worker`, not the deprecated `uvicorn.workers`), as its
authors suggest configuring it, by subclassing.

- No access log of uvicorn's own: gunicorn's is off (`web/gunicorn_conf.py`) since Heroku's router logs every
  request, but uvicorn would still build a log record for each one.
- No reading of `X-Forwarded-*`: nothing here uses the client's address, and uvicorn trusts those headers only from
  `FORWARDED_ALLOW_IPS` (127.0.0.1 by default, never Heroku's router) anyway.
"""

from uvicorn_worker import UvicornWorker


class Worker(UvicornWorker):
    CONFIG_KWARGS = {**UvicornWorker.CONFIG_KWARGS, "access_log": False, "proxy_headers": False}
