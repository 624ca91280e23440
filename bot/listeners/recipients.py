"""Recipients answering an anomaly from their DM: a button per outcome → a modal with an optional
comment → domain.services.record_outcome. Recipients need not belong to a habilitation group."""

import json
import re
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot.after_ack import later
from bot.background import Task
from bot.context import AppContext
from bot.ids import RecipientIds
from bot.mrkdwn import escape
from bot.router import Router
from bot.views.recipients import (
    outcome_metadata,
    outcome_modal,
    recipient_blocks,
    recipient_text,
    recorded_notice,
)
from domain.anomaly import Anomaly
from domain.errors import RorError
from domain.services import recipient_outcomes, record_outcome
from domain.statuses import Status

OUTCOME_ACTION = re.compile(rf"^{RecipientIds.OUTCOME}\d{{2}}$")


def is_recipient_request(body: dict[str, Any]) -> bool:
    if body.get("type") == "block_actions":
        return all(OUTCOME_ACTION.match(str(a.get("action_id", ""))) for a in body.get("actions") or [{}])
    if body.get("type") == "view_submission":
        return (body.get("view") or {}).get("callback_id") == RecipientIds.OUTCOME_MODAL
    return False


def outcome_clicked(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
    ack()
    status = Status(str(action["action_id"]).removeprefix(RecipientIds.OUTCOME))
    reference = str(action.get("value", ""))
    channel = str(
        (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id") or ""
    )
    ts = str((body.get("message") or {}).get("ts") or (body.get("container") or {}).get("message_ts") or "")
    metadata = outcome_metadata(reference, status, channel, ts)
    client.views_open(
        trigger_id=body["trigger_id"], view=outcome_modal(reference, status, private_metadata=metadata)
    )


def outcome_submitted(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ror: AppContext = context["ror"]
    slack_user = context.get("slack_user")
    meta = json.loads(view.get("private_metadata") or "{}")
    values = (view.get("state") or {}).get("values") or {}
    comment = str(
        values.get(RecipientIds.COMMENT_BLOCK, {}).get(RecipientIds.COMMENT_INPUT, {}).get("value") or ""
    )
    try:
        anomaly = record_outcome(
            reference=str(meta.get("r", "")),
            recipient_email=(slack_user.email if slack_user else "") or "",
            target=Status(str(meta.get("s"))),
            uow=ror.uow(),
            clock=ror.clock,
            system=ror.system,
            comment=comment,
        )
    except RorError as error:
        ack(response_action="errors", errors={RecipientIds.COMMENT_BLOCK: error.message[:2000]})
        return
    ack()
    later(
        Task(
            run=show_recorded,
            kwargs={"anomaly": anomaly, "meta": meta, "user_id": body["user"]["id"]},
            what="l'affichage de la réponse enregistrée",
        ),
        ror=ror,
        client=client,
    )


def show_recorded(
    *, ror: AppContext, client: WebClient, anomaly: Anomaly, meta: dict[str, Any], user_id: str
) -> None:
    """After the ack (bot.after_ack): the recipient's message shows the outcome, or a DM tells it."""
    if meta.get("c") and meta.get("t"):
        blocks = recipient_blocks(
            anomaly, recipient_outcomes(anomaly), ror.settings.timezone, notice=recorded_notice(anomaly)
        )
        client.chat_update(channel=meta["c"], ts=meta["t"], text=recipient_text(anomaly), blocks=blocks)
    else:
        client.chat_postMessage(channel=user_id, text=escape(recorded_notice(anomaly)))


def add_routes(router: Router) -> None:
    router.without_member(is_recipient_request)
    router.action(OUTCOME_ACTION, outcome_clicked, replay_safe=True, opens_modal=True)
    router.view(RecipientIds.OUTCOME_MODAL, outcome_submitted)
