"""`/ror abonner`, `/ror abonnements`, `/ror desabonner N`, `/ror digest`, and the digest buttons."""

from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot.context import AppContext
from bot.errors import after_commit
from bot.ids import DigestIds
from bot.listeners.listing import render
from bot.notifications.slack_poster import SlackDigestPoster
from bot.reply import tell
from bot.router import CommandCall, Router
from bot.views.listing import ListState
from bot.views.subscriptions import (
    subscribed_blocks,
    subscribed_text,
    subscriptions_blocks,
    unsubscribed_notice,
)
from domain.digests import RunStatus
from domain.errors import InvalidSubscription
from domain.habilitation import Member
from domain.schedule import next_due
from domain.services.digests import list_subscriptions, post_digest_now, subscribe, unsubscribe
from domain.subscriptions import USAGE, parse_subscription_text


def subscribe_command(call: CommandCall) -> None:
    ror = call.ror
    request = parse_subscription_text(call.text, timezone=ror.settings.ror_timezone)
    subscription = subscribe(
        request=request,
        channel_id=call.channel_id,
        member=call.member,
        user_id=call.user_id,
        uow=ror.uow(),
        clock=ror.clock,
    )
    first = next_due(subscription.schedule, ror.clock.now()).astimezone(ror.settings.timezone)
    text = subscribed_text(subscription, first)
    after_commit(
        "la confirmation de l'abonnement", lambda: call.reply(text=text, blocks=subscribed_blocks(text))
    )


def list_command(call: CommandCall) -> None:
    found = list_subscriptions(channel_id=call.channel_id, uow=call.ror.store.reader())
    call.reply(text=f"Abonnements de ce canal : {len(found)}", blocks=subscriptions_blocks(found))


def unsubscribe_command(call: CommandCall) -> None:
    if len(call.words) != 1 or not call.words[0].isdigit():
        raise InvalidSubscription(
            "Indiquez le numéro de l'abonnement (voir /ror abonnements) : /ror desabonner 1."
        )
    removed = unsubscribe(channel_id=call.channel_id, number=int(call.words[0]), uow=call.ror.uow())
    after_commit(
        "la confirmation du désabonnement",
        lambda: call.reply(text=f"Abonnement supprimé : {removed.describe()}."),
    )


def digest_command(call: CommandCall) -> None:
    ror = call.ror
    poster = SlackDigestPoster(call.client, tz=ror.settings.timezone)
    reports = post_digest_now(channel_id=call.channel_id, uow=ror.uow(), poster=poster, clock=ror.clock)
    if not reports:
        call.reply(text=f"Ce canal n'a aucun abonnement. Pour en créer un : {USAGE}")
        return
    failed = [r for r in reports if r.status is not RunStatus.POSTED]
    if failed:
        call.reply(text=f"Slack a refusé la publication ({failed[0].error}). Le bot est-il membre du canal ?")


def unsubscribe_clicked(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    ror: AppContext,
    respond: Respond,
) -> None:
    ack()
    channel_id = str(
        (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id") or ""
    )
    removed = unsubscribe(channel_id=channel_id, subscription_id=int(action.get("value") or 0), uow=ror.uow())

    def redraw() -> None:
        found = list_subscriptions(channel_id=channel_id, uow=ror.store.reader())
        blocks = subscriptions_blocks(found, notice=unsubscribed_notice(removed))
        tell(
            body=body,
            client=client,
            respond=respond,
            text="Abonnement supprimé.",
            blocks=blocks,
            replace=True,
        )

    after_commit("l'affichage des abonnements après le désabonnement", redraw)


def open_list(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    member: Member,
    ror: AppContext,
    respond: Respond,
) -> None:
    """« … et N autres » under a digest: the filtered list, to the clicking member only (the digest stays)."""
    ack()
    text, blocks = render(ror, member, ListState.decode(action.get("value")))
    tell(body=body, client=client, respond=respond, text=text, blocks=blocks, replace=False)


def add_routes(router: Router) -> None:
    router.subcommand(("abonner", "sabonner", "subscribe"), subscribe_command)
    router.subcommand(("abonnements", "subscriptions"), list_command)
    router.subcommand(("desabonner", "unsubscribe"), unsubscribe_command)
    router.subcommand(("digest", "recapitulatif", "recap"), digest_command)
    router.action(DigestIds.UNSUBSCRIBE, unsubscribe_clicked)
    router.action(DigestIds.OPEN_LIST, open_list)
