"""The outbox delivered as Slack DMs: recipients get the anomaly with outcome buttons, recipients with no
Slack account leave the anomaly blocked with a history entry, declaring members hear of changes."""

import logging

import pytest

from bot.context import AppContext
from bot.notifications.recipients import OutboxDelivery
from bot.settings import Settings
from bot.slack_client import web_client
from devtools.fake_slack import FakeSlack
from domain.habilitation import Perimeter
from domain.services import (
    DeclarationRequest,
    DeclaredItem,
    add_member,
    create_group,
    declare_anomalies,
    record_outcome,
    set_recipient,
    show_anomaly,
)
from domain.services.recipients import wrong_recipients
from domain.statuses import Status
from storage import Store
from tests.builders import a_member, narbonne
from tests.fakes import FixedClock

ALICE = a_member(regions={"76"})
REFERENT = "referent@ch-narbonne.fr"


@pytest.fixture
def fake_slack():
    fake = FakeSlack().start()
    fake.add_user("UALICE", ALICE.email, "Alice Martin")
    yield fake
    fake.stop()


@pytest.fixture
def context(store: Store, fake_slack: FakeSlack) -> AppContext:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        slack_bot_token="xoxb-test",  # type: ignore[arg-type]
        slack_api_url=fake_slack.api_url,
        database_url=store.url,
    )
    create_group(name="Éditeur", perimeter=Perimeter.of_regions(["76"]), uow=store.uow())
    add_member(group_name="Éditeur", email=ALICE.email, uow=store.uow())
    with store.uow() as uow:
        uow.directory.upsert(narbonne(recipient=REFERENT))
        uow.commit()
    return AppContext(settings=settings, store=store, clock=FixedClock())


def delivery(context: AppContext, fake: FakeSlack) -> OutboxDelivery:
    return OutboxDelivery(context, web_client(context.settings))


def declare(context: AppContext):
    request = DeclarationRequest("1110000056", None, (DeclaredItem("Tarifs", "Tarif faux"),))
    [anomaly] = declare_anomalies(
        request=request, member=ALICE, uow=context.uow(), clock=context.clock, system="test"
    )
    return anomaly


def test_a_recipient_in_the_workspace_gets_a_dm_with_the_outcomes_they_may_record(context, fake_slack):
    fake_slack.add_user("UREF", REFERENT, "Référent FINESS")
    anomaly = declare(context)
    assert anomaly.status is Status.SENT_TO_RECIPIENT
    delivery(context, fake_slack).deliver_pending()
    [dm] = fake_slack.calls_to("chat.postMessage")  # the routing itself is not told to the declarant
    assert dm.params["channel"] == "UREF"
    for label in (
        "Corrigée",
        "Refusée",
        "Tolérée temporairement",
        "Tolérée définitivement",
        "À vérifier",
        "Destinataire erroné",
    ):
        assert label in dm.text()
    assert anomaly.reference in dm.text()
    assert delivery(context, fake_slack).deliver_pending() == 0  # delivered once
    assert len(fake_slack.calls_to("chat.postMessage")) == 1


def test_a_recipient_not_in_the_workspace_leaves_the_anomaly_blocked_with_a_clear_history_entry(
    context, fake_slack
):
    anomaly = declare(context)
    delivery(context, fake_slack).deliver_pending()
    blocked = show_anomaly(reference=anomaly.reference, member=ALICE, uow=context.uow())
    assert blocked.status is Status.BLOCKED_WRONG_RECIPIENT
    last = blocked.history[-1]
    assert REFERENT in last.comment
    assert "n'a pas de compte dans l'espace Slack" in last.comment
    # The declaring member is told, at the next delivery.
    delivery(context, fake_slack).deliver_pending()
    told = fake_slack.last("chat.postMessage")
    assert told.params["channel"] == "UALICE"
    assert "Bloquée (destinataire erroné)" in told.text()


def test_the_declaring_member_is_told_by_dm_when_the_recipient_answers(context, fake_slack):
    fake_slack.add_user("UREF", REFERENT, "Référent FINESS")
    anomaly = declare(context)
    delivery(context, fake_slack).deliver_pending()
    record_outcome(
        reference=anomaly.reference,
        recipient_email=REFERENT,
        target=Status.CORRECTED,
        uow=context.uow(),
        clock=context.clock,
        system="test",
        comment="Tarif mis à jour",
    )
    assert delivery(context, fake_slack).deliver_pending() == 1
    told = fake_slack.last("chat.postMessage")
    assert told.params["channel"] == "UALICE"
    assert "Corrigée" in told.text()
    assert "Tarif mis à jour" in told.text()


def test_a_slack_failure_keeps_the_notification_for_a_later_attempt(context, fake_slack):
    fake_slack.add_user("UREF", REFERENT, "Référent FINESS")
    declare(context)
    fake_slack.fail("users.lookupByEmail", "internal_error")
    delivery(context, fake_slack).deliver_pending()
    assert fake_slack.calls_to("chat.postMessage") == []
    context.clock.advance(minutes=5)  # type: ignore[attr-defined]
    delivery(context, fake_slack).deliver_pending()
    assert fake_slack.last("chat.postMessage").params["channel"] == "UREF"


def test_the_operator_learns_which_recipient_is_unreachable_from_the_log(context, fake_slack, caplog):
    anomaly = declare(context)
    caplog.set_level(logging.WARNING, logger="bot.notifications.recipients")
    delivery(context, fake_slack).deliver_pending()  # no account: blocked, RecipientUnreachable recorded
    assert not [r for r in caplog.records if "Destinataire erroné" in r.getMessage()]
    delivery(context, fake_slack).deliver_pending()  # the event is delivered to the operator
    [line] = [r.getMessage() for r in caplog.records if "Destinataire erroné" in r.getMessage()]
    assert REFERENT in line
    assert anomaly.reference in line
    assert "ror-bot recipient set 1110000056" in line


def test_wrong_recipients_are_listed_per_resource_until_a_new_one_is_named(context, fake_slack):
    declare(context)
    declare(context)
    delivery(context, fake_slack).deliver_pending()
    [wrong] = wrong_recipients(uow=context.store.reader())
    assert (wrong.resource_id, wrong.recipient, wrong.blocked) == ("1110000056", REFERENT, 2)
    assert wrong.name == "CH NARBONNE - HOTEL DIEU"
    assert wrong.since.tzinfo is not None
    set_recipient(
        resource_id="1110000056",
        email="qualite@ch-narbonne.fr",
        uow=context.uow(),
        clock=context.clock,
        system="test",
    )
    assert wrong_recipients(uow=context.store.reader()) == []
