"""The playground's Slack client: what a person does on the page becomes the request Slack would send
to the app's `/slack/events` — signed with the app's signing secret — and Slack's side of the answer
(a command's reply, a modal's `response_action`) is applied to the fake workspace."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from bot.ids import CommandIds, DeclareIds
from devtools import slack_payloads as payloads
from devtools.fake_slack import FakeSlack
from devtools.signing import signature_headers
from devtools.slack_workspace import dm_channel

ACK_LIMIT_SECONDS = 3.0  # Slack shows an error when the app has not answered by then
REQUEST_TIMEOUT = 30.0
SHORTCUTS = {DeclareIds.MESSAGE_SHORTCUT.value: "Déclarer une anomalie"}

Json = dict[str, Any]


class PlaygroundError(Exception):
    """Something the page asked for that Slack would not do; the message is French."""


@dataclass(frozen=True)
class Answer:
    status: int  # 0: the app did not answer
    body: bytes
    seconds: float

    def json(self) -> Json | None:
        if not self.body.strip():
            return None
        try:
            parsed = json.loads(self.body)
        except ValueError:
            return {"text": self.body.decode("utf-8", "replace")}
        return parsed if isinstance(parsed, dict) else None


class SlackClient:
    def __init__(self, *, events_url: str, signing_secret: str, fake: FakeSlack) -> None:
        self.events_url = events_url
        self.signing_secret = signing_secret
        self.fake = fake
        self.workspace = fake.workspace
        self._events = 0

    # --- sending ---------------------------------------------------------------------------------------

    def _send(self, body: bytes, content_type: str, *, what: str) -> Answer:
        request = urllib.request.Request(self.events_url, data=body, method="POST")
        request.add_header("Content-Type", content_type)
        for key, value in signature_headers(self.signing_secret, body).items():
            request.add_header(key, value)
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:
                answer = Answer(response.status, response.read(), time.monotonic() - started)
        except urllib.error.HTTPError as error:
            answer = Answer(error.code, error.read(), time.monotonic() - started)
        except (urllib.error.URLError, OSError):
            answer = Answer(0, b"", time.monotonic() - started)
        status = "ok" if answer.status == 200 and answer.seconds <= ACK_LIMIT_SECONDS else "error"
        shown = str(answer.status) if answer.status else "pas de réponse"
        self.workspace.note(
            "app", f"/slack/events · {what} → {shown} en {answer.seconds * 1000:.0f} ms", status=status
        )
        return answer

    def _problem(self, answer: Answer) -> str | None:
        """What Slack would tell the person when the app's answer is not a timely 200. A late 200 is still
        used (a demo on a busy machine goes on), but the person is told that Slack would have given up."""
        if answer.status == 0:
            return "L'app ne répond pas sur /slack/events : est-elle démarrée ?"
        if answer.status != 200:
            return f"L'app a répondu {answer.status} : Slack afficherait une erreur."
        if answer.seconds > ACK_LIMIT_SECONDS:
            return f"L'app a mis {answer.seconds:.1f} s à répondre : Slack abandonne après 3 s."
        return None

    @staticmethod
    def _failed(answer: Answer) -> bool:
        return answer.status != 200

    def _user(self, user_id: str) -> str:
        if user_id not in self.fake.users:
            raise PlaygroundError(f"Personne ne s'appelle {user_id} dans cet espace de travail.")
        return user_id

    def _channel_name(self, channel_id: str) -> str:
        return self.workspace.channels.get(channel_id, "directmessage")

    def _response_id(self, url: str) -> str:
        return url.rsplit("/", 1)[1]

    # --- what a person does ------------------------------------------------------------------------------

    def command(self, *, user_id: str, channel_id: str, text: str) -> str | None:
        """A slash command typed in a channel; returns the problem to show, if any."""
        self._user(user_id)
        typed = text.strip()
        self.workspace.echo_command(user_id, channel_id, typed)
        name, _, rest = typed.partition(" ")
        if name != CommandIds.COMMAND.value:
            unknown = f"« {name} » n'est pas une commande de cet espace de travail : essayez /ror aide."
            self.workspace.tell(user_id, channel_id, unknown)
            return unknown
        response_url = self.fake.response_url(user=user_id, channel=channel_id)
        fields = payloads.command_fields(
            text=rest.strip(),
            user_id=user_id,
            channel_id=channel_id,
            channel_name=self._channel_name(channel_id),
            response_url=response_url,
            trigger_id=self.workspace.issue_trigger(user_id),
        )
        answer = self._send(payloads.form_body(fields), payloads.FORM, what=f"commande {typed[:60]}")
        problem = self._problem(answer)
        if problem:
            self.workspace.tell(user_id, channel_id, problem)
        if self._failed(answer):
            return problem
        reply = answer.json()
        if reply and (reply.get("text") or reply.get("blocks")):  # an answer in the ack itself
            self.workspace.respond(self._response_id(response_url), reply)
        return problem

    def post_message(self, *, user_id: str, channel_id: str, text: str) -> None:
        self._user(user_id)
        if not text.strip():
            raise PlaygroundError("Le message est vide.")
        self.workspace.post_as_person(user_id, channel_id, text.strip())

    def action(self, *, user_id: str, surface: Json, action: Json, state: Json) -> str | None:
        """A click, a choice in a select, a ticked checkbox, a picked date: block_actions."""
        self._user(user_id)
        element = {**action, "action_ts": payloads.action_ts()}
        trigger_id = self.workspace.issue_trigger(user_id)
        if surface.get("kind") == "view":
            view = self.workspace.view(str(surface.get("id")))
            if view is None or view.user != user_id:
                raise PlaygroundError("Cette vue n'est plus ouverte.")
            shown = payloads.shown_view(view.view, view_id=view.id, view_hash=view.hash, values=state)
            payload = payloads.block_actions(
                user_id=user_id, actions=[element], trigger_id=trigger_id, view=shown
            )
            channel = dm_channel(user_id)
        else:
            message = self.workspace.message(str(surface.get("ts")))
            if message is None or not message.visible_to(user_id):
                raise PlaygroundError("Ce message n'existe plus.")
            channel = message.channel
            response_url = self.fake.response_url(user=user_id, channel=channel, origin_ts=message.ts)
            payload = payloads.block_actions(
                user_id=user_id,
                actions=[element],
                trigger_id=trigger_id,
                channel={"id": channel, "name": self._channel_name(channel)},
                message={
                    "type": "message",
                    "ts": message.ts,
                    "text": message.text,
                    "blocks": message.blocks,
                    "is_ephemeral": message.ephemeral_to is not None,
                },
                response_url=response_url,
                state=state,
            )
        answer = self._send(
            payloads.interaction_body(payload), payloads.FORM, what=f"clic {element.get('action_id', '')}"
        )
        problem = self._problem(answer)
        if problem:
            self.workspace.tell(user_id, channel, problem)
        return problem

    def submit(self, *, user_id: str, view_id: str, state: Json) -> str | None:
        """The modal's submit button: view_submission, then Slack applies the app's response_action."""
        self._user(user_id)
        view = self.workspace.view(view_id)
        if view is None or view.user != user_id:
            raise PlaygroundError("Cette fenêtre n'est plus ouverte.")
        shown = payloads.shown_view(view.view, view_id=view.id, view_hash=view.hash, values=state)
        payload = payloads.view_submission(
            user_id=user_id, view=shown, trigger_id=self.workspace.issue_trigger(user_id)
        )
        answer = self._send(
            payloads.interaction_body(payload),
            payloads.FORM,
            what=f"envoi de « {(view.view.get('title') or {}).get('text', '')} »",
        )
        problem = self._problem(answer)
        if not self._failed(answer):
            self.workspace.apply_submission_answer(user_id, view_id, answer.json())
        return problem

    def close(self, *, user_id: str, view_id: str, everything: bool) -> str | None:
        self._user(user_id)
        closed = self.workspace.close_view(user_id, view_id, everything=everything)
        if closed is None or not closed.view.get("notify_on_close"):
            return None
        shown = payloads.shown_view(closed.view, view_id=closed.id, view_hash=closed.hash)
        payload = payloads.view_closed(user_id=user_id, view=shown, is_cleared=everything)
        return self._problem(self._send(payloads.interaction_body(payload), payloads.FORM, what="fermeture"))

    def open_home(self, *, user_id: str, tab: str) -> str | None:
        """The person opens the app's Home or Messages tab: the app_home_opened event."""
        self._user(user_id)
        if tab not in ("home", "messages"):
            raise PlaygroundError("Onglet inconnu.")
        home = self.workspace.homes.get(user_id)
        shown = payloads.shown_view(home.view, view_id=home.id, view_hash=home.hash) if home else None
        self._events += 1
        event = payloads.app_home_opened(user_id=user_id, channel_id=dm_channel(user_id), tab=tab, view=shown)
        envelope = payloads.event_callback(event, event_id=f"EvPLAY{self._events:06d}{int(time.time())}")
        answer = self._send(payloads.event_body(envelope), payloads.JSON, what=f"app_home_opened ({tab})")
        return self._problem(answer)

    def shortcut(self, *, user_id: str, ts: str, callback_id: str) -> str | None:
        """A message shortcut chosen on a message of a channel."""
        self._user(user_id)
        if callback_id not in SHORTCUTS:
            raise PlaygroundError("Raccourci inconnu.")
        message = self.workspace.message(ts)
        if message is None or not message.visible_to(user_id):
            raise PlaygroundError("Ce message n'existe plus.")
        response_url = self.fake.response_url(user=user_id, channel=message.channel)
        payload = payloads.message_action(
            user_id=user_id,
            callback_id=callback_id,
            trigger_id=self.workspace.issue_trigger(user_id),
            channel={"id": message.channel, "name": self._channel_name(message.channel)},
            message={"type": "message", "user": message.author, "ts": message.ts, "text": message.text},
            response_url=response_url,
        )
        answer = self._send(
            payloads.interaction_body(payload), payloads.FORM, what=f"raccourci {callback_id}"
        )
        problem = self._problem(answer)
        if problem:
            self.workspace.tell(user_id, message.channel, problem)
        return problem
