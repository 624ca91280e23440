"""What a Slack workspace holds for the people in it, as the fake Web API (devtools.fake_slack) changes it.

Channel messages, ephemeral messages, DMs with the app, each person's modal stack and App Home, the
response URLs handed out with commands and clicks, uploaded files. The e2e tests read the recorded calls;
the playground (devtools.playground) reads this, so both see one fake Slack."""

from __future__ import annotations

import copy
import itertools
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

BOT_USER = "UBOT"
MODAL_STACK_MAX = 3  # Slack refuses views.push beyond three views
ACTIVITY_MAX = 60

Json = dict[str, Any]


def dm_channel(user_id: str) -> str:
    """The id of the app's DM with `user_id` (what conversations.open answers)."""
    return "D" + user_id[1:] if user_id else "D"


def dm_owner(channel_id: str) -> str | None:
    return "U" + channel_id[1:] if channel_id.startswith("D") else None


def with_block_ids(blocks: list[Json] | None, prefix: str) -> list[Json]:
    """A copy of `blocks` where every block has a block_id, as Slack stores them."""
    result = []
    for index, block in enumerate(copy.deepcopy(blocks or [])):
        if isinstance(block, dict):
            block.setdefault("block_id", f"{prefix}{index}")
        result.append(block)
    return result


@dataclass
class Message:
    ts: str
    channel: str
    text: str
    blocks: list[Json]
    author: str  # BOT_USER or a person's user id
    kind: str = "message"  # "message", "command" (what the person typed), "notice" (the client's remark)
    ephemeral_to: str | None = None
    files: list[Json] = field(default_factory=list)
    thread_ts: str | None = None
    revision: int = 1
    deleted: bool = False
    posted_at: float = field(default_factory=time.time)
    # Message metadata ({"event_type": …, "event_payload": {…}}) given to chat.postMessage.
    metadata: Json | None = None

    def visible_to(self, user_id: str) -> bool:
        return not self.deleted and self.ephemeral_to in (None, user_id)

    def to_json(self) -> Json:
        return {
            "ts": self.ts,
            "channel": self.channel,
            "text": self.text,
            "blocks": self.blocks,
            "author": self.author,
            "kind": self.kind,
            "ephemeral": self.ephemeral_to is not None,
            "files": self.files,
            "thread_ts": self.thread_ts,
            "revision": self.revision,
            "time": time.strftime("%H:%M:%S", time.localtime(self.posted_at)),
        }


@dataclass
class OpenView:
    id: str
    hash: str
    user: str | None
    view: Json
    errors: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> Json:
        return {"id": self.id, "hash": self.hash, "view": self.view, "errors": self.errors}


@dataclass(frozen=True)
class ResponseTarget:
    """Where a response URL posts: the person and channel of the command or click, and the message
    clicked (replace_original / delete_original act on it)."""

    user: str | None
    channel: str | None
    origin_ts: str | None = None


@dataclass(frozen=True)
class StoredFile:
    id: str
    name: str
    title: str
    content: bytes


class Workspace:
    def __init__(self, users: Mapping[str, Any], channels: Mapping[str, str] | None = None) -> None:
        self.users = users  # user id → record with .real_name (FakeSlack.users)
        self.channels: dict[str, str] = dict(channels or {"C0GENERAL": "général"})
        self.messages: list[Message] = []
        self.modals: dict[str, list[OpenView]] = {}
        self.homes: dict[str, OpenView] = {}
        self.orphan_views: dict[str, OpenView] = {}  # opened with a trigger nobody was given
        self.triggers: dict[str, str] = {}
        self.responses: dict[str, ResponseTarget] = {}
        self.pending_files: dict[str, str] = {}
        self.files: dict[str, StoredFile] = {}
        self.activity: deque[Json] = deque(maxlen=ACTIVITY_MAX)
        self.version = 0
        self._changed = threading.Condition(threading.RLock())
        self._ids = itertools.count(1)
        self._ts = itertools.count(1)

    # --- waiting for changes ------------------------------------------------------------------------

    def _touch(self) -> None:
        self.version += 1
        self._changed.notify_all()

    def wait_for_change(self, since: int, timeout: float) -> int:
        """The version once it is past `since`, or the current one after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while self.version <= since:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._changed.wait(remaining)
            return self.version

    def note(self, direction: str, summary: str, *, status: str = "ok") -> None:
        """One line of the activity log the playground shows (requests to the app, calls to Slack)."""
        with self._changed:
            self.activity.append(
                {
                    "n": next(self._ids),
                    "time": time.strftime("%H:%M:%S"),
                    "direction": direction,
                    "summary": summary,
                    "status": status,
                }
            )
            self._touch()

    # --- what the people do (the playground's client) ----------------------------------------------

    def issue_trigger(self, user_id: str) -> str:
        with self._changed:
            trigger = f"{int(time.time())}.{next(self._ids)}.{user_id.lower()}"
            self.triggers[trigger] = user_id
            return trigger

    def register_response_url(self, response_id: str, target: ResponseTarget) -> None:
        with self._changed:
            self.responses[response_id] = target

    def _next_ts(self) -> str:
        return f"{int(time.time())}.{next(self._ts):06d}"

    def _add(self, message: Message) -> Message:
        with self._changed:
            self.messages.append(message)
            self._touch()
            return message

    def post_as_person(self, user_id: str, channel: str, text: str) -> Message:
        return self._add(Message(self._next_ts(), channel, text, [], user_id))

    def echo_command(self, user_id: str, channel: str, text: str) -> Message:
        """What the person typed, shown to them alone (Slack does not post slash commands)."""
        return self._add(
            Message(self._next_ts(), channel, text, [], user_id, kind="command", ephemeral_to=user_id)
        )

    def tell(self, user_id: str, channel: str, text: str) -> Message:
        """A remark of the client itself (e.g. the app did not answer), shown to that person alone."""
        return self._add(
            Message(self._next_ts(), channel, text, [], BOT_USER, kind="notice", ephemeral_to=user_id)
        )

    def message(self, ts: str) -> Message | None:
        with self._changed:
            return next((m for m in self.messages if m.ts == ts and not m.deleted), None)

    def view(self, view_id: str) -> OpenView | None:
        with self._changed:
            for stack in self.modals.values():
                for view in stack:
                    if view.id == view_id:
                        return view
            for home in self.homes.values():
                if home.id == view_id:
                    return home
            return self.orphan_views.get(view_id)

    def close_view(self, user_id: str, view_id: str, *, everything: bool = False) -> OpenView | None:
        """The person closes a modal (everything: the whole stack); returns the closed view."""
        with self._changed:
            stack = self.modals.get(user_id) or []
            for index, view in enumerate(stack):
                if view.id == view_id:
                    del stack[0 if everything else index :]
                    self._touch()
                    return view
            return None

    def apply_submission_answer(self, user_id: str, view_id: str, answer: Json | None) -> None:
        """What Slack does with the app's answer to a view_submission (`response_action`)."""
        with self._changed:
            stack = self.modals.get(user_id) or []
            index = next((i for i, v in enumerate(stack) if v.id == view_id), None)
            if index is None:
                return
            action = (answer or {}).get("response_action")
            if action == "errors":
                stack[index].errors = {str(k): str(v) for k, v in (answer or {}).get("errors", {}).items()}
            elif action == "update":
                self._replace(stack[index], (answer or {})["view"])
            elif action == "push":
                if len(stack) < MODAL_STACK_MAX:
                    stack.append(self._new_view(user_id, (answer or {})["view"]))
            elif action == "clear":
                stack.clear()
            else:
                del stack[index:]
            self._touch()

    # --- the Web API ------------------------------------------------------------------------------

    def _new_view(self, user_id: str | None, view: Json, view_id: str | None = None) -> OpenView:
        n = next(self._ids)
        stored = copy.deepcopy(view)
        stored["blocks"] = with_block_ids(stored.get("blocks"), f"b{n}-")
        return OpenView(view_id or f"V{n:08d}", f"{int(time.time())}.h{n}", user_id, stored)

    def _replace(self, current: OpenView, view: Json) -> None:
        n = next(self._ids)
        stored = copy.deepcopy(view)
        stored["blocks"] = with_block_ids(stored.get("blocks"), f"b{n}-")
        current.view = stored
        current.hash = f"{int(time.time())}.h{n}"
        current.errors = {}

    def _view_answer(self, view: OpenView) -> Json:
        return {"ok": True, "view": {**view.view, "id": view.id, "hash": view.hash}}

    def views_open(self, params: Json) -> Json:
        with self._changed:
            user = self.triggers.get(str(params.get("trigger_id")))
            view = self._new_view(user, params.get("view") or {})
            if user is None:
                self.orphan_views[view.id] = view
            else:
                self.modals[user] = [view]
            self._touch()
            return self._view_answer(view)

    def views_push(self, params: Json) -> Json:
        with self._changed:
            user = self.triggers.get(str(params.get("trigger_id")))
            view = self._new_view(user, params.get("view") or {})
            if user is None:
                self.orphan_views[view.id] = view
            else:
                stack = self.modals.setdefault(user, [])
                if len(stack) >= MODAL_STACK_MAX:
                    return {"ok": False, "error": "push_limit_reached"}
                stack.append(view)
            self._touch()
            return self._view_answer(view)

    def views_update(self, params: Json) -> Json:
        with self._changed:
            view_id = str(params.get("view_id") or params.get("external_id") or "")
            current = self.view(view_id)
            if current is None:  # a view this workspace never showed (tests make some up): answer as Slack
                n = next(self._ids)
                return {
                    "ok": True,
                    "view": {**(params.get("view") or {}), "id": view_id, "hash": f"hash-{n}"},
                }
            if params.get("hash") and params["hash"] != current.hash:
                return {"ok": False, "error": "hash_conflict"}
            self._replace(current, params.get("view") or {})
            self._touch()
            return self._view_answer(current)

    def views_publish(self, params: Json) -> Json:
        with self._changed:
            user = str(params.get("user_id") or "")
            current = self.homes.get(user)
            if current is None:
                current = self.homes[user] = self._new_view(user, params.get("view") or {}, f"VHOME{user}")
            else:
                self._replace(current, params.get("view") or {})
            self._touch()
            return self._view_answer(current)

    def _conversation(self, channel: str) -> str:
        return dm_channel(channel) if channel.startswith(("U", "W")) else channel

    def post_message(self, params: Json) -> Json:
        channel = self._conversation(str(params.get("channel") or ""))
        message = self._add(
            Message(
                self._next_ts(),
                channel,
                str(params.get("text") or ""),
                with_block_ids(params.get("blocks"), "m"),
                BOT_USER,
                thread_ts=params.get("thread_ts") or None,
                metadata=params["metadata"] if isinstance(params.get("metadata"), dict) else None,
            )
        )
        return {
            "ok": True,
            "channel": channel,
            "ts": message.ts,
            "message": {"text": message.text, "blocks": message.blocks, "ts": message.ts},
        }

    def history(self, params: Json) -> Json:
        """conversations.history: the channel's messages newest first, within (oldest, latest), `limit` per
        page (Slack: 100 by default, 999 at most) and the next page's cursor; message metadata only with
        include_all_metadata, as Slack does."""
        channel = self._conversation(str(params.get("channel") or ""))
        oldest = float(params.get("oldest") or 0)
        latest = float(params.get("latest") or 10**12)
        limit = max(1, min(int(params.get("limit") or 100), 999))
        start = int(params.get("cursor") or 0)
        with self._changed:
            found = [
                m
                for m in self.messages
                if m.channel == channel
                and m.kind == "message"
                and m.ephemeral_to is None
                and not m.deleted
                and oldest < float(m.ts) < latest
            ]
        found.sort(key=lambda m: float(m.ts), reverse=True)
        page = found[start : start + limit]
        with_metadata = _truthy(params.get("include_all_metadata"))
        messages = []
        for m in page:
            message: Json = {"type": "message", "ts": m.ts, "text": m.text, "blocks": m.blocks}
            message["user" if m.author != BOT_USER else "bot_id"] = (
                m.author if m.author != BOT_USER else "BBOT"
            )
            if with_metadata and m.metadata is not None:
                message["metadata"] = m.metadata
            messages.append(message)
        more = start + limit < len(found)
        return {
            "ok": True,
            "messages": messages,
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def post_ephemeral(self, params: Json) -> Json:
        message = self._add(
            Message(
                self._next_ts(),
                self._conversation(str(params.get("channel") or "")),
                str(params.get("text") or ""),
                with_block_ids(params.get("blocks"), "m"),
                BOT_USER,
                ephemeral_to=str(params.get("user") or ""),
            )
        )
        return {"ok": True, "message_ts": message.ts}

    def update_message(self, params: Json) -> Json:
        ts = str(params.get("ts") or "")
        with self._changed:
            message = self.message(ts)
            if message is not None:
                message.text = str(params.get("text") or "")
                message.blocks = with_block_ids(params.get("blocks"), "m")
                message.revision += 1
                self._touch()
                return {"ok": True, "channel": message.channel, "ts": ts}
        return {"ok": True, "channel": params.get("channel"), "ts": ts}

    def respond(self, response_id: str, params: Json) -> None:
        """A post to a response URL: a new message, or the clicked one replaced or deleted."""
        with self._changed:
            target = self.responses.get(response_id)
            if target is None or target.channel is None:
                return
            origin = self.message(target.origin_ts) if target.origin_ts else None
            if origin is not None and params.get("delete_original"):
                origin.deleted = True
                self._touch()
                return
            blocks = with_block_ids(params.get("blocks"), "m")
            text = str(params.get("text") or "")
            if origin is not None and _truthy(params.get("replace_original")):
                origin.text, origin.blocks = text, blocks
                origin.revision += 1
                self._touch()
                return
            in_channel = params.get("response_type") == "in_channel"
            self._add(
                Message(
                    self._next_ts(),
                    target.channel,
                    text,
                    blocks,
                    BOT_USER,
                    ephemeral_to=None if in_channel else target.user,
                )
            )

    def open_conversation(self, params: Json) -> Json:
        users = str(params.get("users") or "U")
        return {"ok": True, "channel": {"id": dm_channel(users.split(",")[0])}}

    def upload_url(self, params: Json, base_url: str) -> Json:
        with self._changed:
            file_id = f"F{next(self._ids):08d}"
            self.pending_files[file_id] = str(params.get("filename") or file_id)
            return {"ok": True, "upload_url": f"{base_url}/upload/{file_id}", "file_id": file_id}

    def store_upload(self, file_id: str, content: bytes) -> None:
        with self._changed:
            name = self.pending_files.get(file_id, file_id)
            self.files[file_id] = StoredFile(file_id, name, name, content)

    def complete_upload(self, params: Json) -> Json:
        with self._changed:
            shared = []
            for item in params.get("files") or []:
                stored = self.files.get(str(item.get("id")))
                if stored is None:
                    continue
                stored = StoredFile(
                    stored.id, stored.name, str(item.get("title") or stored.name), stored.content
                )
                self.files[stored.id] = stored
                shared.append(
                    {"id": stored.id, "name": stored.name, "title": stored.title, "size": len(stored.content)}
                )
            channel = str(params.get("channel_id") or params.get("channels") or "")
            if channel and shared:
                self._add(
                    Message(
                        self._next_ts(),
                        self._conversation(channel.split(",")[0]),
                        str(params.get("initial_comment") or ""),
                        [],
                        BOT_USER,
                        files=shared,
                        thread_ts=params.get("thread_ts") or None,
                    )
                )
            return {
                "ok": True,
                "files": [{"id": f.get("id"), "title": f.get("title")} for f in params.get("files") or []],
            }

    # --- what one person sees ------------------------------------------------------------------------

    def snapshot(self, user_id: str, *, name_of: Callable[[str], str]) -> Json:
        with self._changed:
            dm = dm_channel(user_id)
            conversations: dict[str, list[Json]] = {cid: [] for cid in self.channels}
            conversations[dm] = []
            for message in self.messages:
                if message.channel in conversations and message.visible_to(user_id):
                    item = message.to_json()
                    item["author_name"] = (
                        "ROR Anomalies" if message.author == BOT_USER else name_of(message.author)
                    )
                    conversations[message.channel].append(item)
            home = self.homes.get(user_id)
            return {
                "version": self.version,
                "dm": dm,
                "channels": [{"id": cid, "name": name} for cid, name in self.channels.items()],
                "conversations": conversations,
                "modals": [view.to_json() for view in self.modals.get(user_id, [])],
                "home": home.to_json() if home else None,
                "activity": list(self.activity),
            }


def _truthy(value: Any) -> bool:
    # slack_sdk sends booleans of GET requests as "1"/"0".
    return value is True or (isinstance(value, str) and value.lower() in ("true", "1"))
