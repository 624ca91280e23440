"""Connected mode end to end (issue 8): the app over HTTP with signed Slack requests, pointed at the
stand-in ROR national. Declarations become Tasks there and users read its references; cancelling
PATCHes 03; every fault of the stand-in leaves no loss, no duplicate Task, and a French line."""

import re
import time

import pytest

from bot.context import AppContext
from bot.notifications.recipients import OutboxDelivery
from bot.notifications.scheduler import push_to_ror
from bot.slack_client import web_client
from devtools.ror_standin import RorStandIn
from domain.catalogue import ResourceKind, data_item
from tests.e2e.conftest import SlackHttp
from tests.e2e.connected_helpers import confirmation_dm, submit_declaration
from tests.e2e.helpers import buttons, seen

ADRESSE = ("Adresse établissement", "Le numéro de rue manque.")
CONTACT = ("Contact établissement", "Le standard a changé.")
ROR_REFERENCE = r"ANO_3\d{11}"
WAITING = "« En attente d'envoi au ROR national »"


def _references(standin: RorStandIn) -> list[str]:
    return [t["identifier"][0]["value"] for t in sorted(standin.all_tasks(), key=lambda t: int(t["id"]))]


def _push_and_deliver(context: AppContext) -> list[object]:
    """What the scheduler does: send what the journal holds that is due, then deliver the DMs."""
    results = push_to_ror(context)
    OutboxDelivery(context, web_client(context.settings)).deliver_pending()
    return list(results)


def _push_until_sent(context: AppContext, *, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        _push_and_deliver(context)
        with context.store.reader() as uow:
            if uow.ror_journal.count_pending() == 0:
                return
        time.sleep(0.1)
    pytest.fail("the journal still holds operations")


def test_declaring_two_items_creates_two_tasks_and_confirms_with_the_ror_references(
    connected: tuple[SlackHttp, AppContext], standin: RorStandIn
) -> None:
    slack, _ = connected

    answer = submit_declaration(slack, ADRESSE, CONTACT)

    assert answer.json["response_action"] == "update"
    assert "Envoi de vos 2 anomalies au ROR national en cours" in seen(answer.json["view"])
    dm = confirmation_dm(slack)
    references = _references(standin)
    assert len(references) == 2
    by_item = {
        next(i for i in t["input"] if i["type"]["coding"][0]["code"] == "pathElementError")[
            "valueExpression"
        ]["expression"]: t["identifier"][0]["value"]
        for t in standin.all_tasks()
    }
    first, *lines = dm.params["text"].split("\n")
    assert first == "Les anomalies suivantes ont été créées :"
    assert sorted(lines) == sorted(
        f"{reference} pour la ressource 1110000056 - « CH NARBONNE - HOTEL DIEU » sur la donnée « {label} »"
        for label, reference in (
            (
                "Adresse établissement",
                by_item[data_item(ResourceKind.STRUCTURE, "Adresse établissement").fhir_path],
            ),
            (
                "Contact établissement",
                by_item[data_item(ResourceKind.STRUCTURE, "Contact établissement").fhir_path],
            ),
        )
    )
    updated = slack.fake.next("views.update", where=lambda c: c.params.get("view_id") == "VDECLARE")
    assert references[0] in seen(updated.params["view"])
    tasks = sorted(standin.all_tasks(), key=lambda t: int(t["id"]))
    assert sorted(t["description"] for t in tasks) == sorted([ADRESSE[1], CONTACT[1]])
    assert {t["businessStatus"]["coding"][0]["code"] for t in tasks} == {"01"}
    posts = standin.requests_to("POST", "/Task")
    assert len(posts) == 2
    for post in posts:
        for name, value in standin.expected_headers.items():
            assert post.header(name) == value


def test_the_detail_and_the_listing_show_the_ror_reference_and_the_local_one_still_finds_it(
    connected: tuple[SlackHttp, AppContext], standin: RorStandIn
) -> None:
    slack, context = connected
    submit_declaration(slack, ADRESSE)
    confirmation_dm(slack)
    (ror_reference,) = _references(standin)
    with context.store.reader() as uow:
        local = uow.anomalies.get(ror_reference, perimeter=None).reference

    slack.command(f"voir {local}")
    detail = seen(slack.fake.next("response_url").params)
    slack.command("anomalies")
    listing = seen(slack.fake.next("response_url").params)

    assert f"Anomalie {ror_reference}" in detail
    assert f"référence locale : {local}" in detail
    assert ror_reference in listing


def test_cancelling_patches_03_in_the_ror_then_shows_the_anomaly_cancelled(
    connected: tuple[SlackHttp, AppContext], standin: RorStandIn
) -> None:
    slack, _ = connected
    submit_declaration(slack, ADRESSE)
    confirmation_dm(slack)
    (ror_reference,) = _references(standin)

    slack.command(f"annuler {ror_reference}")
    confirm = buttons(slack.fake.next("response_url").params["blocks"])["Confirmer l'annulation"]
    slack.fake.clear()
    slack.click(confirm["action_id"], confirm["value"])
    done = seen(slack.fake.next("response_url").params)

    assert f"L'anomalie {ror_reference} est annulée" in done
    (patch,) = standin.requests_to("PATCH", "/Task/")
    assert patch.body["parameter"][0]["part"][2]["valueCodeableConcept"]["coding"][0]["code"] == "03"
    assert standin.all_tasks()[0]["businessStatus"]["coding"][0]["code"] == "03"


def test_a_cancellation_the_ror_cannot_take_is_queued_and_the_user_told(
    connected: tuple[SlackHttp, AppContext], standin: RorStandIn
) -> None:
    slack, context = connected
    submit_declaration(slack, ADRESSE)
    confirmation_dm(slack)
    (ror_reference,) = _references(standin)
    standin.fail(503, times=1, method="PATCH")

    slack.command(f"annuler {ror_reference}")
    confirm = buttons(slack.fake.next("response_url").params["blocks"])["Confirmer l'annulation"]
    slack.fake.clear()
    slack.click(confirm["action_id"], confirm["value"])
    told = seen(slack.fake.next("response_url").params)

    assert f"L'annulation de l'anomalie {ror_reference} est en attente d'envoi au ROR national" in told
    assert standin.all_tasks()[0]["businessStatus"]["coding"][0]["code"] == "01"
    time.sleep(0.3)
    _push_until_sent(context)
    assert standin.all_tasks()[0]["businessStatus"]["coding"][0]["code"] == "03"


@pytest.mark.parametrize(
    "fault",
    ["server error", "throttled", "dropped after create", "slow", "connection dropped"],
)
def test_when_the_ror_fails_the_declaration_waits_then_lands_once_and_the_declarant_gets_its_reference(
    connected: tuple[SlackHttp, AppContext], standin: RorStandIn, fault: str
) -> None:
    slack, context = connected
    if fault == "server error":
        standin.fail(503, times=1, method="POST")
    elif fault == "throttled":
        standin.throttle(retry_after=1, method="POST")
    elif fault == "dropped after create":
        standin.drop_after_create()
    elif fault == "slow":
        standin.slow(1.5, times=1, method="POST")  # beyond ROR_TIMEOUT_SECONDS=1: the Task lands late
    else:
        standin.drop(times=1, method="POST")

    submit_declaration(slack, ADRESSE)
    first = confirmation_dm(slack).params["text"]

    assert re.search(r"ANO_1\d{11} \(en attente\) pour la ressource 1110000056", first), first
    assert WAITING in first
    time.sleep(1.6 if fault in ("slow", "throttled") else 0.3)
    slack.fake.mark()
    _push_until_sent(context)
    (ror_reference,) = _references(standin)  # one Task: nothing sent twice
    landed = confirmation_dm(slack).params["text"]
    assert f"a été envoyée au ROR national : sa référence est désormais {ror_reference}" in landed


def test_an_expired_token_is_renewed_and_the_declaration_lands(
    connected: tuple[SlackHttp, AppContext], standin: RorStandIn
) -> None:
    slack, _ = connected
    submit_declaration(slack, ADRESSE)
    confirmation_dm(slack)
    standin.expire_tokens()

    submit_declaration(slack, CONTACT)
    text = confirmation_dm(slack).params["text"]

    assert len(_references(standin)) == 2
    assert _references(standin)[1] in text


def test_an_item_the_ror_refuses_is_reported_with_its_reason_and_the_other_is_kept(
    connected: tuple[SlackHttp, AppContext], standin: RorStandIn
) -> None:
    slack, context = connected
    standin.fail(422, times=1, method="POST", diagnostics="La structure est fermée dans le ROR national")

    submit_declaration(slack, ADRESSE, CONTACT)
    text = confirmation_dm(slack).params["text"]

    (kept,) = _references(standin)
    kept_line = next(line for line in text.split("\n") if line.startswith(kept))
    refused = CONTACT[0] if ADRESSE[0] in kept_line else ADRESSE[0]  # the first POST is the refused one
    assert f"{kept} pour la ressource 1110000056" in kept_line
    assert (
        f"Refusée par le ROR national, donc non enregistrée : la donnée « {refused} » "
        "(La structure est fermée dans le ROR national)."
    ) in text
    with context.store.reader() as uow:
        assert uow.ror_journal.count_pending() == 0
