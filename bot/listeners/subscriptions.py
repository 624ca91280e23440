"""`/ror abonner`, `/ror abonnements`, `/ror desabonner N`, `/ror digest`, and the digest buttons.

A subscription is referred to by its number, its id in the database, which never changes (positions
shift when another is removed). A subscription is its perimeter's (domain.services.digests)."""

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
from bot.views.blocks import section
from bot.views.listing import ListState
from bot.views.subscriptions import (
    digests_now_text,
    subscribed_blocks,
    subscribed_text,
    subscriptions_blocks,
    subscriptions_text,
    unsubscribed_notice,
)
from domain.digests import RunStatus
from domain.errors import InvalidSubscription
from domain.habilitation import Member
from domain.schedule import next_due
from domain.services.digests import channel_subscriptions, post_digest_now, subscribe, unsubscribe
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
    seen = channel_subscriptions(channel_id=call.channel_id, member=call.member, uow=call.ror.store.reader())
    call.reply(text=subscriptions_text(seen), blocks=subscriptions_blocks(seen))


def unsubscribe_command(call: CommandCall) -> None:
    if len(call.words) != 1 or not call.words[0].isdigit():
        raise InvalidSubscription(
            "Indiquez le numéro de l'abonnement, tel que /ror abonnements l'affiche : /ror desabonner 12."
        )
    removed = unsubscribe(
        channel_id=call.channel_id, number=int(call.words[0]), member=call.member, uow=call.ror.uow()
    )
    notice = unsubscribed_notice(removed)
    after_commit(
        "la confirmation du désabonnement", lambda: call.reply(text=notice, blocks=[section(notice)])
    )


def digest_command(call: CommandCall) -> None:
    ror = call.ror
    poster = SlackDigestPoster(call.client, tz=ror.settings.timezone)
    done = post_digest_now(
        channel_id=call.channel_id, member=call.member, uow=ror.uow(), poster=poster, clock=ror.clock
    )
    if not done.reports and not done.others:
        call.reply(text=f"Ce canal n'a aucun abonnement. Pour en créer un : {USAGE}")
        return
    failed = next((r.error for r in done.reports if r.status is not RunStatus.POSTED), None)
    posted = sum(1 for r in done.reports if r.status is RunStatus.POSTED)
    text = digests_now_text(posted, failed, done.others)
    if text is not None:
        call.reply(text=text, blocks=[section(text)])


def unsubscribe_clicked(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    member: Member,
    ror: AppContext,
    respond: Respond,
) -> None:
    ack()
    channel_id = str(
        (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id") or ""
    )
    value = str(action.get("value") or "")
    number = int(value) if value.isdigit() else 0
    removed = unsubscribe(channel_id=channel_id, number=number, member=member, uow=ror.uow())

    def redraw() -> None:
        seen = channel_subscriptions(channel_id=channel_id, member=member, uow=ror.store.reader())
        blocks = subscriptions_blocks(seen, notice=unsubscribed_notice(removed))
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
    router.subcommand(("abonnements", "subscriptions"), list_command, replay_safe=True)
    router.subcommand(("desabonner", "unsubscribe"), unsubscribe_command)
    router.subcommand(("digest", "recapitulatif", "recap"), digest_command)
    router.action(DigestIds.UNSUBSCRIBE, unsubscribe_clicked)
    router.action(DigestIds.OPEN_LIST, open_list, replay_safe=True)
