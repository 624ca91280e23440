"""Slack's Block Kit limits (SPEC §5), checked on every payload the app builds."""

from __future__ import annotations

from typing import Any

LIMITS = {
    "modal_title": 24,
    "modal_blocks": 100,
    "message_blocks": 50,
    "home_blocks": 100,
    "text_input_max_length": 3000,
    "option_text": 75,
    "option_value": 150,
    "options": 100,
    "section_text": 3000,
    "section_fields": 10,
    "field_text": 2000,
    "button_text": 75,
    "button_value": 2000,
    "id": 255,
    "private_metadata": 3000,
    "header_text": 150,
    "input_label": 2000,
    "hint": 2000,
    "placeholder": 150,
    "context_elements": 10,
    "actions_elements": 25,
    "checkboxes_options": 10,
    "confirm_title": 100,
    "confirm_text": 300,
    "confirm_button": 30,
}


class LimitError(AssertionError):
    pass


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise LimitError(message)


def _text(obj: dict[str, Any], limit: int, where: str) -> None:
    _check(
        isinstance(obj, dict) and obj.get("type") in ("plain_text", "mrkdwn"),
        f"{where} : objet texte attendu",
    )
    _check(0 < len(obj["text"]) <= limit, f"{where} : {len(obj['text'])} caractères (max {limit})")


def _confirm(dialog: dict[str, Any], where: str) -> None:
    _text(dialog["title"], LIMITS["confirm_title"], f"{where}.confirm.title")
    _text(dialog["text"], LIMITS["confirm_text"], f"{where}.confirm.text")
    _text(dialog["confirm"], LIMITS["confirm_button"], f"{where}.confirm.confirm")
    _text(dialog["deny"], LIMITS["confirm_button"], f"{where}.confirm.deny")


def _option(option: dict[str, Any], where: str) -> None:
    _text(option["text"], LIMITS["option_text"], f"{where}.text")
    _check(len(option["value"]) <= LIMITS["option_value"], f"{where}.value trop longue")


def _element(element: dict[str, Any], where: str) -> None:
    kind = element["type"]
    if "action_id" in element:
        _check(len(element["action_id"]) <= LIMITS["id"], f"{where}.action_id trop long")
    if "placeholder" in element:
        _text(element["placeholder"], LIMITS["placeholder"], f"{where}.placeholder")
    if "confirm" in element:
        _confirm(element["confirm"], where)
    if kind == "button":
        _text(element["text"], LIMITS["button_text"], f"{where}.text")
        _check(
            len(element.get("value", "")) <= LIMITS["button_value"],
            f"{where}.value : {len(element.get('value', ''))} caractères",
        )
    elif kind == "plain_text_input":
        _check(element.get("max_length", 3000) <= LIMITS["text_input_max_length"], f"{where}.max_length")
        _check(
            len(element.get("initial_value", "")) <= element.get("max_length", 3000), f"{where}.initial_value"
        )
    elif kind in ("static_select", "multi_static_select", "checkboxes", "radio_buttons", "overflow"):
        options = element.get("options", [])
        limit = LIMITS["checkboxes_options"] if kind == "checkboxes" else LIMITS["options"]
        _check(0 < len(options) <= limit, f"{where} : {len(options)} options (max {limit})")
        for i, option in enumerate(options):
            _option(option, f"{where}.options[{i}]")
        values = {o["value"] for o in options}
        for i, option in enumerate(element.get("initial_options", [])):
            _option(option, f"{where}.initial_options[{i}]")
            _check(option["value"] in values, f"{where}.initial_options[{i}] absente des options")


def _block(block: dict[str, Any], where: str) -> None:
    if "block_id" in block:
        _check(len(block["block_id"]) <= LIMITS["id"], f"{where}.block_id trop long")
    kind = block["type"]
    if kind == "section":
        _check("text" in block or "fields" in block, f"{where} : section vide")
        if "text" in block:
            _text(block["text"], LIMITS["section_text"], f"{where}.text")
        fields = block.get("fields", [])
        _check(len(fields) <= LIMITS["section_fields"], f"{where} : {len(fields)} champs")
        for i, f in enumerate(fields):
            _text(f, LIMITS["field_text"], f"{where}.fields[{i}]")
        if "accessory" in block:
            _element(block["accessory"], f"{where}.accessory")
    elif kind == "header":
        _text(block["text"], LIMITS["header_text"], f"{where}.text")
    elif kind == "context":
        _check(0 < len(block["elements"]) <= LIMITS["context_elements"], f"{where} : éléments")
        for i, e in enumerate(block["elements"]):
            _text(e, LIMITS["section_text"], f"{where}.elements[{i}]")
    elif kind == "actions":
        _check(0 < len(block["elements"]) <= LIMITS["actions_elements"], f"{where} : éléments")
        for i, e in enumerate(block["elements"]):
            _element(e, f"{where}.elements[{i}]")
    elif kind == "input":
        _text(block["label"], LIMITS["input_label"], f"{where}.label")
        if "hint" in block:
            _text(block["hint"], LIMITS["hint"], f"{where}.hint")
        _element(block["element"], f"{where}.element")
    elif kind != "divider":
        raise LimitError(f"{where} : type de bloc inattendu {kind}")


def _unique_block_ids(blocks: list[dict[str, Any]]) -> None:
    ids = [b["block_id"] for b in blocks if "block_id" in b]
    _check(len(ids) == len(set(ids)), f"block_id en double : {ids}")


def assert_message_ok(blocks: list[dict[str, Any]]) -> None:
    _check(0 < len(blocks) <= LIMITS["message_blocks"], f"{len(blocks)} blocs dans un message (max 50)")
    _unique_block_ids(blocks)
    for i, block in enumerate(blocks):
        _block(block, f"blocks[{i}]")


def assert_modal_ok(view: dict[str, Any]) -> None:
    _check(view["type"] == "modal", "une vue modale est attendue")
    _text(view["title"], LIMITS["modal_title"], "title")
    for key in ("submit", "close"):
        if key in view:
            _text(view[key], LIMITS["modal_title"], key)
    _check(len(view.get("private_metadata", "")) <= LIMITS["private_metadata"], "private_metadata trop long")
    _check(len(view.get("callback_id", "")) <= LIMITS["id"], "callback_id trop long")
    blocks = view["blocks"]
    _check(0 < len(blocks) <= LIMITS["modal_blocks"], f"{len(blocks)} blocs dans une modale (max 100)")
    _unique_block_ids(blocks)
    for i, block in enumerate(blocks):
        _block(block, f"blocks[{i}]")


def assert_home_ok(view: dict[str, Any]) -> None:
    _check(view["type"] == "home", "une vue d'accueil est attendue")
    blocks = view["blocks"]
    _check(0 < len(blocks) <= LIMITS["home_blocks"], f"{len(blocks)} blocs (max 100)")
    for i, block in enumerate(blocks):
        _block(block, f"blocks[{i}]")


def all_text(payload: Any) -> str:
    """Every `text` string of a payload, joined (to look for unescaped user text)."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "text" and isinstance(value, str):
                    found.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(payload)
    return "\n".join(found)


def mrkdwn_text(payload: Any) -> str:
    """Every text Slack parses as mrkdwn (where `<!channel>` would ping), joined: mrkdwn text objects and
    a message's top-level `text`."""
    found: list[str] = []

    def walk(node: Any, top: bool) -> None:
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
                found.append(node["text"])
            if top and isinstance(node.get("text"), str) and "type" not in node:
                found.append(node["text"])
            for value in node.values():
                walk(value, False)
        elif isinstance(node, list):
            for item in node:
                walk(item, False)

    walk(payload, True)
    return "\n".join(found)
