"""What Slack sends to an app's request URL, built in one place for the e2e tests and the playground:
slash-command form fields, interaction payloads (`payload=` form field) and Events API envelopes.

Field names and shapes follow Slack's documentation of each payload; values that identify the
workspace are the fake's (`T0001`, app `A0001`)."""

from __future__ import annotations

import json
import time
import urllib.parse
from typing import Any

TEAM_ID = "T0001"
TEAM_DOMAIN = "ror"
APP_ID = "A0001"
BOT_USER_ID = "UBOT"
VERIFICATION_TOKEN = "legacy"  # deprecated by Slack, still sent

Json = dict[str, Any]

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


def person(user_id: str) -> Json:
    """The `user` object of interaction payloads."""
    return {"id": user_id, "username": user_id.lower(), "name": user_id.lower(), "team_id": TEAM_ID}


def _team() -> Json:
    return {"id": TEAM_ID, "domain": TEAM_DOMAIN}


def action_ts() -> str:
    return f"{time.time():.6f}"


def command_fields(
    *,
    text: str,
    user_id: str,
    channel_id: str,
    channel_name: str,
    response_url: str,
    trigger_id: str,
    command: str = "/ror",
) -> dict[str, str]:
    """The form fields of a slash command (POSTed form-encoded)."""
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": TEAM_ID,
        "team_domain": TEAM_DOMAIN,
        "channel_id": channel_id,
        "channel_name": channel_name,
        "user_id": user_id,
        "user_name": user_id.lower(),
        "command": command,
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }


def shown_view(view: Json, *, view_id: str, view_hash: str, values: Json | None = None) -> Json:
    """A view as Slack includes it in payloads: the app's view plus its id, hash and state."""
    shown = dict(view)
    shown.update(
        {
            "id": view_id,
            "hash": view_hash,
            "team_id": TEAM_ID,
            "app_id": APP_ID,
            "bot_id": "B0001",
            "state": {"values": values or {}},
        }
    )
    shown.setdefault("private_metadata", "")
    shown.setdefault("callback_id", "")
    return shown


def block_actions(
    *,
    user_id: str,
    actions: list[Json],
    trigger_id: str,
    view: Json | None = None,
    message: Json | None = None,
    channel: Json | None = None,
    response_url: str | None = None,
    state: Json | None = None,
) -> Json:
    """A click (button, select, checkbox, date) in a view (`view` given) or in a message."""
    payload: Json = {
        "type": "block_actions",
        "user": person(user_id),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "team": _team(),
        "enterprise": None,
        "is_enterprise_install": False,
        "trigger_id": trigger_id,
        "actions": actions,
    }
    if state is not None:
        payload["state"] = {"values": state}
    if view is not None:
        payload["container"] = {"type": "view", "view_id": view.get("id")}
        payload["view"] = view
        return payload
    channel = channel or {"id": "C0GENERAL", "name": "general"}
    message = message or {"ts": "1700000000.0001", "text": "", "blocks": []}
    payload["container"] = {
        "type": "message",
        "message_ts": message.get("ts"),
        "channel_id": channel["id"],
        "is_ephemeral": bool(message.get("is_ephemeral", True)),
    }
    payload["channel"] = channel
    payload["message"] = message
    if response_url:
        payload["response_url"] = response_url
    return payload


def view_submission(*, user_id: str, view: Json, trigger_id: str) -> Json:
    """The submit button of a modal; `view` carries the state of its inputs."""
    return {
        "type": "view_submission",
        "user": person(user_id),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "team": _team(),
        "enterprise": None,
        "is_enterprise_install": False,
        "trigger_id": trigger_id,
        "view": view,
        "response_urls": [],
    }


def view_closed(*, user_id: str, view: Json, is_cleared: bool) -> Json:
    return {
        "type": "view_closed",
        "user": person(user_id),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "team": _team(),
        "enterprise": None,
        "is_enterprise_install": False,
        "view": view,
        "is_cleared": is_cleared,
    }


def message_action(
    *,
    user_id: str,
    callback_id: str,
    trigger_id: str,
    channel: Json,
    message: Json,
    response_url: str,
) -> Json:
    """A message shortcut chosen on someone's message."""
    return {
        "type": "message_action",
        "token": VERIFICATION_TOKEN,
        "action_ts": action_ts(),
        "team": _team(),
        "user": person(user_id),
        "channel": channel,
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": callback_id,
        "trigger_id": trigger_id,
        "response_url": response_url,
        "message_ts": message.get("ts"),
        "message": message,
    }


def event_callback(event: Json, *, event_id: str) -> Json:
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": TEAM_ID,
        "api_app_id": APP_ID,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(time.time()),
        "event": event,
        "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}],
    }


def app_home_opened(*, user_id: str, channel_id: str, tab: str, view: Json | None) -> Json:
    event: Json = {
        "type": "app_home_opened",
        "user": user_id,
        "channel": channel_id,
        "tab": tab,
        "event_ts": action_ts(),
    }
    if view is not None:
        event["view"] = view
    return event


def form_body(fields: dict[str, str]) -> bytes:
    return urllib.parse.urlencode(fields).encode()


def interaction_body(payload: Json) -> bytes:
    """Interactions arrive form-encoded, the JSON payload in one `payload` field."""
    return form_body({"payload": json.dumps(payload, ensure_ascii=False)})


def event_body(envelope: Json) -> bytes:
    return json.dumps(envelope, ensure_ascii=False).encode()
