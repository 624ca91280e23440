"""Who is acting: the Slack user → e-mail (users.info, cached) → member of a group (checked on every
request, so a removed member loses access at once). Unhabilitated users get the SPEC §2 explanation."""

import json
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext, BoltResponse
from slack_sdk import WebClient

from bot.context import AppContext
from bot.reply import tell, user_id_of
from bot.router import Router
from bot.slack_users import UserDirectory
from bot.views.declare import message_modal
from bot.views.home import not_habilitated_home
from domain.errors import NotHabilitated
from domain.services import resolve_member

logger = logging.getLogger(__name__)


def _json_response(payload: dict[str, Any]) -> BoltResponse:
    return BoltResponse(
        status=200, body=json.dumps(payload, ensure_ascii=False), headers={"Content-Type": "application/json"}
    )


def explain_not_habilitated(
    error: NotHabilitated, *, body: dict[str, Any], client: WebClient, context: BoltContext
) -> BoltResponse:
    """Answer an unhabilitated user where they acted, in French, and do nothing else."""
    message = error.message
    if "command" in body:
        return _json_response({"response_type": "ephemeral", "text": message})
    kind = body.get("type")
    if kind == "view_submission":
        return _json_response(
            {"response_action": "update", "view": message_modal("Accès non autorisé", message)}
        )
    if kind == "event_callback":
        event = body.get("event") or {}
        if event.get("type") == "app_home_opened" and event.get("tab", "home") == "home" and context.user_id:
            client.views_publish(user_id=context.user_id, view=not_habilitated_home(message))
        return BoltResponse(status=200, body="")
    if kind in ("block_actions", "message_action", "shortcut"):
        tell(body=body, client=client, respond=context.respond, text=message)
    return BoltResponse(status=200, body="")


def register(app: App, ror: AppContext, router: Router, users: UserDirectory | None = None) -> UserDirectory:
    directory = users or UserDirectory()

    @app.middleware
    def resolve_acting_member(
        body: dict[str, Any], context: BoltContext, client: WebClient, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        context["ror"] = ror
        context["router"] = router
        user_id = context.user_id or user_id_of(body)
        if not user_id or body.get("type") == "view_closed":
            return next()
        slack_user = directory.lookup(client, user_id)
        context["slack_user"] = slack_user
        if router.lets_through(body):
            return next()  # e.g. recipients answering an anomaly: they need not be in a group
        if "command" in body:
            # Slash commands are acknowledged first and resolve their member afterwards
            # (bot.listeners.commands), so the ack never waits for the database.
            return next()
        try:
            context["member"] = resolve_member(email=slack_user.email, uow=ror.store.reader())
        except NotHabilitated as error:
            logger.info("Utilisateur Slack %s non habilité (%s)", user_id, slack_user.email)
            return explain_not_habilitated(error, body=body, client=client, context=context)
        return next()

    return directory
