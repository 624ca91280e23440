"""The declaration modal, step by step, through /slack/events."""

import json
import re

from domain.catalogue import ResourceKind, data_items_of
from tests.e2e.helpers import input_blocks, seen
from tests.slack_limits import assert_modal_ok


def _text(value):
    return {"type": "plain_text_input", "value": value}


def _lookup_values(structure, offer=None):
    return {
        "declare-structure": {"declare-structure-input": _text(structure)},
        "declare-offer": {"declare-offer-input": _text(offer)},
    }


def _items(view, *labels):
    block = input_blocks(view)["declare-items"]
    options = [o for o in block["element"]["options"] if o["text"]["text"] in labels]
    return {"type": "multi_static_select", "selected_options": options}


def open_lookup(slack):
    slack.command("declarer")
    view = slack.fake.next("views.open").params["view"]
    return {**view, "id": "V0LOOKUP", "hash": "h1"}


def test_declarer_opens_the_modal_on_its_first_step(slack):
    slack.command("declarer")

    opened = slack.fake.next("views.open")
    view = opened.params["view"]
    assert opened.params["trigger_id"].startswith("trigger-")
    assert view["title"]["text"] == "Déclarer une anomalie"
    assert view["submit"]["text"] == "Rechercher"
    assert [b["label"]["text"] for b in input_blocks(view).values()] == ["ID National Structure", "ID Offre"]
    assert_modal_ok(view)


def test_unknown_or_out_of_perimeter_ids_are_inline_errors_of_the_first_step(slack):
    view = open_lookup(slack)

    answer = slack.submit(view, _lookup_values("1690000000", "91/99999"))

    assert answer.status == 200
    assert answer.json["response_action"] == "errors"
    assert "Aucune structure d'identifiant 1690000000" in answer.json["errors"]["declare-structure"]
    assert "Aucune offre d'identifiant 91/99999" in answer.json["errors"]["declare-offer"]


def test_the_full_declaration_of_two_items_ends_with_the_spec_confirmation_in_a_dm(slack):
    view = open_lookup(slack)

    # Step 1 → step 2: the resource and its data items.
    answer = slack.submit(view, _lookup_values("1110000056"))
    assert answer.json["response_action"] == "update"
    form = {**answer.json["view"], "id": "V0LOOKUP", "hash": "h2"}
    assert_modal_ok(form)
    assert "CH NARBONNE - HOTEL DIEU" in seen(form)
    assert input_blocks(form)["declare-items"]["label"]["text"] == "Données en anomalie"
    assert form["submit"]["text"] == "Déclarer une anomalie"

    # Choosing two items redraws the modal with one description per item.
    chosen = _items(form, "Adresse établissement", "Tarifs")
    state = {"declare-items": {"declare-items-select": chosen}}
    slack.click(
        "declare-items-select",
        view={**form, "state": {"values": state}},
        action={
            "type": "multi_static_select",
            "action_id": "declare-items-select",
            "block_id": "declare-items",
            "selected_options": chosen["selected_options"],
            "action_ts": "1",
        },
    )
    updated = slack.fake.next("views.update").params
    assert updated["view_id"] == "V0LOOKUP"
    assert updated["hash"] == "h2"
    step2 = {**updated["view"], "id": "V0LOOKUP", "hash": "h3"}
    assert_modal_ok(step2)
    described = {
        b["label"]["text"]: block_id
        for block_id, b in input_blocks(step2).items()
        if b["element"].get("multiline")
    }
    assert set(described) == {
        "Description de l'anomalie — Adresse établissement",
        "Description de l'anomalie — Tarifs",
    }
    assert "Boulevard Dr Lacroix 11100 NARBONNE" in seen(step2)  # Données présentes dans le ROR
    assert "Non renseigné" in seen(step2)  # Tarifs has no value in the directory

    # Submitting with one description missing: an inline error on that item only.
    address_block = described["Description de l'anomalie — Adresse établissement"]
    tarifs_block = described["Description de l'anomalie — Tarifs"]
    values = {
        "declare-items": {"declare-items-select": chosen},
        address_block: {"declare-description-input": _text("Le numéro de rue manque.")},
        tarifs_block: {"declare-description-input": _text("   ")},
    }
    answer = slack.submit(step2, values)
    assert answer.json == {
        "response_action": "errors",
        "errors": {tarifs_block: "Décrivez l'anomalie (entre 1 et 800 caractères)."},
    }
    assert slack.fake.calls_to("chat.postMessage") == []

    # Then with both: the modal shows the confirmation, and the user gets it in a DM.
    values[tarifs_block] = {"declare-description-input": _text("Les tarifs 2026 ne sont pas publiés.")}
    answer = slack.submit(step2, values)
    assert answer.json["response_action"] == "update"
    assert "Les anomalies suivantes ont été créées" in seen(answer.json["view"])
    dm = slack.fake.next("chat.postMessage")
    assert dm.params["channel"] == "UALICE"
    assert re.fullmatch(
        "Les anomalies suivantes ont été créées :\n"
        "ANO_\\d{12} pour la ressource 1110000056 - « CH NARBONNE - HOTEL DIEU » sur la donnée « Tarifs »\n"
        "ANO_\\d{12} pour la ressource 1110000056 - « CH NARBONNE - HOTEL DIEU » sur la donnée « Adresse établissement »",
        dm.params["text"],
    ), dm.params["text"]


def test_a_view_submission_delivered_twice_creates_the_anomalies_once(slack, running):
    slack.command("declarer 1110000056 91/11359")  # IDs given: step 2 straight away
    form = {**slack.fake.next("views.open").params["view"], "id": "V0REPLAY", "hash": "h"}
    assert "Unité mobile de Gériatrie" in seen(form)
    chosen = _items(form, "Horaires")
    horaires = [item.label for item in data_items_of(ResourceKind.OFFRE)].index("Horaires")
    block = f"declare-description-{horaires}"  # the block the modal shows once Horaires is chosen
    values = {
        "declare-items": {"declare-items-select": chosen},
        block: {"declare-description-input": _text("Fermé le lundi.")},
    }

    first = slack.submit(form, values)
    second = slack.submit(form, values)

    assert first.json["response_action"] == second.json["response_action"] == "update"
    assert seen(first.json["view"]) == seen(second.json["view"])
    from domain.filters import AnomalyFilter
    from domain.services import list_anomalies
    from tests.e2e.helpers import ALICE_MEMBER

    page = list_anomalies(flt=AnomalyFilter(), member=ALICE_MEMBER, uow=running[1].uow())
    assert page.total == 1
    assert page.items[0].data_item == "Horaires"
    assert page.items[0].offer_name == "Unité mobile de Gériatrie"


def test_declarer_with_unknown_ids_opens_the_first_step_with_the_reason(slack):
    slack.command("declarer 1999999999")
    view = slack.fake.next("views.open").params["view"]
    assert view["submit"]["text"] == "Rechercher"
    assert "Aucune structure d'identifiant 1999999999" in seen(view)
    assert input_blocks(view)["declare-structure"]["element"]["initial_value"] == "1999999999"


def test_the_card_button_opens_the_declaration_of_that_resource(slack):
    slack.command("rechercher 1110000056 91/11359")
    card = slack.fake.next("response_url").params["blocks"]
    declare_button = next(
        e
        for b in card
        if b["type"] == "actions"
        for e in b["elements"]
        if e["text"]["text"] == "Déclarer une anomalie"
    )
    slack.click(declare_button["action_id"], declare_button["value"])
    view = slack.fake.next("views.open").params["view"]
    assert view["submit"]["text"] == "Déclarer une anomalie"
    assert json.loads(view["private_metadata"]) == {"s": "1110000056", "o": "91/11359"}
