"""A Slack request acts once (issue 12 §2). Slack's signature stays valid for five minutes: whoever gets
hold of a signed request could send it again, and `/ror abonner` would subscribe twice, *Confirmer
l'annulation* or *Se désabonner* act twice. Every command and click carries Slack's `trigger_id`, unique
to it; the first delivery is remembered in the database (domain.services.replays) and any copy is
answered with an empty 200 before anything else runs.

Let through without a write, because a copy of them changes nothing: the commands, clicks and forms the
router marks `replay_safe` (they read, page or open a form, and must keep working while the database is
busy), and events (app_home_opened republishes the App Home, and carries no trigger_id)."""

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltResponse

from bot.context import AppContext
from bot.listeners.commands import split_command
from bot.router import Router
from domain.services.replays import first_delivery

logger = logging.getLogger(__name__)


def replay_key(body: dict[str, Any], router: Router) -> str | None:
    """The key identifying this request among its copies, or None when a copy of it changes nothing."""
    trigger_id = body.get("trigger_id")
    if not isinstance(trigger_id, str) or not trigger_id:
        return None  # events: app_home_opened only republishes the App Home
    key = f"trigger:{trigger_id}"
    if "command" in body:
        name, _ = split_command(str(body.get("text") or ""))
        subcommand = router.subcommand_for(name)
        return None if subcommand is None or subcommand.replay_safe else key
    kind = body.get("type")
    if kind == "block_actions":
        names = [str(action.get("action_id") or "") for action in body.get("actions") or []]
        return None if all(router.replay_safe("action", name) for name in names) else key
    if kind in ("shortcut", "message_action"):
        return None if router.replay_safe("shortcut", str(body.get("callback_id") or "")) else key
    if kind == "view_submission":
        callback_id = str((body.get("view") or {}).get("callback_id") or "")
        return None if router.replay_safe("view", callback_id) else key
    return None


def register(app: App, ror: AppContext, router: Router) -> None:
    @app.middleware
    def act_once(body: dict[str, Any], next: Callable[[], BoltResponse]) -> BoltResponse | None:
        key = replay_key(body, router)
        if key is None or first_delivery(key=key, uow=ror.uow(), clock=ror.clock):
            return next()
        logger.warning("Requête Slack rejouée ignorée (%s)", body.get("type") or body.get("command"))
        return BoltResponse(status=200, body="")
