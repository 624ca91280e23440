"""The message shortcut « Déclarer une anomalie »: the message's text pre-fills the descriptions."""

from tests.e2e.conftest import ALICE
from tests.e2e.helpers import input_blocks, seen
from tests.slack_limits import assert_modal_ok

MESSAGE = "Le CH de Narbonne a déménagé son standard : le 04 68 41 60 00 ne répond plus. <@U0OTHER> & co"


def _shortcut(text: str) -> dict:
    return {
        "type": "message_action",
        "callback_id": "declare-from-message",
        "trigger_id": "trigger-shortcut",
        "user": {"id": ALICE, "team_id": "T0001"},
        "team": {"id": "T0001"},
        "channel": {"id": "C0GENERAL"},
        "message": {"type": "message", "text": text, "ts": "1700000000.000100", "user": "U0OTHER"},
        "message_ts": "1700000000.000100",
        "response_url": "https://hooks.example/x",
    }


def test_the_message_shortcut_drafts_each_description_with_the_message_text(slack):
    assert slack.interaction(_shortcut(MESSAGE)).status == 200

    lookup = slack.fake.next("views.open").params["view"]
    assert lookup["callback_id"] == "declare-lookup-modal"
    assert_modal_ok(lookup)
    values = {
        "declare-structure": {"declare-structure-input": {"type": "plain_text_input", "value": "1110000056"}},
        "declare-offer": {"declare-offer-input": {"type": "plain_text_input", "value": None}},
    }
    answer = slack.submit({**lookup, "id": "V0SHORT", "hash": "h1"}, values)
    form = {**answer.json["view"], "id": "V0SHORT", "hash": "h2"}

    options = [
        o
        for o in input_blocks(form)["declare-items"]["element"]["options"]
        if o["text"]["text"] == "Contact établissement"
    ]
    chosen = {"type": "multi_static_select", "selected_options": options}
    slack.click(
        "declare-items-select",
        view={**form, "state": {"values": {"declare-items": {"declare-items-select": chosen}}}},
        action={
            "type": "multi_static_select",
            "action_id": "declare-items-select",
            "block_id": "declare-items",
            "selected_options": options,
            "action_ts": "1",
        },
    )
    step2 = slack.fake.next("views.update").params["view"]
    assert_modal_ok(step2)
    drafts = [
        b["element"].get("initial_value")
        for b in input_blocks(step2).values()
        if b["element"].get("multiline")
    ]
    assert drafts == [MESSAGE]

    # Declaring from there refreshes the App Home counts of the declarant.
    block_id = next(bid for bid, b in input_blocks(step2).items() if b["element"].get("multiline"))
    values = {
        "declare-items": {"declare-items-select": chosen},
        block_id: {"declare-description-input": {"type": "plain_text_input", "value": MESSAGE}},
    }
    answer = slack.submit({**step2, "id": "V0SHORT", "hash": "h3"}, values)
    assert answer.json["response_action"] == "update"
    home = slack.fake.next("views.publish").params
    assert home["user_id"] == ALICE
    assert "Bloquée (destinataire manquant) : *1*" in seen(home["view"])
