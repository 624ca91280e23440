"""Every surface of the Slack app, and the router they fill: the app installs it, worker processes use its
subcommands."""

from bot.listeners import commands, declare, detail, home, listing, recipients, search, subscriptions
from bot.router import Router

SURFACES = (commands, search, declare, listing, detail, home, subscriptions, recipients)


def build_router() -> Router:
    router = Router()
    for surface in SURFACES:
        surface.add_routes(router)
    return router
