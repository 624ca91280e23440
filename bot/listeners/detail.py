"""`/ror voir` and `/ror annuler`: one anomaly's detail, and its cancellation after confirmation."""

from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot.context import AppContext
from bot.errors import after_commit
from bot.ids import DetailIds
from bot.listeners.home import refresh_home
from bot.mrkdwn import escape
from bot.reply import tell
from bot.router import CommandCall, Router
from bot.slack_users import SlackUser
from bot.views.detail import cancel_prompt_blocks, cancelled_text, detail_blocks, detail_modal, detail_text
from domain.anomaly import Anomaly
from domain.errors import TransitionRefused
from domain.habilitation import Member
from domain.services import cancel_anomaly, may_cancel, show_anomaly
from domain.statuses import Status


def _reference(call: CommandCall, usage: str) -> str | None:
    if len(call.words) != 1:
        call.reply(text=usage)
        return None
    return call.words[0]


def show_command(call: CommandCall) -> None:
    reference = _reference(call, "Indiquez une référence d'anomalie : `/ror voir ANO_100000000909`.")
    if reference is None:
        return
    anomaly = show_anomaly(reference=reference, member=call.member, uow=call.ror.store.reader())
    blocks = detail_blocks(anomaly, cancellable=may_cancel(anomaly), tz=call.ror.settings.timezone)
    call.reply(text=detail_text(anomaly), blocks=blocks)


def cancel_command(call: CommandCall) -> None:
    reference = _reference(
        call, "Indiquez la référence de l'anomalie à annuler : `/ror annuler ANO_100000000909`."
    )
    if reference is None:
        return
    anomaly = show_anomaly(reference=reference, member=call.member, uow=call.ror.store.reader())
    if not may_cancel(anomaly):
        reason = "Ce statut est définitif." if anomaly.status.is_final else ""
        raise TransitionRefused(anomaly.reference, anomaly.status, Status.CANCELLED, reason)
    call.reply(text=f"Annuler l'anomalie {anomaly.reference} ?", blocks=cancel_prompt_blocks(anomaly))


def confirm_cancel(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    member: Member,
    ror: AppContext,
    respond: Respond,
    slack_user: SlackUser,
) -> None:
    """*Confirmer l'annulation* under `/ror annuler`: the prompt is replaced by the outcome."""
    ack()
    anomaly = cancel_anomaly(
        reference=str(action.get("value", "")),
        member=member,
        uow=ror.uow(),
        clock=ror.clock,
        system=ror.system,
        ror=ror.ror_national(),
    )
    after_commit(
        "l'affichage de l'annulation",
        lambda: tell(body=body, client=client, respond=respond, text=cancelled_text(anomaly), replace=True),
    )
    refresh_home(client, slack_user=slack_user, member=member, ror=ror)


def keep(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond) -> None:
    ack()
    text = f"L'anomalie {action.get('value', '')} n'a pas été annulée."
    tell(body=body, client=client, respond=respond, text=text, replace=True)


def cancel_from_detail(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    member: Member,
    ror: AppContext,
    respond: Respond,
    slack_user: SlackUser,
) -> None:
    """*Annuler l'anomalie* on a detail (message or modal): the detail is redrawn with the new status."""
    ack()
    anomaly = cancel_anomaly(
        reference=str(action.get("value", "")),
        member=member,
        uow=ror.uow(),
        clock=ror.clock,
        system=ror.system,
        ror=ror.ror_national(),
    )
    refresh_home(client, slack_user=slack_user, member=member, ror=ror)
    after_commit(
        "l'affichage de l'annulation",
        lambda: _redraw_cancelled(
            anomaly, body=body, client=client, respond=respond, tz=ror.settings.timezone
        ),
    )


def _redraw_cancelled(
    anomaly: Anomaly, *, body: dict[str, Any], client: WebClient, respond: Respond, tz: ZoneInfo
) -> None:
    notice = f":white_check_mark: {escape(cancelled_text(anomaly))}"
    view = body.get("view")
    if (body.get("container") or {}).get("type") == "view" and view:
        client.views_update(
            view_id=view["id"],
            view=detail_modal(anomaly, cancellable=may_cancel(anomaly), tz=tz, notice=notice),
        )
        return
    blocks = detail_blocks(anomaly, cancellable=may_cancel(anomaly), tz=tz, notice=notice)
    tell(body=body, client=client, respond=respond, text=cancelled_text(anomaly), blocks=blocks, replace=True)


def add_routes(router: Router) -> None:
    router.subcommand(("voir", "afficher", "show"), show_command, read_only=True)
    router.subcommand(("annuler", "cancel"), cancel_command, replay_safe=True)  # asks first
    router.action(DetailIds.CONFIRM_CANCEL, confirm_cancel)
    router.action(DetailIds.KEEP, keep, replay_safe=True)
    router.action(DetailIds.CANCEL, cancel_from_detail)
