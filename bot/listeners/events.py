"""Events: the App Home tab, each user's dashboard of open reviews (needing referral and overdue first)."""

from __future__ import annotations

from slack_bolt import App
from slack_sdk import WebClient

from bot import blocks
from scr import service


def register(app: App, runtime) -> None:
    @app.event("app_home_opened")
    def home(event: dict, client: WebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        with runtime.context(event["user"]) as ctx:
            listing = service.list_reviews(ctx.session, ctx.today, ctx.rulebooks, limit=blocks.HOME_ROWS)
        client.views_publish(user_id=event["user"], view=blocks.home_view(listing))
