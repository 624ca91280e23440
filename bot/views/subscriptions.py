"""What `/ror abonner`, `/ror abonnements` and *Se désabonner* show in the channel."""

from datetime import datetime

from bot.ids import DigestIds
from bot.mrkdwn import safe
from bot.views.blocks import Block, button, context, header, section
from domain.subscriptions import USAGE, Subscription


def subscriptions_blocks(subscriptions: list[Subscription], *, notice: str | None = None) -> list[Block]:
    blocks: list[Block] = [header("Abonnements de ce canal")]
    if notice:
        blocks.append(section(notice))
    if not subscriptions:
        blocks.append(section(f"Ce canal n'a aucun abonnement. Pour en créer un : {USAGE}"))
        return blocks
    for number, sub in enumerate(subscriptions[:40], start=1):
        text = f"*n° {number}* · {safe(sub.describe(), 2500)}\nCréé par {safe(sub.creator_email, 320)}"
        blocks.append(
            section(
                text, accessory=button("Se désabonner", DigestIds.UNSUBSCRIBE, str(sub.id), style="danger")
            )
        )
    blocks.append(
        context(
            "`/ror desabonner N` supprime l'abonnement n° N ; `/ror digest` publie le récapitulatif maintenant."
        )
    )
    return blocks


def subscribed_text(subscription: Subscription, first: datetime) -> str:
    """`first`: the first digest, in the subscription's timezone."""
    return (
        f":white_check_mark: Ce canal est abonné : {safe(subscription.describe(), 2500)}.\n"
        f"Premier récapitulatif le {first:%d/%m/%Y à %H:%M}. Pensez à inviter le bot dans le canal "
        "s'il n'y est pas encore."
    )


def subscribed_blocks(text: str) -> list[Block]:
    return [section(text)]


def unsubscribed_notice(removed: Subscription) -> str:
    return f":white_check_mark: Abonnement supprimé : {safe(removed.describe(), 2500)}."
