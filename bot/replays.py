"""A Slack request acts once (issue 12 §2). Slack's signature stays valid for five minutes: whoever gets
hold of a signed request could send it again, and `/ror abonner` would subscribe twice, *Confirmer
l'annulation* or *Se désabonner* act twice. Every command, click and form submission carries Slack's
`trigger_id`, unique to it; the first delivery is remembered in the database (domain.services.replays),
and a copy is acknowledged with nothing and goes no further (bot.middleware.acting asks here, after the
acknowledgement for what is acknowledged first, before anything else).

Let through without a write, because a copy of them changes nothing: the commands, clicks and forms the
router marks `replay_safe` (they read, page or open a form, and must keep working while the database is
busy), and events (app_home_opened republishes the App Home, and carries no trigger_id). A new route is
acted on once until it is marked otherwise."""

import logging
from typing import Any

from bot.context import AppContext
from bot.router import Route, Router, split_command
from domain.services.replays import first_delivery

logger = logging.getLogger(__name__)


def replay_key(route: Route, body: dict[str, Any], router: Router) -> str | None:
    """The key identifying this request among its copies, or None when a copy of it changes nothing."""
    trigger_id = body.get("trigger_id")
    if not isinstance(trigger_id, str) or not trigger_id:
        return None
    if route.kind == "command":
        name, _ = split_command(str(body.get("text") or ""))
        subcommand = router.subcommand_for(name)
        safe = subcommand is None or subcommand.replay_safe
    else:
        safe = route.replay_safe
    return None if safe else f"trigger:{trigger_id}"


def first_delivery_of(route: Route, body: dict[str, Any], *, router: Router, ror: AppContext) -> bool:
    """False for a copy of a request already acted on: it must do nothing."""
    key = replay_key(route, body, router)
    if key is None or first_delivery(key=key, uow=ror.uow(), clock=ror.clock):
        return True
    logger.warning("Requête Slack rejouée ignorée (%s %s)", route.kind, route.matcher)
    return False
