"""`/ror anomalies`: the paged list, its buttons, the *Filtrer* modal, the CSV export and the
cancellation of a selection."""

import json
from contextlib import closing
from datetime import datetime
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from bot.after_ack import later
from bot.background import Task
from bot.context import AppContext
from bot.csv_export import EXPORT_MAX_ROWS, spreadsheet_export
from bot.errors import after_commit, user_message
from bot.ids import HomeIds, ListIds, SearchIds
from bot.listeners.home import refresh_home
from bot.mrkdwn import escape
from bot.reply import direct_message, tell
from bot.router import CommandCall, Router
from bot.slack_files import upload_file
from bot.slack_users import SlackUser
from bot.views.blocks import Block, text_blocks
from bot.views.detail import detail_modal
from bot.views.listing import PAGE_SIZE, ListState, export_comment, filter_modal, list_blocks, list_text
from domain.errors import InvalidFilter, RorError
from domain.filters import AnomalyFilter, parse_filter_text, parse_filter_words
from domain.habilitation import Member
from domain.services import cancel_anomaly, export_anomalies, list_anomalies, may_cancel, show_anomaly
from domain.statuses import BLOCKED


def render(
    ror: AppContext, member: Member, state: ListState, *, notice: str | None = None
) -> tuple[str, list[Block]]:
    flt = state.filter
    page = list_anomalies(flt=flt, member=member, uow=ror.store.reader(), page=state.page, size=PAGE_SIZE)
    if page.total and not page.items and state.page > 1:  # the list shrank under the user's feet
        state = state.at(page.pages)
        page = list_anomalies(flt=flt, member=member, uow=ror.store.reader(), page=state.page, size=PAGE_SIZE)
    return list_text(page), list_blocks(page, state, flt, ror.settings.timezone, notice=notice)


def list_command(call: CommandCall) -> None:
    state = ListState.of(parse_filter_text(call.text))
    text, blocks = render(call.ror, call.member, state)
    call.reply(text=text, blocks=blocks)


def _post_list(
    *,
    body: dict[str, Any],
    client: WebClient,
    respond: Respond | None,
    text: str,
    blocks: list[Block],
    replace: bool,
) -> None:
    tell(body=body, client=client, respond=respond, text=text, blocks=blocks, replace=replace)


def page_moved(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    member: Member,
    ror: AppContext,
    respond: Respond,
) -> None:
    """*Précédent*, *Suivant*, *Remise à zéro*, *Toutes mes anomalies*: the same message, another state."""
    ack()
    text, blocks = render(ror, member, ListState.decode(action.get("value")))
    _post_list(body=body, client=client, respond=respond, text=text, blocks=blocks, replace=True)


def list_for_resource(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    member: Member,
    ror: AppContext,
    respond: Respond,
) -> None:
    ack()
    state = ListState.of(parse_filter_words([f"id={action.get('value', '')}"]))
    text, blocks = render(ror, member, state)
    _post_list(body=body, client=client, respond=respond, text=text, blocks=blocks, replace=False)


def list_from_home(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    member: Member,
    ror: AppContext,
    respond: Respond,
) -> None:
    ack()
    flt = AnomalyFilter()
    if action.get("action_id") == HomeIds.LIST_BLOCKED:
        flt = flt.with_statuses(BLOCKED)
    text, blocks = render(ror, member, ListState.of(flt))
    _post_list(body=body, client=client, respond=respond, text=text, blocks=blocks, replace=False)


def show_row(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, member: Member, ror: AppContext
) -> None:
    ack()
    anomaly = show_anomaly(reference=str(action.get("value", "")), member=member, uow=ror.store.reader())
    view = detail_modal(anomaly, cancellable=may_cancel(anomaly), tz=ror.settings.timezone)
    client.views_open(trigger_id=body["trigger_id"], view=view)


def selection_changed(ack: Ack) -> None:
    ack()  # the checkboxes are read when *Annuler les anomalies cochées* is clicked


def _selected_references(body: dict[str, Any]) -> list[str]:
    values = (body.get("state") or {}).get("values") or {}
    element = values.get(ListIds.SELECTION_BLOCK, {}).get(ListIds.SELECT, {})
    return [str(opt["value"]) for opt in element.get("selected_options") or []]


def cancel_selection(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    member: Member,
    ror: AppContext,
    respond: Respond,
    slack_user: SlackUser,
) -> None:
    ack()
    references = _selected_references(body)
    if not references:
        tell(body=body, client=client, respond=respond, text="Cochez d'abord les anomalies à annuler.")
        return
    lines = []
    for reference in references:
        try:
            cancelled = cancel_anomaly(
                reference=reference,
                member=member,
                uow=ror.uow(),
                clock=ror.clock,
                system=ror.system,
                ror=ror.ror_national(),
            )
        except RorError as error:  # one refusal does not stop the others; each is reported
            lines.append(f"• {error.message}")
        else:
            lines.append(f"• {cancelled.shown_reference} : annulée.")
    refresh_home(client, slack_user=slack_user, member=member, ror=ror)
    notice = "*Annulation des anomalies cochées*\n" + "\n".join(escape(line) for line in lines)

    def redraw() -> None:
        text, blocks = render(ror, member, ListState.decode(action.get("value")), notice=notice)
        _post_list(body=body, client=client, respond=respond, text=text, blocks=blocks, replace=True)

    after_commit("l'affichage de la liste après l'annulation des anomalies cochées", redraw)


def export_csv(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    context: BoltContext,
    member: Member,
    ror: AppContext,
    respond: Respond,
) -> None:
    ack()
    state = ListState.decode(action.get("value"))
    flt = state.filter
    user_id = str(context.user_id)
    channel = client.conversations_open(users=user_id)["channel"]["id"]
    stamp = ror.clock.now().astimezone(ror.settings.timezone).strftime("%Y%m%d-%H%M")
    # closing(): a capped export stops reading early; the read transaction ends with it, not at collection.
    with (
        closing(export_anomalies(flt=flt, member=member, uow=ror.store.reader())) as anomalies,
        spreadsheet_export(anomalies, limit=EXPORT_MAX_ROWS) as export,
    ):
        comment = export_comment(export.written, flt, limit=EXPORT_MAX_ROWS)
        upload_file(
            client,
            file=export.file,
            size=export.size,
            filename=f"anomalies-ror-{stamp}.csv",
            title=f"Anomalies ROR {stamp}",
            channel_id=channel,
            initial_comment=comment,
        )
    tell(
        body=body,
        client=client,
        respond=respond,
        text=f"{comment} Le fichier vous est envoyé en message privé.",
    )


# --- the *Filtrer* modal ---------------------------------------------------------------------------


def open_filter(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
    ack()
    state = ListState.decode(action.get("value"))
    metadata = json.dumps(
        {"s": state.encode(), "u": body.get("response_url") or ""}, ensure_ascii=False, separators=(",", ":")
    )
    client.views_open(
        trigger_id=body["trigger_id"], view=filter_modal(state.filter, private_metadata=metadata)
    )


def _text(values: dict[str, Any], block: str) -> str:
    return str(values.get(block, {}).get(ListIds.F_INPUT, {}).get("value") or "").strip()


def _options(values: dict[str, Any], block: str) -> list[str]:
    element = values.get(block, {}).get(ListIds.F_INPUT, {})
    return [str(opt["value"]) for opt in element.get("selected_options") or []]


def _date(values: dict[str, Any], block: str) -> str:
    picked = values.get(block, {}).get(ListIds.F_INPUT, {}).get("selected_date")
    return datetime.strptime(picked, "%Y-%m-%d").strftime("%d/%m/%Y") if picked else ""


def filter_words(values: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    """The `key=value` words of the submitted modal, and per-block errors."""
    fields = {
        ListIds.F_REGION: ("region", _text(values, ListIds.F_REGION)),
        ListIds.F_DEP: ("dep", _text(values, ListIds.F_DEP)),
        ListIds.F_REF: ("ref", _text(values, ListIds.F_REF)),
        ListIds.F_STATUS: ("statut", ",".join(_options(values, ListIds.F_STATUS))),
        ListIds.F_KIND: ("ressource", ",".join(_options(values, ListIds.F_KIND))),
        ListIds.F_NAME: ("nom", _text(values, ListIds.F_NAME)),
        ListIds.F_ID: ("id", _text(values, ListIds.F_ID)),
        ListIds.F_ITEM: ("donnee", ",".join(_options(values, ListIds.F_ITEM))),
        ListIds.F_FROM: ("du", _date(values, ListIds.F_FROM)),
        ListIds.F_TO: ("au", _date(values, ListIds.F_TO)),
    }
    words: list[str] = []
    errors: dict[str, str] = {}
    for block, (key, value) in fields.items():
        if not value:
            continue
        word = f"{key}={value}"
        try:
            parse_filter_words([word])
        except InvalidFilter as error:
            errors[block] = error.message[:2000]
            continue
        words.append(word)
    return words, errors


def submit_filter(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, member: Member, ror: AppContext
) -> None:
    words, errors = filter_words(view["state"]["values"])
    if errors:
        ack(response_action="errors", errors=errors)
        return
    try:
        state = ListState.of(parse_filter_words(words))
    except InvalidFilter as error:  # e.g. « du » after « au »
        ack(response_action="errors", errors={ListIds.F_TO: error.message[:2000]})
        return
    ack()
    metadata = json.loads(view.get("private_metadata") or "{}")
    later(
        Task(
            run=show_filtered,
            kwargs={
                "member": member,
                "state": state,
                "response_url": metadata.get("u") or "",
                "user_id": body["user"]["id"],
            },
            what="la liste filtrée",
        ),
        ror=ror,
        client=client,
    )


def show_filtered(
    *, ror: AppContext, client: WebClient, member: Member, state: ListState, response_url: str, user_id: str
) -> None:
    """After the ack of the *Filtrer* modal (bot.after_ack): the list it filters, in place of the list
    (or, if it cannot be read, why, in French, as the error handler would say it, beside the list)."""
    replace = True
    try:
        text, blocks = render(ror, member, state)
    except Exception as error:  # no error handler after the ack: the user is told here
        text, replace = user_message(error), False
        blocks = text_blocks(text)
    if response_url:
        WebhookClient(response_url).send(
            text=text, blocks=blocks, response_type="ephemeral", replace_original=replace
        )
    else:
        direct_message(client, user_id, text=text, blocks=blocks)


def add_routes(router: Router) -> None:
    router.subcommand(("anomalies", "lister", "liste", "list"), list_command, read_only=True)
    for action_id in (ListIds.PREVIOUS, ListIds.NEXT, ListIds.RESET, ListIds.ALL):
        router.action(action_id, page_moved, replay_safe=True)
    router.action(SearchIds.LIST, list_for_resource, replay_safe=True)
    router.action(HomeIds.LIST_ALL, list_from_home, replay_safe=True)
    router.action(HomeIds.LIST_BLOCKED, list_from_home, replay_safe=True)
    router.action(ListIds.SHOW, show_row, replay_safe=True, opens_modal=True)
    router.action(ListIds.SELECT, selection_changed, replay_safe=True)
    router.action(ListIds.CANCEL_SELECTION, cancel_selection)
    router.action(ListIds.EXPORT, export_csv)
    router.action(ListIds.FILTER, open_filter, replay_safe=True, opens_modal=True)
    router.view(ListIds.FILTER_MODAL, submit_filter, replay_safe=True)
