"""Telling the user something outside an ack: via the response URL when Slack gave one, else by DM."""

from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient

from bot.views.blocks import Block, text_blocks


def user_id_of(body: dict[str, Any]) -> str | None:
    if "user_id" in body:
        return str(body["user_id"])
    user = body.get("user")
    if isinstance(user, dict) and user.get("id"):
        return str(user["id"])
    event = body.get("event")
    if isinstance(event, dict) and event.get("user"):
        user_field = event["user"]
        return str(user_field["id"] if isinstance(user_field, dict) else user_field)
    return None


def direct_message(client: WebClient, user_id: str, *, text: str, blocks: list[Block] | None = None) -> None:
    """Post to the app's DM with the user (the Messages tab of the App Home)."""
    client.chat_postMessage(channel=user_id, text=text, blocks=blocks, unfurl_links=False, unfurl_media=False)


def tell(
    *,
    body: dict[str, Any],
    client: WebClient,
    respond: Respond | None,
    text: str,
    blocks: list[Block] | None = None,
    replace: bool = False,
) -> None:
    """An ephemeral answer where the user acted (response URL), or a DM when there is none (App Home,
    modals). `text` is plain user-visible text; it is escaped here when no blocks are given."""
    if blocks is None:
        blocks = text_blocks(text)
    if respond is not None and body.get("response_url"):
        respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=replace)
        return
    user_id = user_id_of(body)
    if user_id:
        direct_message(client, user_id, text=text, blocks=blocks)
