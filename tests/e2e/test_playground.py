"""The playground's server and Slack client against the real app over HTTP (in this process): requests
signed so that the real /slack/events accepts them, what the app sends back kept in the fake workspace
the page reads, and the page server itself."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import waitress
from slack_sdk import WebClient

from bot.app import build_app
from bot.context import AppContext
from bot.notifications.recipients import OutboxDelivery
from bot.server import wsgi_app
from bot.settings import Settings
from devtools.playground import Playground, start_playground
from devtools.playground.client import SlackClient
from devtools.playground.demo import seed
from domain.habilitation import Member, Perimeter
from domain.services import DeclarationRequest, DeclaredItem, declare_anomalies, list_groups

ALICE, LEA, PAUL, BOB = "UALICE", "ULEA", "UPAUL", "UBOB"
GENERAL = "C0GENERAL"
ALICE_MEMBER = Member(
    email="alice@editeur.fr", group="Éditeur Occitanie", perimeter=Perimeter.of_regions(["76"])
)


@dataclass
class Running:
    playground: Playground
    context: AppContext
    said: list[str]

    @property
    def client(self) -> SlackClient:
        return self.playground.client

    def seen(self, user: str) -> dict[str, Any]:
        return self.playground.fake.workspace.snapshot(user, name_of=self.playground.fake.name_of)

    def wait(self, user: str, found: Callable[[dict[str, Any]], Any], timeout: float = 10) -> Any:
        """What `found` returns from `user`'s view of the workspace once it is truthy."""
        workspace = self.playground.fake.workspace
        deadline = time.monotonic() + timeout
        while True:
            version = workspace.version
            result = found(self.seen(user))
            if result:
                return result
            remaining = deadline - time.monotonic()
            assert remaining > 0, (
                f"attendu pour {user} : {json.dumps(self.seen(user), ensure_ascii=False)[:3000]}"
            )
            workspace.wait_for_change(version, remaining)

    def page(
        self, path: str, *, data: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        body = None if data is None else json.dumps(data).encode()
        request = urllib.request.Request(self.playground.url + path.lstrip("/"), data=body)
        if body is not None:
            request.add_header("Content-Type", "application/json")
        for key, value in (headers or {}).items():
            request.add_header(key, value)
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return answer.status, dict(answer.headers.items()), answer.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers.items()), error.read()


def channel_text(snapshot: dict[str, Any], channel: str) -> str:
    return json.dumps(snapshot["conversations"].get(channel, []), ensure_ascii=False)


def bot_messages(snapshot: dict[str, Any], channel: str) -> list[dict[str, Any]]:
    return [
        m
        for m in snapshot["conversations"].get(channel, [])
        if m["author"] == "UBOT" and m["kind"] == "message"
    ]


def button(blocks: list[dict[str, Any]], text: str) -> tuple[str, dict[str, Any]]:
    for block in blocks:
        for element in list(block.get("elements", [])) + (
            [block["accessory"]] if "accessory" in block else []
        ):
            if element.get("type") == "button" and element["text"]["text"] == text:
                return block["block_id"], element
    raise AssertionError(f"pas de bouton « {text} »")


def click(blocks: list[dict[str, Any]], text: str) -> dict[str, Any]:
    block_id, element = button(blocks, text)
    return {
        "type": "button",
        "block_id": block_id,
        "action_id": element["action_id"],
        "value": element.get("value"),
    }


@pytest.fixture
def running(tmp_path: Any) -> Iterator[Running]:
    settings = Settings(_env_file=None, database_url=f"sqlite:///{tmp_path / 'playground.db'}")  # type: ignore[call-arg]
    listening = socket.create_server(("127.0.0.1", 0))  # the app's port is known before the playground starts
    said: list[str] = []
    playground = start_playground(settings, app_port=listening.getsockname()[1], port=0, say=said.append)
    context = AppContext.start(playground.settings)
    server = waitress.create_server(wsgi_app(build_app(context), context), sockets=[listening], threads=4)

    def serve() -> None:
        with contextlib.suppress(OSError):
            server.run()

    threading.Thread(target=serve, daemon=True).start()
    yield Running(playground, context, said)
    server.task_dispatcher.shutdown()
    server.close()
    playground.stop()
    context.store.dispose()


def test_the_playground_says_what_it_seeded_and_where_to_open_the_page(running):
    first = running.said[0]
    assert first.startswith("Bac à sable : annuaire de démonstration chargé")
    assert "groupe « Éditeur Occitanie » créé (région 76)" in first
    assert "alice@editeur.fr ajouté(e) au groupe « Éditeur Occitanie »" in first
    assert "Paul Roche <urgences.ror@ch-narbonne.fr>" in first
    deadline = time.monotonic() + 10
    while len(running.said) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert running.said[1] == (
        f"Bac à sable prêt : ouvrez http://127.0.0.1:{running.playground.page.port}/ dans votre navigateur "
        "(Slack simulé sur cette machine, aucun identifiant Slack n'est utilisé)."
    )


def test_seeding_again_changes_nothing_and_the_demo_people_are_in_their_groups(running):
    assert seed(running.context) == []
    groups = {g.name: g for g in list_groups(uow=running.context.uow())}
    assert groups["Éditeur Occitanie"].members == {"alice@editeur.fr"}
    assert str(groups["Éditeur Occitanie"].perimeter) == "76"
    assert groups["Éditeur Auvergne-Rhône-Alpes"].members == {"lea@editeur-aura.fr"}


def test_a_command_typed_on_the_page_is_signed_so_that_the_real_app_answers_that_person_alone(running):
    assert running.client.command(user_id=ALICE, channel_id=GENERAL, text="/ror aide") is None

    replies = running.wait(ALICE, lambda s: bot_messages(s, GENERAL))
    assert "/ror rechercher" in json.dumps(replies[0]["blocks"], ensure_ascii=False)
    assert replies[0]["ephemeral"]
    assert bot_messages(running.seen(LEA), GENERAL) == []
    request = running.playground.fake.calls_to("response_url")[0]
    assert request.params["response_type"] == "ephemeral"


def test_a_request_signed_with_another_secret_is_refused_by_the_app_and_the_page_says_so(running):
    forger = SlackClient(
        events_url=running.client.events_url, signing_secret="pas-le-bon-secret", fake=running.playground.fake
    )
    problem = forger.command(user_id=ALICE, channel_id=GENERAL, text="/ror aide")

    assert problem == "L'app a répondu 401 : Slack afficherait une erreur."
    assert "L'app a répondu 401" in channel_text(running.seen(ALICE), GENERAL)


def test_the_declaration_modal_follows_the_apps_errors_and_updates(running):
    running.client.command(user_id=ALICE, channel_id=GENERAL, text="/ror declarer")
    lookup = running.wait(ALICE, lambda s: s["modals"])[-1]
    assert lookup["view"]["title"]["text"] == "Déclarer une anomalie"

    structure = {
        "declare-structure": {"declare-structure-input": {"type": "plain_text_input", "value": "1690781810"}}
    }
    assert running.client.submit(user_id=ALICE, view_id=lookup["id"], state=structure) is None
    errors = running.seen(ALICE)["modals"][-1]["errors"]
    assert "declare-structure" in errors  # Lyon is outside Alice's perimeter: told as if it did not exist

    structure["declare-structure"]["declare-structure-input"]["value"] = "1110000056"
    running.client.submit(user_id=ALICE, view_id=lookup["id"], state=structure)
    form = running.seen(ALICE)["modals"][-1]
    assert form["id"] == lookup["id"]
    assert form["errors"] == {}
    assert "CH NARBONNE - HOTEL DIEU" in json.dumps(form["view"], ensure_ascii=False)

    chosen = {
        "type": "multi_static_select",
        "selected_options": [{"text": {"type": "plain_text", "text": "Tarifs"}, "value": "3"}],
    }
    running.client.action(
        user_id=ALICE,
        surface={"kind": "view", "id": form["id"]},
        action={**chosen, "block_id": "declare-items", "action_id": "declare-items-select"},
        state={"declare-items": {"declare-items-select": chosen}},
    )
    updated = running.wait(ALICE, lambda s: s["modals"][-1]["hash"] != form["hash"] and s["modals"][-1])
    assert "Description de l'anomalie — Tarifs" in json.dumps(updated["view"], ensure_ascii=False)

    running.client.close(user_id=ALICE, view_id=updated["id"], everything=True)
    assert running.seen(ALICE)["modals"] == []


def declare_on(context: AppContext, structure: str, offer: str | None, *labels: str) -> list[Any]:
    request = DeclarationRequest(
        structure, offer, tuple(DeclaredItem(label, f"Erreur sur {label}") for label in labels)
    )
    return declare_anomalies(
        request=request, member=ALICE_MEMBER, uow=context.uow(), clock=context.clock, system=context.system
    )


def test_the_csv_export_arrives_in_the_dm_and_downloads_from_the_page(running):
    [anomaly] = declare_on(running.context, "1110000056", None, "Tarifs")
    running.client.command(user_id=ALICE, channel_id=GENERAL, text="/ror anomalies")
    [listing] = running.wait(ALICE, lambda s: bot_messages(s, GENERAL))

    running.client.action(
        user_id=ALICE,
        surface={"kind": "message", "ts": listing["ts"]},
        action=click(listing["blocks"], "Exporter (CSV)"),
        state={},
    )
    shared = running.wait(ALICE, lambda s: [m for m in s["conversations"]["DALICE"] if m["files"]])
    assert shared[0]["text"].startswith("Export CSV : 1 anomalie")
    status, headers, body = running.page(f"/files/{shared[0]['files'][0]['id']}")
    assert status == 200
    assert headers["Content-Disposition"].startswith("attachment; filename*=UTF-8''anomalies-ror-")
    assert anomaly.reference in body.decode("utf-8-sig")
    told = running.wait(
        ALICE, lambda s: [m for m in bot_messages(s, GENERAL) if "message privé" in m["text"]]
    )
    assert told


def test_the_recipient_gets_the_anomaly_in_a_dm_and_answers_it_from_there(running):
    [anomaly] = declare_on(running.context, "1110000056", "91/1570", "Horaires")
    assert anomaly.recipient == "urgences.ror@ch-narbonne.fr"
    client = WebClient(token="xoxb-test", base_url=running.playground.fake.api_url)
    assert OutboxDelivery(running.context, client).deliver_pending() >= 1

    [dm] = bot_messages(running.seen(PAUL), "DPAUL")
    assert anomaly.reference in dm["text"]
    running.client.action(
        user_id=PAUL,
        surface={"kind": "message", "ts": dm["ts"]},
        action=click(dm["blocks"], "Corrigée"),
        state={},
    )
    modal = running.wait(PAUL, lambda s: s["modals"])[-1]
    running.client.submit(
        user_id=PAUL,
        view_id=modal["id"],
        state={
            "recipient-comment": {"recipient-comment-input": {"type": "plain_text_input", "value": "Fait."}}
        },
    )
    answered = running.wait(PAUL, lambda s: [m for m in bot_messages(s, "DPAUL") if m["revision"] > 1])
    assert "08 Corrigée" in json.dumps(answered[0]["blocks"], ensure_ascii=False)
    assert running.seen(PAUL)["modals"] == []


def test_opening_the_app_home_publishes_it_for_that_person(running):
    running.client.open_home(user_id=ALICE, tab="home")
    running.client.open_home(user_id=BOB, tab="home")

    alice = running.wait(ALICE, lambda s: s["home"])
    assert "Bienvenue, Alice MARTIN" in json.dumps(alice["view"], ensure_ascii=False)
    bob = running.wait(BOB, lambda s: s["home"])
    assert "monserviceclient.ror@esante.gouv.fr" in json.dumps(bob["view"], ensure_ascii=False)


def test_a_message_shortcut_on_a_message_opens_the_declaration_prefilled(running):
    message = running.playground.fake.workspace.post_as_person(ALICE, GENERAL, "Le standard a changé")
    running.client.shortcut(user_id=ALICE, ts=message.ts, callback_id="declare-from-message")

    modal = running.wait(ALICE, lambda s: s["modals"])[-1]
    assert "Le texte du message servira de première version" in json.dumps(modal["view"], ensure_ascii=False)


# --- the page server ----------------------------------------------------------------------------------


def test_the_page_and_its_scripts_come_from_the_page_server_alone(running):
    status, headers, page = running.page("/")
    assert status == 200
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    html = page.decode()
    assert "http://" not in html
    assert "https://" not in html
    for asset in ("playground.css", "blockkit.js", "playground.js"):
        assert f"/static/{asset}" in html
        status, _, body = running.page(f"/static/{asset}")
        assert status == 200
        assert b"http://" not in body
        assert b"https://" not in body.replace(b"SAFE_URL = /^(https?:", b"")
    assert running.page("/static/../server.py")[0] == 404


def test_the_page_server_refuses_other_hosts_and_anything_but_json(running):
    assert running.page("/api/workspace", headers={"Host": "ror.example.org"})[0] == 403
    request = urllib.request.Request(
        running.playground.url + "api/command", data=b"user=UALICE&channel=C0GENERAL&text=/ror+aide"
    )
    request.add_header("Content-Type", "application/x-www-form-urlencoded")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 415


def test_the_state_long_poll_returns_as_soon_as_the_app_answers(running):
    status, _, body = running.page("/api/state?user=UALICE&since=-1")
    version = json.loads(body)["version"]
    results: list[dict[str, Any]] = []

    def poll() -> None:
        results.append(json.loads(running.page(f"/api/state?user=UALICE&since={version}")[2]))

    waiter = threading.Thread(target=poll)
    waiter.start()
    time.sleep(0.2)
    status, _, answer = running.page(
        "/api/command", data={"user": ALICE, "channel": GENERAL, "text": "/ror aide"}
    )
    assert (status, json.loads(answer)) == (200, {"ok": True, "error": None})
    waiter.join(timeout=10)
    assert results
    assert results[0]["version"] > version
    assert "/ror aide" in channel_text(results[0], GENERAL)


def test_a_late_answer_is_still_shown_and_the_person_is_told_that_slack_would_have_given_up(
    running, monkeypatch
):
    import devtools.playground.client

    monkeypatch.setattr(devtools.playground.client, "ACK_LIMIT_SECONDS", 0.0)
    problem = running.client.command(user_id=ALICE, channel_id=GENERAL, text="/ror aide")

    assert problem is not None
    assert problem.startswith("L'app a mis ")
    assert problem.endswith(" s à répondre : Slack abandonne après 3 s.")
    replies = running.wait(ALICE, lambda s: [m for m in bot_messages(s, GENERAL) if m["blocks"]])
    assert "/ror rechercher" in json.dumps(replies[0]["blocks"], ensure_ascii=False)
    assert "Slack abandonne après 3 s" in channel_text(running.seen(ALICE), GENERAL)
