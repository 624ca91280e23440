"""Operators move any anomaly as the table allows them; recipients record outcomes on theirs (SPEC §4)."""

import pytest

from domain.errors import (
    AnomalyNotFound,
    InvalidEmail,
    InvalidReference,
    NotRecipient,
    RecipientOnlyWhenSending,
    TransitionRefused,
)
from domain.events import SentToRecipient, StatusChanged
from domain.habilitation import Actor
from domain.services import recipient_outcomes, record_outcome, show_anomaly, transition_anomaly
from domain.statuses import Role, Status

RECIPIENT = "referent.finess@ch-narbonne.fr"


@pytest.fixture
def outcome(sent_anomaly, uow_with_recipient, clock, system):
    def record(target: Status, email: str = RECIPIENT, comment: str = "", reference: str | None = None):
        return record_outcome(
            reference=reference or sent_anomaly.reference,
            recipient_email=email,
            target=target,
            uow=uow_with_recipient,
            clock=clock,
            system=system,
            comment=comment,
        )

    return record


# --- recipients ---------------------------------------------------------------------------------------------


def test_the_recipient_records_that_the_data_was_corrected(
    outcome, sent_anomaly, uow_with_recipient, clock, system
) -> None:
    clock.advance(days=2)
    uow_with_recipient.outbox.events.clear()

    corrected = outcome(Status.CORRECTED, comment="Adresse mise à jour dans le ROR.")

    assert corrected.status is Status.CORRECTED
    assert corrected.updated_at == clock.now()
    last = corrected.history[-1]
    assert (last.previous, last.status, last.actor, last.role, last.system, last.comment) == (
        Status.SENT_TO_RECIPIENT,
        Status.CORRECTED,
        RECIPIENT,
        Role.RECIPIENT,
        system,
        "Adresse mise à jour dans le ROR.",
    )
    assert uow_with_recipient.outbox.events == [
        StatusChanged(
            sent_anomaly.reference,
            Status.SENT_TO_RECIPIENT,
            Status.CORRECTED,
            RECIPIENT,
            "alice@editeur.fr",
            "Adresse mise à jour dans le ROR.",
        )
    ]
    assert uow_with_recipient.anomalies.rows[sent_anomaly.reference].status is Status.CORRECTED


def test_the_recipient_is_recognised_whatever_the_case_of_the_address(outcome) -> None:
    assert outcome(Status.REFUSED, email="  Referent.FINESS@ch-narbonne.FR ").status is Status.REFUSED


@pytest.mark.parametrize("someone", ["alice@editeur.fr", "referent@ch-narbonne.fr", "", "   "])
def test_someone_else_than_the_recipient_cannot_record_an_outcome(
    outcome, sent_anomaly, uow_with_recipient, someone
) -> None:
    with pytest.raises(NotRecipient) as caught:
        outcome(Status.CORRECTED, email=someone)

    assert caught.value.message == f"Vous n'êtes pas le destinataire de l'anomalie {sent_anomaly.reference}."
    assert uow_with_recipient.anomalies.rows[sent_anomaly.reference].status is Status.SENT_TO_RECIPIENT


def test_nobody_is_the_recipient_of_a_blocked_anomaly(blocked_anomaly, uow, clock, system) -> None:
    with pytest.raises(NotRecipient):
        record_outcome(
            reference=blocked_anomaly.reference,
            recipient_email="",
            target=Status.CORRECTED,
            uow=uow,
            clock=clock,
            system=system,
        )


def test_a_recipient_cannot_cancel(outcome) -> None:
    with pytest.raises(TransitionRefused) as caught:
        outcome(Status.CANCELLED)

    assert caught.value.message == (
        "L'anomalie ANO_100000000000 est au statut « Envoyée au destinataire » : "
        "elle ne peut pas passer au statut « Annulée »."
    )


def test_a_recipient_may_ask_for_a_check_then_conclude(outcome) -> None:
    assert outcome(Status.TO_CHECK).status is Status.TO_CHECK

    assert outcome(Status.BLOCKED_WRONG_RECIPIENT).status is Status.BLOCKED_WRONG_RECIPIENT


def test_a_temporary_tolerance_can_come_back_to_the_recipient_and_then_be_closed(outcome) -> None:
    outcome(Status.TOLERATED_TEMPORARILY)
    outcome(Status.SENT_TO_RECIPIENT)

    assert outcome(Status.TOLERATED_PERMANENTLY).status is Status.TOLERATED_PERMANENTLY
    with pytest.raises(TransitionRefused):
        outcome(Status.SENT_TO_RECIPIENT)


def test_the_recipient_is_offered_exactly_the_buttons_the_table_allows(outcome, sent_anomaly) -> None:
    assert recipient_outcomes(sent_anomaly) == (
        Status.TOLERATED_TEMPORARILY,
        Status.TOLERATED_PERMANENTLY,
        Status.CORRECTED,
        Status.REFUSED,
        Status.TO_CHECK,
        Status.BLOCKED_WRONG_RECIPIENT,
    )
    assert recipient_outcomes(outcome(Status.TOLERATED_TEMPORARILY)) == (
        Status.SENT_TO_RECIPIENT,
        Status.TOLERATED_PERMANENTLY,
        Status.CORRECTED,
    )
    assert recipient_outcomes(outcome(Status.CORRECTED)) == ()


def test_a_blocked_anomaly_offers_no_button_to_anyone(blocked_anomaly) -> None:
    assert recipient_outcomes(blocked_anomaly) == ()


# --- operators ----------------------------------------------------------------------------------------------


def test_an_operator_moves_any_anomaly_whatever_its_region(sent_anomaly, uow_with_recipient, clock) -> None:
    moved = transition_anomaly(
        reference=sent_anomaly.reference,
        target=Status.TO_CHECK,
        uow=uow_with_recipient,
        clock=clock,
        comment="Vérif",
    )

    assert moved.status is Status.TO_CHECK
    last = moved.history[-1]
    assert (last.actor, last.role, last.system, last.comment) == (
        "Opérateur ROR",
        Role.OPERATOR,
        "ror-bot CLI",
        "Vérif",
    )


def test_an_operator_move_is_written_under_the_name_given(sent_anomaly, uow_with_recipient, clock) -> None:
    actor = Actor.operator(name="Équipe ROR ANS", system="API FHIR")

    moved = transition_anomaly(
        reference=sent_anomaly.reference,
        target=Status.REFUSED,
        uow=uow_with_recipient,
        clock=clock,
        actor=actor,
    )

    assert (moved.history[-1].actor, moved.history[-1].system) == ("Équipe ROR ANS", "API FHIR")


def test_an_operator_may_cancel(blocked_anomaly, uow, clock) -> None:
    assert transition_anomaly(
        reference=blocked_anomaly.reference, target=Status.CANCELLED, uow=uow, clock=clock
    ).status is (Status.CANCELLED)


def test_an_operator_cannot_send_a_blocked_anomaly_to_a_recipient_nobody_named(
    blocked_anomaly, uow, clock
) -> None:
    with pytest.raises(TransitionRefused) as caught:
        transition_anomaly(
            reference=blocked_anomaly.reference, target=Status.SENT_TO_RECIPIENT, uow=uow, clock=clock
        )

    assert caught.value.message.endswith("Aucun destinataire n'est désigné pour cette ressource.")
    assert uow.anomalies.rows[blocked_anomaly.reference].status is Status.BLOCKED_NO_RECIPIENT


def test_an_operator_sends_a_blocked_anomaly_to_the_recipient_assigned_with_the_move(
    blocked_anomaly, uow, clock
) -> None:
    uow.outbox.events.clear()

    moved = transition_anomaly(
        reference=blocked_anomaly.reference,
        target=Status.SENT_TO_RECIPIENT,
        uow=uow,
        clock=clock,
        recipient_email=" Qualite@CH-Narbonne.fr ",
    )

    assert (moved.status, moved.recipient) == (Status.SENT_TO_RECIPIENT, "qualite@ch-narbonne.fr")
    assert SentToRecipient(blocked_anomaly.reference, "qualite@ch-narbonne.fr") in uow.outbox.events
    assert uow.anomalies.rows[blocked_anomaly.reference].recipient == "qualite@ch-narbonne.fr"


def test_the_recipient_an_operator_assigns_is_written_in_the_history(blocked_anomaly, uow, clock) -> None:
    moved = transition_anomaly(
        reference=blocked_anomaly.reference,
        target=Status.SENT_TO_RECIPIENT,
        uow=uow,
        clock=clock,
        recipient_email="qualite@ch-narbonne.fr",
    )

    last = moved.history[-1]
    assert (last.previous, last.status, last.role) == (
        Status.BLOCKED_NO_RECIPIENT,
        Status.SENT_TO_RECIPIENT,
        Role.OPERATOR,
    )
    assert last.comment == "Destinataire désigné : qualite@ch-narbonne.fr"


def test_the_operator_comment_is_kept_when_a_recipient_is_assigned(blocked_anomaly, uow, clock) -> None:
    moved = transition_anomaly(
        reference=blocked_anomaly.reference,
        target=Status.SENT_TO_RECIPIENT,
        uow=uow,
        clock=clock,
        recipient_email="qualite@ch-narbonne.fr",
        comment="Référent trouvé par l'ARS.",
    )

    assert moved.history[-1].comment == "Référent trouvé par l'ARS."


@pytest.mark.parametrize("target", [Status.CORRECTED, Status.TO_CHECK, Status.CANCELLED])
def test_a_recipient_cannot_be_assigned_with_a_move_that_does_not_send_to_one(
    sent_anomaly, uow_with_recipient, clock, target
) -> None:
    with pytest.raises(RecipientOnlyWhenSending) as caught:
        transition_anomaly(
            reference=sent_anomaly.reference,
            target=target,
            uow=uow_with_recipient,
            clock=clock,
            recipient_email="intrus@ailleurs.fr",
        )

    assert caught.value.message == (
        "Un destinataire ne se désigne qu'avec l'envoi au destinataire (statut « 05 Envoyée au "
        f"destinataire ») : pas avec le passage au statut « {target.code} {target.label} »."
    )
    stored = uow_with_recipient.anomalies.rows[sent_anomaly.reference]
    assert (stored.status, stored.recipient) == (Status.SENT_TO_RECIPIENT, RECIPIENT)
    assert len(stored.history) == len(sent_anomaly.history)


def test_an_invalid_recipient_address_is_refused_before_any_move(blocked_anomaly, uow, clock) -> None:
    with pytest.raises(InvalidEmail):
        transition_anomaly(
            reference=blocked_anomaly.reference,
            target=Status.SENT_TO_RECIPIENT,
            uow=uow,
            clock=clock,
            recipient_email="pas-une-adresse",
        )

    assert uow.anomalies.rows[blocked_anomaly.reference].status is Status.BLOCKED_NO_RECIPIENT


def test_an_operator_sends_back_an_anomaly_blocked_for_a_wrong_recipient(
    outcome, sent_anomaly, uow_with_recipient, clock
) -> None:
    outcome(Status.BLOCKED_WRONG_RECIPIENT)

    moved = transition_anomaly(
        reference=sent_anomaly.reference, target=Status.SENT_TO_RECIPIENT, uow=uow_with_recipient, clock=clock
    )

    assert moved.status is Status.SENT_TO_RECIPIENT


def test_an_operator_cannot_move_outside_the_table(blocked_anomaly, uow, clock) -> None:
    with pytest.raises(TransitionRefused) as caught:
        transition_anomaly(reference=blocked_anomaly.reference, target=Status.CORRECTED, uow=uow, clock=clock)

    assert "« Bloquée (destinataire manquant) »" in caught.value.message
    assert "« Corrigée »" in caught.value.message


def test_an_operator_is_told_about_unknown_or_malformed_references(uow, clock) -> None:
    with pytest.raises(AnomalyNotFound):
        transition_anomaly(reference="ANO_199999999999", target=Status.CANCELLED, uow=uow, clock=clock)
    with pytest.raises(InvalidReference):
        transition_anomaly(reference="199", target=Status.CANCELLED, uow=uow, clock=clock)


def test_the_declarant_sees_what_the_recipient_decided(
    outcome, sent_anomaly, uow_with_recipient, occitanie_member
) -> None:
    outcome(Status.REFUSED, comment="La donnée est exacte.")

    shown = show_anomaly(reference=sent_anomaly.reference, member=occitanie_member, uow=uow_with_recipient)

    assert shown.status is Status.REFUSED
    assert [h.status for h in shown.history] == [Status.CREATED, Status.SENT_TO_RECIPIENT, Status.REFUSED]
