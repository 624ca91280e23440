"""Once a change is committed, what follows it (a confirmation DM, the App Home, a redrawn message) may fail
without the user being told to retry — a retry would do the change twice. Unexpected errors carry a short
reference the user can quote and the log holds."""

import logging
import re
import time

import pytest

from bot.context import AppContext
from bot.ids import DetailIds
from domain.catalogue import ResourceKind, data_items_of
from domain.filters import AnomalyFilter
from domain.services import list_anomalies
from domain.statuses import Status
from tests.e2e.helpers import ALICE_MEMBER, declare, seen

REFERENCE = re.compile(r"E-[0-9A-F]{6}")
RETRY = ("Réessayez", "rien n'a été modifié")


def _declaration_form(slack):
    slack.command("declarer 1110000056 91/11359")  # IDs given: step 2 straight away
    form = {**slack.fake.next("views.open").params["view"], "id": "V0AFTER", "hash": "h"}
    horaires = [item.label for item in data_items_of(ResourceKind.OFFRE)].index("Horaires")
    select = next(b for b in form["blocks"] if b.get("block_id") == "declare-items")
    chosen = [o for o in select["element"]["options"] if o["text"]["text"] == "Horaires"]
    values = {
        "declare-items": {
            "declare-items-select": {"type": "multi_static_select", "selected_options": chosen}
        },
        f"declare-description-{horaires}": {
            "declare-description-input": {"type": "plain_text_input", "value": "Fermé le lundi."}
        },
    }
    return form, values


def _logged(caplog, text: str, *, count: int = 1, timeout: float = 10.0) -> list[logging.LogRecord]:
    """The log records holding `text`, once there are `count` of them (the work after the ack is in
    another thread)."""
    deadline = time.monotonic() + timeout
    while True:
        found = [r for r in caplog.records if text in r.getMessage()]
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.01)


def _all_user_text(slack) -> str:
    return " ".join(seen(call.params) for call in slack.fake.calls)


def test_a_declaration_whose_confirmation_dm_fails_is_still_confirmed_and_never_asked_again(
    slack, running, caplog
):
    caplog.set_level(logging.ERROR, logger="bot.errors")
    form, values = _declaration_form(slack)
    slack.fake.fail("chat.postMessage", "channel_not_found")
    slack.fake.fail("views.publish", "internal_error")

    answer = slack.submit(form, values)

    assert answer.json["response_action"] == "update"
    assert "Les anomalies suivantes ont été créées" in seen(answer.json["view"])
    failures = _logged(caplog, "Action validée, mais", count=2)  # the DM, then the App Home
    page = list_anomalies(flt=AnomalyFilter(), member=ALICE_MEMBER, uow=running[1].uow())
    assert page.total == 1
    assert not any(word in _all_user_text(slack) for word in RETRY)
    assert len(failures) == 2
    assert all(REFERENCE.search(r.getMessage()) and r.exc_info for r in failures)


def test_a_cancellation_whose_redraw_fails_is_not_reported_as_a_failure(slack, running, caplog):
    caplog.set_level(logging.ERROR, logger="bot.errors")
    context: AppContext = running[1]
    [anomaly] = declare(context, "Tarifs")
    slack.fake.fail("views.publish", "internal_error")
    slack.fake.fail("views.update", "not_found")
    view = {"id": "VDETAIL", "hash": "h", "type": "modal", "blocks": []}

    answer = slack.click(DetailIds.CANCEL, anomaly.reference, view=view)

    assert answer.status == 200
    assert _logged(caplog, "Action validée, mais l'affichage de l'annulation")
    assert not any(word in _all_user_text(slack) for word in RETRY)
    assert list_anomalies(flt=AnomalyFilter(), member=ALICE_MEMBER, uow=context.uow()).items[0].status is (
        Status.CANCELLED
    )


def test_an_unexpected_error_carries_a_reference_the_log_holds_and_does_not_claim_nothing_changed(
    slack, caplog, monkeypatch: pytest.MonkeyPatch
):
    import bot.listeners.detail as detail

    def broken(**_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(detail, "show_anomaly", broken)
    slack.command("voir ANO_100000000001")
    told = slack.fake.next("response_url").params["text"]

    assert "Une erreur inattendue est survenue" in told
    assert "rien n'a été modifié" not in told
    assert "n'a peut-être pas abouti" in told
    reference = REFERENCE.search(told)
    assert reference is not None
    logged = [r for r in caplog.records if reference.group(0) in r.getMessage()]
    assert logged
    assert logged[0].exc_info is not None
    assert "boom" in str(logged[0].exc_info[1])
