"""Naming the recipient of a resource sends its blocked anomalies to them (SPEC §4: 04, 11 → 05)."""

import pytest

from domain.catalogue import ResourceKind
from domain.directory import Resource
from domain.errors import InvalidEmail, InvalidIdentifier, ResourceNotFound
from domain.events import SentToRecipient, StatusChanged
from domain.services import cancel_anomaly, record_outcome, set_recipient, show_anomaly
from domain.statuses import Role, Status

REFERENT = "referent.finess@ch-narbonne.fr"


@pytest.fixture
def name_recipient(uow, clock, system):
    def run(resource_id: str = "1110000056", email: str = REFERENT, store=None):
        return set_recipient(
            resource_id=resource_id, email=email, uow=store or uow, clock=clock, system=system
        )

    return run


def test_blocked_anomalies_are_sent_to_the_new_recipient_with_history_and_events(
    declare, name_recipient, uow, clock, system, occitanie_member
) -> None:
    created = declare(("Adresse établissement", "x"), ("Contact établissement", "y"))
    uow.outbox.events.clear()
    clock.advance(days=1)

    resource, moved = name_recipient(email=" Referent.FINESS@ch-narbonne.fr ")

    assert resource.recipient == REFERENT
    assert uow.directory.get(ResourceKind.STRUCTURE, "1110000056").recipient == REFERENT
    assert sorted(a.reference for a in moved) == [a.reference for a in created]
    for anomaly in created:
        stored = show_anomaly(reference=anomaly.reference, member=occitanie_member, uow=uow)
        assert (stored.status, stored.recipient, stored.updated_at) == (
            Status.SENT_TO_RECIPIENT,
            REFERENT,
            clock.now(),
        )
        last = stored.history[-1]
        assert (last.previous, last.status, last.role, last.system, last.at, last.comment) == (
            Status.BLOCKED_NO_RECIPIENT,
            Status.SENT_TO_RECIPIENT,
            Role.SYSTEM,
            system,
            clock.now(),
            f"Destinataire désigné : {REFERENT}",
        )
    sent = [e for e in uow.outbox.events if isinstance(e, SentToRecipient)]
    changed = [e for e in uow.outbox.events if isinstance(e, StatusChanged)]
    assert sorted(sent, key=lambda e: e.reference) == [
        SentToRecipient(a.reference, REFERENT) for a in created
    ]
    assert {(e.previous, e.current, e.declarant_email) for e in changed} == {
        (Status.BLOCKED_NO_RECIPIENT, Status.SENT_TO_RECIPIENT, "alice@editeur.fr")
    }


def test_the_recipient_can_then_record_an_outcome(
    blocked_anomaly, name_recipient, uow, clock, system
) -> None:
    name_recipient()

    corrected = record_outcome(
        reference=blocked_anomaly.reference,
        recipient_email=REFERENT,
        target=Status.CORRECTED,
        uow=uow,
        clock=clock,
        system=system,
    )

    assert corrected.status is Status.CORRECTED


def test_later_declarations_go_straight_to_the_recipient(declare, name_recipient) -> None:
    name_recipient()

    assert declare(("Tarifs", "x"))[0].status is Status.SENT_TO_RECIPIENT


def test_closed_anomalies_stay_as_they_are(
    declare, name_recipient, uow, clock, system, occitanie_member
) -> None:
    cancelled, blocked = declare(("Tarifs", "x"), ("Horaires", "y"), offer="91/11359")
    cancel_anomaly(
        reference=cancelled.reference, member=occitanie_member, uow=uow, clock=clock, system=system
    )

    _, moved = name_recipient(resource_id="91/11359")

    assert [a.reference for a in moved] == [blocked.reference]
    assert uow.anomalies.rows[cancelled.reference].status is Status.CANCELLED
    assert uow.anomalies.rows[cancelled.reference].recipient is None


def test_anomalies_blocked_for_a_wrong_recipient_go_to_the_new_one(
    sent_anomaly, uow_with_recipient, name_recipient, clock, system
) -> None:
    record_outcome(
        reference=sent_anomaly.reference,
        recipient_email="referent.finess@ch-narbonne.fr",
        target=Status.BLOCKED_WRONG_RECIPIENT,
        uow=uow_with_recipient,
        clock=clock,
        system=system,
    )

    _, moved = name_recipient(email="qualite@ch-narbonne.fr", store=uow_with_recipient)

    assert [(a.reference, a.status, a.recipient) for a in moved] == [
        (sent_anomaly.reference, Status.SENT_TO_RECIPIENT, "qualite@ch-narbonne.fr")
    ]
    assert (
        uow_with_recipient.anomalies.rows[sent_anomaly.reference].history[-1].previous
        is Status.BLOCKED_WRONG_RECIPIENT
    )


def test_anomalies_of_other_resources_are_not_touched(declare, name_recipient, uow) -> None:
    on_offer = declare(("Horaires", "y"), offer="91/11359")[0]

    _, moved = name_recipient(resource_id="1110000056")

    assert moved == []
    assert uow.anomalies.rows[on_offer.reference].status is Status.BLOCKED_NO_RECIPIENT


def test_a_practitioner_is_found_by_an_rpps_starting_with_1(uow, name_recipient) -> None:
    uow.directory.upsert(
        Resource(
            kind=ResourceKind.PROFESSIONNEL,
            resource_id="10003456789",
            name="Dr Jeanne MARTIN",
            structure_id=None,
            structure_name="",
            region="76",
            departement="11",
        )
    )

    resource, _ = name_recipient(resource_id="10003456789", email="jeanne.martin@sante.fr")

    assert (resource.kind, resource.recipient) == (ResourceKind.PROFESSIONNEL, "jeanne.martin@sante.fr")


def test_an_invalid_email_changes_nothing(blocked_anomaly, name_recipient, uow) -> None:
    with pytest.raises(InvalidEmail):
        name_recipient(email="referent(at)ch-narbonne.fr")

    assert uow.directory.get(ResourceKind.STRUCTURE, "1110000056").recipient is None
    assert uow.anomalies.rows[blocked_anomaly.reference].status is Status.BLOCKED_NO_RECIPIENT


def test_an_unknown_resource_is_reported(name_recipient) -> None:
    with pytest.raises(ResourceNotFound) as caught:
        name_recipient(resource_id="1110000099")

    assert (
        caught.value.message
        == "Aucune structure d'identifiant 1110000099 n'est accessible dans votre périmètre."
    )


def test_a_malformed_resource_id_is_reported(name_recipient) -> None:
    with pytest.raises(InvalidIdentifier):
        name_recipient(resource_id="5110000056")
