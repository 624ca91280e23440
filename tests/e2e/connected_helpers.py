"""Declaring through the modal and reading the outcome, as a user of either mode sees it."""

from typing import Any

from devtools.fake_slack import Call
from domain.catalogue import ResourceKind, data_items_of
from tests.e2e.conftest import SlackHttp
from tests.e2e.helpers import input_blocks

STRUCTURE_LABELS = [item.label for item in data_items_of(ResourceKind.STRUCTURE)]


def submit_declaration(slack: SlackHttp, *items: tuple[str, str], structure: str = "1110000056") -> Any:
    """`/ror declarer <structure>` then the form submitted with `(item, description)` pairs; returns the
    HTTP answer to the submission (the ack)."""
    slack.command(f"declarer {structure}")
    form = {**slack.fake.next("views.open").params["view"], "id": "VDECLARE", "hash": "h"}
    options = input_blocks(form)["declare-items"]["element"]["options"]
    labels = [label for label, _ in items]
    chosen = {
        "type": "multi_static_select",
        "selected_options": [o for o in options if o["text"]["text"] in labels],
    }
    values: dict[str, Any] = {"declare-items": {"declare-items-select": chosen}}
    for label, description in items:
        block = f"declare-description-{STRUCTURE_LABELS.index(label)}"
        values[block] = {"declare-description-input": {"type": "plain_text_input", "value": description}}
    return slack.submit(form, values)


def confirmation_dm(slack: SlackHttp, user: str = "UALICE") -> Call:
    return slack.fake.next("chat.postMessage", where=lambda call: call.params.get("channel") == user)
