"""The Teams bot: the Teams SDK's `App` on the web process's FastAPI app, and what it does with each activity.

The SDK answers `POST /api/messages` and verifies every activity's Bot Framework token (issuer, audience, the
signing keys published beside `TEAMS_OPENID_URL`, the `serviceurl` claim against the activity) before any handler
runs; an unauthenticated request gets 401 and reaches nothing here. Handlers then refuse other tenants, key the user
on their object ID, and run the use-cases in a thread (SQLAlchemy is synchronous; the event loop must stay free).

Teams has no ephemeral messages: a record's contents go only to the asker's personal chat with the bot. Asked in a
channel, the bot answers there only that it has answered privately.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import msal
from fastapi import FastAPI
from microsoft_teams.api import (
    Account,
    AdaptiveCardInvokeActivity,
    CreateConversationParams,
    InstalledActivity,
    MentionEntity,
    MessageActivity,
    MessageActivityInput,
)
from microsoft_teams.api.auth.cloud_environment import PUBLIC, CloudEnvironment, with_overrides
from microsoft_teams.apps import ActivityContext, App
from microsoft_teams.apps.http import FastAPIAdapter
from sqlalchemy.orm import Session, sessionmaker

from scr import db, grammar, present, service
from scr.answers import CACHED, Cache
from scr.models import TeamsConversation
from scr.notices import PUBLISH, REFER, SNOOZE
from scr.settings import Settings
from scr.users import teams_user
from teams import cards

log = logging.getLogger(__name__)
LIST_ROWS = 100  # a card holds more than Slack's 50 blocks; `fitted` cuts what passes Teams' size limit
# Teams waits 15 s for the bot's answer to a button: a change that cannot start within 5 s is refused ("busy, nothing
# changed") rather than committed after Teams has shown the person an error.
WRITE_WAIT = 5.0
PRIVATELY = "I sent you the answer in our personal chat."
NOT_OURS = "This bot serves one organisation's safeguarding partnership; your organisation is not it."


class TeamsError(Exception):
    """Teams (or its sign-in service) refused a call the bot made."""


class Loop:
    """The process's one event loop for the SDK, running in a daemon thread for the life of the process.

    An SDK `App` keeps connections tied to the loop it first ran on; reusing it across `asyncio.run()` calls fails
    with "Event loop is closed". Synchronous code (the jobs) hands this loop its coroutines instead.
    """

    _shared: Loop | None = None
    _lock = threading.Lock()

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, name="teams-loop", daemon=True).start()

    @classmethod
    def shared(cls) -> Loop:
        with cls._lock:
            if cls._shared is None:
                cls._shared = cls()
            return cls._shared

    def run(self, coroutine: Coroutine[Any, Any, Any], timeout: float = 60) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)


class Tokens:
    """The bot's tokens for its calls to Teams, from the sign-in service at `TEAMS_LOGIN_URL`, through MSAL.

    MSAL asks login.microsoftonline.com about any sign-in host it does not know ("instance discovery"), and the SDK's
    own token manager leaves that on; a sign-in service set by hand (a sovereign cloud, the tests' fake) must not be
    checked against Microsoft's list, so this provider turns it off. MSAL keeps each token until it expires.
    """

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._clients: dict[str, msal.ConfidentialClientApplication] = {}
        self._lock = threading.Lock()

    async def __call__(self, scope: str, tenant_id: str | None = None) -> str:
        return await asyncio.to_thread(self._acquire, scope, tenant_id or self._settings.teams_tenant_id)

    def _acquire(self, scope: str, tenant_id: str) -> str:
        settings = self._settings
        with self._lock:
            client = self._clients.get(tenant_id)
            if client is None:
                client = self._clients[tenant_id] = msal.ConfidentialClientApplication(
                    settings.teams_client_id, client_credential=settings.teams_client_secret,
                    authority=f"{settings.teams_login_url}/{tenant_id}", instance_discovery=False,
                )
        result = client.acquire_token_for_client([scope])
        if "access_token" not in result:
            raise TeamsError(f"the Teams sign-in service refused the bot: {result.get('error', 'no token')}")
        return result["access_token"]


def cloud(settings: Settings) -> CloudEnvironment:
    """Microsoft's public cloud, with the signing keys and sign-in service where the settings say."""
    return with_overrides(PUBLIC, openid_metadata_url=settings.teams_openid_url,
                          login_endpoint=settings.teams_login_url)


def sdk_app(settings: Settings, adapter: FastAPIAdapter | None = None) -> App:
    """The SDK's App for these settings; with `adapter`, its `/api/messages` goes on that FastAPI app."""
    settings.require("teams_client_id", "teams_client_secret", "teams_tenant_id", purpose="for Teams")
    return App(
        client_id=settings.teams_client_id, tenant_id=settings.teams_tenant_id, token=Tokens(settings),
        cloud=cloud(settings), http_server_adapter=adapter or FastAPIAdapter(),
        # Stated, not left to the environment variable the SDK would otherwise read.
        dangerously_allow_unauthenticated_requests=False, state=False,
    )


@dataclass(frozen=True)
class TeamsBot:
    settings: Settings
    sessions: sessionmaker[Session]
    clock: Callable[[], datetime]
    answers: Cache = field(default_factory=Cache)  # this process's answers to reads, as cards (`scr.answers`)

    # Who is asking

    def tenant_of(self, activity) -> str | None:
        channel_data = activity.channel_data
        tenant = channel_data.tenant if channel_data else None
        return (tenant.id if tenant else None) or activity.conversation.tenant_id

    def ours(self, activity) -> bool:
        """Whether the activity comes from the tenant the bot serves (TEAMS_TENANT_ID)."""
        if (self.tenant_of(activity) or "").lower() == self.settings.teams_tenant_id:
            return True
        log.warning("refused a Teams activity from another tenant")
        return False

    def user_of(self, activity) -> str | None:
        """The asker's key (their object ID), or None for another tenant or an account without one."""
        if not self.ours(activity):
            return None
        object_id = activity.from_.aad_object_id
        try:
            return teams_user(object_id) if object_id else None
        except ValueError:
            return None

    async def command_text(self, ctx: ActivityContext[MessageActivity]) -> str:
        """The message's text as the grammar reads it: the bot's @mention gone, other people's as `<@KEY>`."""
        activity = ctx.activity
        text = activity.text or ""
        for entity in activity.entities or []:
            if not isinstance(entity, MentionEntity) or not entity.text:
                continue
            if entity.mentioned.id == activity.recipient.id:
                text = text.replace(entity.text, " ")
                continue
            object_id = entity.mentioned.aad_object_id
            if object_id is None:
                member = await ctx.api.conversations.get_member_by_id(activity.conversation.id, entity.mentioned.id)
                object_id = member.aad_object_id
            text = text.replace(entity.text, f"<@{teams_user(object_id)}>" if object_id else entity.text)
        return " ".join(text.split())

    def remember(self, activity) -> None:
        """Keep the channel of a team that added the bot, and the service URL that reaches it: notices through the
        bot go there unless SCR_TEAMS_CHANNEL names another."""
        if not self.ours(activity) or activity.conversation.conversation_type != "channel":
            return
        conversation = activity.conversation.id.split(";")[0]
        with db.transaction(self.sessions) as session:
            known = session.get(TeamsConversation, conversation)
            if known is None:
                session.add(TeamsConversation(conversation_id=conversation, service_url=activity.service_url,
                                              captured_at=self.clock()))
            else:
                known.service_url, known.captured_at = activity.service_url, self.clock()
        log.info("the bot was added to a team: its channel now receives notices")

    # What they asked

    async def guest(self, ctx: ActivityContext) -> bool:
        """Whether the asker is a guest in the tenant, or could not be confirmed a member (then treated as one).

        Asked of Teams only with SCR_READERS=workspace, where belonging to the tenant is what lets a person read;
        administrators by SCR_ADMINS are named by whoever deploys the bot and are not asked about.
        """
        activity = ctx.activity
        if self.settings.scr_readers != "workspace" or self.user_of(activity) in self.settings.scr_admins:
            return False
        try:
            member = await ctx.api.conversations.get_member_by_id(activity.conversation.id, activity.from_.id)
        except Exception:
            log.warning("could not look up a Teams user's membership: treated as a guest")
            return True
        return (member.user_role or "user") != "user"

    def context(self, session: Session, user: str, guest: bool = False) -> service.Context:
        settings = self.settings
        # Other tenants never get this far (`user_of`); a tenant's guests hold no role whatever the grants say.
        actor = service.Actor(user, admin=user in settings.scr_admins, outsider=guest)
        return service.Context(session, actor, self.clock(), settings.guidance,
                               list_limit=LIST_ROWS, readers=settings.scr_readers, admins=settings.scr_admins)

    def answer(self, user: str, text: str, guest: bool = False) -> dict:
        """Carry out a typed command as `user` and word the outcome as a card."""
        today = self.clock().date()
        saved = False
        try:
            command = grammar.parse(text, today)
            if isinstance(command, CACHED):  # a read that may have been answered before: see scr.answers
                with db.reads(self.sessions) as session:
                    return self.answers.answer(self.context(session, user, guest), command, cards.answer_card)
            with db.transaction(self.sessions, service.changes_records(command), WRITE_WAIT) as session:
                result = service.execute(self.context(session, user, guest), command)
            saved = True
            return cards.answer_card(result, today)
        except grammar.CommandError as error:
            return cards.error_card(error.message)
        except Exception:
            log.exception("a Teams command failed")
            return cards.error_card(present.trouble(saved))

    def act(self, user: str, verb: str, data: dict, guest: bool = False) -> dict:
        """A card's button: ask first, then do it as `user` (whose role is checked again), as a refreshed card."""
        base, _, step = verb.partition(":")
        reference, kind = data.get("reference"), data.get("kind")
        if base not in cards.BUTTONS or not isinstance(reference, str) or step not in ("", cards.CONFIRM,
                                                                                       cards.CANCEL):
            return cards.error_card("That button is not one of this bot's.")
        if step == cards.CANCEL:
            return cards.text_card(f"Nothing was changed for {cards.TEAMS.code(cards.TEAMS.typed(reference))}.")
        doing = {PUBLISH: "mark reviews published", REFER: "record referrals", SNOOZE: "snooze notices"}[base]
        saved = False
        try:
            with db.transaction(self.sessions, bool(step), WRITE_WAIT) as session:
                ctx = self.context(session, user, guest)
                service.authorise(ctx, "editor", doing)
                if not step:
                    service.find_review(session, reference)
                    return cards.confirm_card(base, {"reference": reference, "kind": kind})
                if base == SNOOZE:
                    result = service.snooze(ctx, reference, str(kind))
                else:
                    command = grammar.Publish(reference, ctx.today) if base == PUBLISH else \
                        grammar.Refer(reference, ctx.today)
                    result = service.execute(ctx, command)
            saved = True
            return cards.answer_card(result, ctx.today)
        except grammar.CommandError as error:
            return cards.error_card(error.message)
        except Exception:
            log.exception("a Teams card action failed")
            return cards.error_card(present.trouble(saved))


def card_message(card: dict) -> MessageActivityInput:
    return MessageActivityInput.model_validate(cards.message(card))


async def send_privately(ctx: ActivityContext[MessageActivity], tenant_id: str, card: dict) -> None:
    """Post `card` in the asker's personal chat with the bot (Teams opens it if it is new)."""
    activity = ctx.activity
    chat = await ctx.api.conversations.create(CreateConversationParams(
        members=[Account(id=activity.from_.id)], tenant_id=tenant_id, channel_data={"tenant": {"id": tenant_id}},
    ))
    await ctx.api.conversations.create_activity(chat.id, card_message(card))


def register(app: App, bot: TeamsBot) -> None:
    tenant_id = bot.settings.teams_tenant_id

    @app.on_message
    async def on_message(ctx: ActivityContext[MessageActivity]) -> None:
        user = bot.user_of(ctx.activity)
        if user is None:
            return
        text = await bot.command_text(ctx)
        card = await asyncio.to_thread(bot.answer, user, text, await bot.guest(ctx))
        if ctx.activity.conversation.conversation_type == "personal":
            await ctx.send(card_message(card))
            return
        await send_privately(ctx, tenant_id, card)
        await ctx.send(PRIVATELY)

    @app.on_install_add
    async def on_install(ctx: ActivityContext[InstalledActivity]) -> None:
        await asyncio.to_thread(bot.remember, ctx.activity)

    @app.on_card_action_execute
    async def on_card_action(ctx: ActivityContext[AdaptiveCardInvokeActivity]) -> dict:
        user = bot.user_of(ctx.activity)
        action = ctx.activity.value.action
        if user is None:
            card = cards.error_card(NOT_OURS)
        else:
            data = action.data if isinstance(action.data, dict) else {}
            card = await asyncio.to_thread(bot.act, user, action.verb or "", data, await bot.guest(ctx))
        return {"statusCode": 200, "type": cards.CONTENT_TYPE, "value": card}


def create_teams(settings: Settings, sessions: sessionmaker[Session], clock: Callable[[], datetime] | None,
                 server: FastAPI) -> App:
    """The Teams bot on `server`; `await app.initialize()` (in the server's lifespan) adds `POST /api/messages`."""
    app = sdk_app(settings, FastAPIAdapter(app=server))
    register(app, TeamsBot(settings, sessions, clock or (lambda: datetime.now(settings.timezone))))
    return app
