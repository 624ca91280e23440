"""`/ror declarer` and the declaration modal: look the resource up, choose items, describe, declare."""

import hashlib
import json
import logging
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.after_ack import later
from bot.background import Task
from bot.context import AppContext
from bot.errors import after_commit
from bot.ids import DeclareIds, SearchIds
from bot.listeners.home import refresh_home
from bot.mrkdwn import escape
from bot.reply import direct_message
from bot.router import CommandCall, Router
from bot.slack_users import SlackUser
from bot.views.declare import (
    PREFILL_MAX,
    DeclareForm,
    DeclareTarget,
    confirmation_blocks,
    description_block_id,
    done_modal,
    form_modal,
    lookup_modal,
    proposed_block_id,
    sending_modal,
)
from domain.catalogue import ResourceKind, data_items_of
from domain.errors import InvalidDeclaration
from domain.habilitation import Member
from domain.services import (
    DeclarationRequest,
    DeclaredItem,
    ResourceCard,
    confirmation_text,
    declare_anomalies,
    description_key,
    find_resource,
    proposed_value_key,
)
from domain.services.ror_sending import declaration_report, send_declaration

logger = logging.getLogger(__name__)


# --- reading the modal's state --------------------------------------------------------------------


def _value(values: dict[str, Any], block_id: str, action_id: str) -> str:
    element = values.get(block_id, {}).get(action_id, {})
    return str(element.get("value") or "")


def _selected_labels(values: dict[str, Any], labels: list[str]) -> list[str]:
    element = values.get(DeclareIds.ITEMS_BLOCK, {}).get(DeclareIds.ITEMS_SELECT, {})
    chosen = []
    for opt in element.get("selected_options") or []:
        index = int(opt.get("value", -1))
        if 0 <= index < len(labels):
            chosen.append(labels[index])
    return chosen


def _typed(values: dict[str, Any], labels: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    descriptions, proposed = {}, {}
    for index, label in enumerate(labels):
        text = _value(values, description_block_id(index), DeclareIds.DESCRIPTION_INPUT)
        if text:
            descriptions[label] = text
        value = _value(values, proposed_block_id(index), DeclareIds.PROPOSED_INPUT)
        if value:
            proposed[label] = value
    return descriptions, proposed


def idempotency_key(view: dict[str, Any]) -> str:
    """Same view, same submitted values → same key: a replayed submission declares nothing new."""
    values = json.dumps(view.get("state", {}).get("values", {}), sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha256(values.encode("utf-8")).hexdigest()[:32]
    return f"slack:{view.get('id', '')}:{digest}"


def _labels(kind: ResourceKind) -> list[str]:
    return [item.label for item in data_items_of(kind)]


def build_form(
    card: ResourceCard,
    target: DeclareTarget,
    *,
    selected: list[str] | None = None,
    descriptions: dict[str, str] | None = None,
    proposed: dict[str, str] | None = None,
) -> DeclareForm:
    resource = card.resource
    resource_label = f"{resource.kind.label} {resource.resource_id}"
    if resource.kind is ResourceKind.OFFRE:
        resource_label += f" · {resource.structure_name} ({resource.structure_id})"
    return DeclareForm(
        target=target,
        resource_name=resource.name,
        resource_label=resource_label,
        item_labels=_labels(resource.kind),
        present_values={pv.item.label: pv.value for pv in card.present_values},
        selected=selected or [],
        descriptions=descriptions or {},
        proposed=proposed or {},
    )


def _block_for(field: str, labels: list[str], *, step: int) -> str:
    for prefix, block_id in (
        (description_key(""), description_block_id),
        (proposed_value_key(""), proposed_block_id),
    ):
        if field.startswith(prefix):
            label = field.removeprefix(prefix)
            return block_id(labels.index(label)) if label in labels else DeclareIds.ITEMS_BLOCK
    if step == 1:
        return DeclareIds.OFFER_BLOCK if field == "offre" else DeclareIds.STRUCTURE_BLOCK
    return DeclareIds.ITEMS_BLOCK


def errors_for(error: InvalidDeclaration, labels: list[str], *, step: int) -> dict[str, str]:
    """The domain's per-field errors keyed by the modal's block_ids (messages joined when two fields share
    a block)."""
    errors: dict[str, str] = {}
    for field, message in error.errors.items():
        block = _block_for(field, labels, step=step)
        errors[block] = f"{errors[block]} {message}" if block in errors else message
    return {block: message[:2000] for block, message in errors.items()}


# --- opening the modal ----------------------------------------------------------------------------


def open_declaration(
    *,
    client: WebClient,
    trigger_id: str,
    member: Member,
    ror: AppContext,
    structure_id: str,
    offer_id: str | None,
) -> None:
    """Open step 2 straight away when the IDs are known, else step 1 with the IDs and the reason."""
    target = DeclareTarget(structure_id=structure_id, offer_id=offer_id)
    try:
        card = find_resource(
            structure_id=structure_id,
            offer_id=offer_id,
            member=member,
            uow=ror.store.reader(),
            live=ror.live_directory(for_slack=True),  # the trigger_id opens a modal within 3 s only
        )
    except InvalidDeclaration as error:
        view = lookup_modal(structure_id=structure_id, offer_id=offer_id or "", error=error.message)
    else:
        view = form_modal(build_form(card, target))
    client.views_open(trigger_id=trigger_id, view=view)


def declare_command(call: CommandCall) -> None:
    words = call.words
    if not words:
        call.client.views_open(trigger_id=call.trigger_id, view=lookup_modal())
        return
    open_declaration(
        client=call.client,
        trigger_id=call.trigger_id,
        member=call.member,
        ror=call.ror,
        structure_id=words[0],
        offer_id=words[1] if len(words) > 1 else None,
    )


def open_blank(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    ack()
    client.views_open(trigger_id=body["trigger_id"], view=lookup_modal())


def open_from_message(ack: Ack, shortcut: dict[str, Any], client: WebClient) -> None:
    """Message shortcut « Déclarer une anomalie »: the message's text pre-fills the descriptions."""
    ack()
    text = str((shortcut.get("message") or {}).get("text") or "").strip()
    client.views_open(trigger_id=shortcut["trigger_id"], view=lookup_modal(prefill=text[:PREFILL_MAX]))


def open_from_card(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, member: Member, ror: AppContext
) -> None:
    ack()
    data = json.loads(action.get("value") or "{}")
    open_declaration(
        client=client,
        trigger_id=body["trigger_id"],
        member=member,
        ror=ror,
        structure_id=str(data.get("s") or ""),
        offer_id=data.get("o") or None,
    )


# --- step 1: the resource --------------------------------------------------------------------------


def submit_lookup(ack: Ack, view: dict[str, Any], member: Member, ror: AppContext) -> None:
    values = view["state"]["values"]
    structure_id = _value(values, DeclareIds.STRUCTURE_BLOCK, DeclareIds.STRUCTURE_INPUT).strip()
    offer_id = _value(values, DeclareIds.OFFER_BLOCK, DeclareIds.OFFER_INPUT).strip() or None
    try:
        card = find_resource(
            structure_id=structure_id,
            offer_id=offer_id,
            member=member,
            uow=ror.store.reader(),
            live=ror.live_directory(for_slack=True),  # a view_submission is answered within 3 s
        )
    except InvalidDeclaration as error:
        ack(response_action="errors", errors=errors_for(error, [], step=1))
        return
    target = DeclareTarget(
        structure_id=card.structure.resource_id if card.structure else structure_id,
        offer_id=offer_id,
        prefill=DeclareTarget.decode(view.get("private_metadata", "")).prefill,
    )
    ack(response_action="update", view=form_modal(build_form(card, target)))


# --- step 2: choosing items updates the view -------------------------------------------------------


def items_changed(ack: Ack, body: dict[str, Any], client: WebClient, member: Member, ror: AppContext) -> None:
    ack()
    view = body["view"]
    target = DeclareTarget.decode(view.get("private_metadata", ""))
    card = find_resource(
        structure_id=target.structure_id, offer_id=target.offer_id, member=member, uow=ror.store.reader()
    )
    labels = _labels(card.kind)
    values = view["state"]["values"]
    descriptions, proposed = _typed(values, labels)
    selected = _selected_labels(values, labels)
    if target.prefill:  # a newly chosen item starts from the message's text
        descriptions = {label: descriptions.get(label, target.prefill) for label in selected}
    form = build_form(card, target, selected=selected, descriptions=descriptions, proposed=proposed)
    try:
        client.views_update(view_id=view["id"], hash=view.get("hash"), view=form_modal(form))
    except SlackApiError as error:
        if error.response.get("error") != "hash_conflict":
            raise
        logger.info(
            "views.update ignoré : une mise à jour plus récente de la vue %s est en cours", view["id"]
        )


# --- step 2: the declaration -----------------------------------------------------------------------


def submit_declaration(
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    client: WebClient,
    member: Member,
    ror: AppContext,
    slack_user: SlackUser,
) -> None:
    target = DeclareTarget.decode(view.get("private_metadata", ""))
    values = view["state"]["values"]
    # The catalogue of the resource kind: the offer's when an ID Offre was given.
    labels = _labels(ResourceKind.OFFRE if target.offer_id else ResourceKind.STRUCTURE)
    chosen = _selected_labels(values, labels)
    descriptions, proposed = _typed(values, labels)
    request = DeclarationRequest(
        structure_id=target.structure_id,
        offer_id=target.offer_id,
        items=tuple(
            DeclaredItem(label, descriptions.get(label, ""), proposed.get(label)) for label in chosen
        ),
        idempotency_key=idempotency_key(view),
    )
    connected = ror.settings.connected  # the ROR national's client is connected in the worker, not here
    try:
        created = declare_anomalies(
            request=request,
            member=member,
            uow=ror.uow(),
            clock=ror.clock,
            system=ror.system,
            connected=connected,
        )
    except InvalidDeclaration as error:
        ack(response_action="errors", errors=errors_for(error, labels, step=2))
        return
    text: str | None = None
    if connected:
        # Kept locally with its journal entries; the POSTs go after the ack (Slack waits 3 s at most).
        ack(response_action="update", view=sending_modal(len(created)))
    else:
        text = confirmation_text(created)
        ack(response_action="update", view=done_modal(text))
    later(
        Task(
            run=confirm_declaration,
            kwargs={
                "user_id": body["user"]["id"],
                "view_id": view["id"],
                "references": [anomaly.reference for anomaly in created],
                "text": text,
                "slack_user": slack_user,
                "member": member,
            },
            what="la confirmation de la déclaration",
        ),
        ror=ror,
        client=client,
    )


def confirm_declaration(
    *,
    ror: AppContext,
    client: WebClient,
    user_id: str,
    view_id: str,
    references: list[str],
    text: str | None,
    slack_user: SlackUser,
    member: Member,
) -> None:
    """After the ack of a declaration (bot.after_ack). Connected (`text` None): the POSTs to the ROR
    national, each bounded by ROR_TIMEOUT_SECONDS, then the modal shows the ROR's references. Then the
    declarant's DM, and their App Home's counts."""
    sender = ror.ror_sender() if text is None else None
    if sender is not None:
        report = declaration_report(send_declaration(sender, references=references))
        after_commit(
            "la mise à jour de la fenêtre de déclaration",
            lambda: client.views_update(view_id=view_id, view=done_modal(report)),
        )
        text = report
    if text is None:  # connected when the declaration was acknowledged, no longer now
        return
    confirmed = text
    after_commit(
        "le message privé confirmant la déclaration",
        lambda: direct_message(
            client, user_id, text=escape(confirmed), blocks=confirmation_blocks(confirmed)
        ),
    )
    refresh_home(client, slack_user=slack_user, member=member, ror=ror)


def add_routes(router: Router) -> None:
    router.subcommand(
        ("declarer", "déclarer", "declare"), declare_command, replay_safe=True, opens_modal=True
    )
    router.action(DeclareIds.OPEN_MODAL, open_blank, replay_safe=True, opens_modal=True)
    router.action(SearchIds.DECLARE, open_from_card, replay_safe=True, opens_modal=True)
    router.shortcut(DeclareIds.MESSAGE_SHORTCUT, open_from_message, replay_safe=True, opens_modal=True)
    router.view(DeclareIds.LOOKUP_MODAL, submit_lookup, replay_safe=True)
    router.action(DeclareIds.ITEMS_SELECT, items_changed, replay_safe=True)
    router.view(DeclareIds.FORM_MODAL, submit_declaration)
