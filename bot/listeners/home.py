"""The App Home tab: a welcome, the perimeter's anomalies by status, buttons to declare and list."""

import logging
from typing import Any

from slack_sdk import WebClient

from bot.context import AppContext
from bot.errors import after_commit
from bot.router import Router
from bot.slack_users import SlackUser
from bot.views.home import home_view
from domain.habilitation import Member
from domain.services import count_by_status

logger = logging.getLogger(__name__)


def publish_home(client: WebClient, *, slack_user: SlackUser, member: Member, ror: AppContext) -> None:
    counts = count_by_status(member=member, uow=ror.store.reader())
    view = home_view(
        name=slack_user.name, group=member.group, perimeter=member.perimeter.describe(), counts=counts
    )
    client.views_publish(user_id=slack_user.id, view=view)


def refresh_home(client: WebClient, *, slack_user: SlackUser, member: Member, ror: AppContext) -> None:
    """After a declaration or a cancellation, so the counts of the App Home stay true. The action itself
    has succeeded: a failure here is logged, not shown as a failure of the action."""
    after_commit(
        f"le rafraîchissement de l'accueil de {slack_user.id}",
        lambda: publish_home(client, slack_user=slack_user, member=member, ror=ror),
    )


def home_opened(
    event: dict[str, Any], client: WebClient, slack_user: SlackUser, member: Member, ror: AppContext
) -> None:
    if event.get("tab", "home") != "home":
        return
    publish_home(client, slack_user=slack_user, member=member, ror=ror)


def add_routes(router: Router) -> None:
    router.event("app_home_opened", home_opened)
