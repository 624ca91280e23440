"""What `/ror abonner`, `/ror abonnements` and *Se désabonner* show in the channel."""

from datetime import datetime

from bot.ids import DigestIds
from bot.mrkdwn import safe
from bot.views.blocks import Block, button, context, header, section
from domain.subscriptions import USAGE, SeenSubscription, Subscription

OTHER_PERIMETER = (
    "abonnement d'un autre périmètre que le vôtre : ses filtres et son créateur ne sont visibles que des "
    "membres dont le périmètre le couvre."
)


def subscriptions_blocks(seen: list[SeenSubscription], *, notice: str | None = None) -> list[Block]:
    """The channel's subscriptions as one member may see them: another perimeter's show only their
    number (no filters, no creator, no *Se désabonner*)."""
    blocks: list[Block] = [header("Abonnements de ce canal")]
    if notice:
        blocks.append(section(notice))
    if not seen:
        blocks.append(section(f"Ce canal n'a aucun abonnement. Pour en créer un : {USAGE}"))
        return blocks
    for item in seen[:40]:
        sub = item.subscription
        if sub is None:
            blocks.append(section(f"*n° {item.number}* · {OTHER_PERIMETER}"))
            continue
        text = f"*n° {item.number}* · {safe(sub.describe(), 2500)}\nCréé par {safe(sub.creator_email, 320)}"
        button_ = button("Se désabonner", DigestIds.UNSUBSCRIBE, str(item.number), style="danger")
        blocks.append(section(text, accessory=button_))
    blocks.append(
        context(
            "`/ror desabonner N` supprime l'abonnement n° N ; `/ror digest` publie maintenant le "
            "récapitulatif de vos abonnements."
        )
    )
    return blocks


def subscriptions_text(seen: list[SeenSubscription]) -> str:
    return f"Abonnements de ce canal : {len(seen)}"


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
    return f":white_check_mark: Abonnement n° {removed.id} supprimé : {safe(removed.describe(), 2500)}."


def digests_now_text(posted: int, failed_error: str | None, others: int) -> str | None:
    """What `/ror digest` tells the member, if anything (a posted digest speaks for itself)."""
    lines = []
    if failed_error is not None:
        lines.append(
            f"Slack a refusé la publication ({safe(failed_error, 100)}). Le bot est-il membre du canal ?"
        )
    if others and not posted and failed_error is None:
        lines.append(
            "Les abonnements de ce canal relèvent d'un autre périmètre que le vôtre : seuls leurs membres "
            "peuvent publier leur récapitulatif."
        )
    elif others == 1:
        lines.append(
            "1 abonnement de ce canal relève d'un autre périmètre : son récapitulatif n'a pas été publié."
        )
    elif others:
        lines.append(
            f"{others} abonnements de ce canal relèvent d'un autre périmètre : leurs récapitulatifs n'ont "
            "pas été publiés."
        )
    return "\n".join(lines) or None
