"""Small Block Kit constructors shared by every view; they cut text to Slack's limits."""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.mrkdwn import cut, escape, truncate

Block = dict[str, Any]

SECTION_TEXT_MAX = 3000
FIELD_TEXT_MAX = 2000
CONFIRM_TEXT_MAX = 300
BUTTON_TEXT_MAX = 75
OPTION_TEXT_MAX = 75
HEADER_TEXT_MAX = 150
MODAL_TITLE_MAX = 24
MESSAGE_BLOCKS_MAX = 50
MODAL_BLOCKS_MAX = 100


def plain(text: str, limit: int = 3000) -> dict[str, Any]:
    return {"type": "plain_text", "text": truncate(text, limit), "emoji": True}


def md(text: str, limit: int = SECTION_TEXT_MAX) -> dict[str, Any]:
    """A mrkdwn text object; `text` is already escaped, and is cut to `limit` between entities."""
    return {"type": "mrkdwn", "text": cut(text, limit)}


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text, HEADER_TEXT_MAX)}


def section(text: str, *, accessory: dict[str, Any] | None = None, block_id: str | None = None) -> Block:
    block: Block = {"type": "section", "text": md(text)}
    if accessory is not None:
        block["accessory"] = accessory
    if block_id is not None:
        block["block_id"] = block_id
    return block


def text_blocks(text: str) -> list[Block]:
    """Plain user-visible text (escaped for mrkdwn) as the blocks of a message."""
    return [section(escape(text))]


def fields_section(fields: list[str]) -> Block:
    return {"type": "section", "fields": [md(f, FIELD_TEXT_MAX) for f in fields[:10]]}


def context(*texts: str) -> Block:
    return {"type": "context", "elements": [md(t) for t in texts[:10]]}


def divider() -> Block:
    return {"type": "divider"}


def actions(*elements: dict[str, Any], block_id: str | None = None) -> Block:
    block: Block = {"type": "actions", "elements": list(elements)[:25]}
    if block_id is not None:
        block["block_id"] = block_id
    return block


def confirm(title: str, text: str, yes: str, no: str = "Annuler") -> dict[str, Any]:
    return {
        "title": plain(title, 100),
        "text": md(text, CONFIRM_TEXT_MAX),
        "confirm": plain(yes, 30),
        "deny": plain(no, 30),
        "style": "danger",
    }


def button(
    text: str,
    action_id: str,
    value: str | None = None,
    *,
    style: str | None = None,
    confirm_dialog: dict[str, Any] | None = None,
) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "button", "text": plain(text, BUTTON_TEXT_MAX), "action_id": action_id}
    if value is not None:
        element["value"] = value
    if style is not None:
        element["style"] = style
    if confirm_dialog is not None:
        element["confirm"] = confirm_dialog
    return element


def option(text: str, value: str) -> dict[str, Any]:
    return {"text": plain(text, OPTION_TEXT_MAX), "value": value}


def modal(
    *,
    title: str,
    blocks: list[Block],
    callback_id: str,
    submit: str | None = None,
    close: str = "Fermer",
    private_metadata: str = "",
) -> dict[str, Any]:
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title, MODAL_TITLE_MAX),
        "close": plain(close, MODAL_TITLE_MAX),
        "blocks": blocks[:MODAL_BLOCKS_MAX],
        "private_metadata": private_metadata,
    }
    if submit is not None:
        view["submit"] = plain(submit, MODAL_TITLE_MAX)
    return view


def local_time(moment: datetime | None, tz: ZoneInfo) -> str:
    """`15/01/2026 10:30` in `tz` (Europe/Paris by default settings)."""
    if moment is None:
        return "—"
    return moment.astimezone(tz).strftime("%d/%m/%Y %H:%M")


def sections_of_lines(lines: list[str], *, limit: int = SECTION_TEXT_MAX) -> list[Block]:
    """As few sections as possible holding `lines`, each section text within `limit`."""
    blocks: list[Block] = []
    current = ""
    for line in lines:
        line = cut(line, limit)
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            blocks.append(section(current))
            current = line
        else:
            current = candidate
    if current:
        blocks.append(section(current))
    return blocks
