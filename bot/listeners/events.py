"""Events: the App Home tab, each user's dashboard of open reviews (needing referral and overdue first)."""

from __future__ import annotations

from slack_bolt import App
from slack_sdk import WebClient

from bot import blocks
from scr import grammar, service


def register(app: App, runtime) -> None:
    @app.event("app_home_opened")
    def home(event: dict, client: WebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        try:
            with runtime.context(event["user"], write=False) as ctx:
                service.authorise(ctx, "viewer", "read reviews")
                view = blocks.home_view(service.list_reviews(ctx.session, ctx.today, ctx.rulebooks,
                                                             limit=blocks.HOME_ROWS))
        except grammar.CommandError as refused:
            view = blocks.home_refused(refused.message)
        client.views_publish(user_id=event["user"], view=view)
