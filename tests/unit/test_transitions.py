"""Who may move an anomaly from which status to which (SPEC §4 transition table), on the anomaly itself."""

from datetime import UTC, datetime, timedelta

import pytest

from domain.anomaly import Anomaly, HistoryEntry
from domain.catalogue import Action, ResourceKind, Thematique
from domain.errors import TransitionRefused
from domain.events import SentToRecipient, StatusChanged
from domain.habilitation import Actor
from domain.statuses import TRANSITIONS, Role, Status, allowed_roles, targets_for

S = Status
D, R, OP, SYS = Role.DECLARANT, Role.RECIPIENT, Role.OPERATOR, Role.SYSTEM
CREATED_AT = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
LATER = CREATED_AT + timedelta(hours=2)
RECIPIENT = "referent@ch-narbonne.fr"


def _spec_table() -> set[tuple[Status, Status, Role]]:
    """SPEC §4, typed row by row (plus the routing on creation, 01 → 05 or 04, done by the system)."""
    allowed: set[tuple[Status, Status, Role]] = set()
    for source in ("01", "02", "04", "05", "06", "10", "11"):
        allowed |= {(S(source), S.CANCELLED, D), (S(source), S.CANCELLED, OP)}
    for source in ("04", "11"):
        allowed |= {(S(source), S.SENT_TO_RECIPIENT, OP), (S(source), S.SENT_TO_RECIPIENT, SYS)}
    allowed.add((S.TO_PROCESS, S.SENT_TO_RECIPIENT, SYS))
    for source in ("05", "10"):
        for target in ("08", "09", "06", "07", "11"):
            allowed |= {(S(source), S(target), R), (S(source), S(target), OP)}
    allowed |= {(S.SENT_TO_RECIPIENT, S.TO_CHECK, R), (S.SENT_TO_RECIPIENT, S.TO_CHECK, OP)}
    for target in ("08", "07", "05"):
        allowed |= {(S.TOLERATED_TEMPORARILY, S(target), R), (S.TOLERATED_TEMPORARILY, S(target), OP)}
    allowed |= {(S.CREATED, S.SENT_TO_RECIPIENT, SYS), (S.CREATED, S.BLOCKED_NO_RECIPIENT, SYS)}
    return allowed


SPEC_ALLOWED = _spec_table()
EVERY_MOVE = [(source, target, role) for source in Status for target in Status for role in Role]
ACTORS = {
    D: Actor(role=D, name="alice@editeur.fr", system="Bot"),
    R: Actor.recipient(RECIPIENT, "Bot"),
    OP: Actor.operator(),
    SYS: Actor.automatic("Bot"),
}


def an_anomaly(status: Status, recipient: str | None = RECIPIENT) -> Anomaly:
    return Anomaly(
        reference="ANO_100000000909",
        status=status,
        kind=ResourceKind.STRUCTURE,
        resource_id="1110000056",
        structure_id="1110000056",
        structure_name="CH NARBONNE - HOTEL DIEU",
        offer_name=None,
        region="76",
        departement="11",
        data_item="Adresse établissement",
        present_value="Boulevard Dr Lacroix 11100 NARBONNE",
        description="Le numéro de rue manque.",
        thematique=Thematique.EXACTITUDE,
        action=Action.CORRECTION,
        fhir_path="Organization.address",
        declaring_system="Bot",
        declarant_id="0",
        declarant_email="alice@editeur.fr",
        recipient=recipient,
        created_at=CREATED_AT,
        updated_at=CREATED_AT,
        history=[HistoryEntry(CREATED_AT, None, status, "alice@editeur.fr", D, "Bot")],
    )


@pytest.mark.parametrize(
    ("source", "target", "role"), EVERY_MOVE, ids=[f"{s}-{t}-{r}" for s, t, r in EVERY_MOVE]
)
def test_a_move_is_allowed_exactly_when_the_spec_table_says_so(source, target, role) -> None:
    anomaly = an_anomaly(source)
    expected = (source, target, role) in SPEC_ALLOWED

    assert (role in allowed_roles(source, target)) is expected
    assert anomaly.may_move(target, role) is expected
    if expected:
        anomaly.move_to(target, by=ACTORS[role], at=LATER)
        assert anomaly.status is target
    else:
        with pytest.raises(TransitionRefused):
            anomaly.move_to(target, by=ACTORS[role], at=LATER)
        assert anomaly.status is source
        assert len(anomaly.history) == 1
        assert anomaly.updated_at == CREATED_AT


def test_the_table_holds_no_move_the_spec_does_not_list() -> None:
    listed = {(s, t, r) for (s, t), roles in TRANSITIONS.items() for r in roles}

    assert listed == SPEC_ALLOWED


@pytest.mark.parametrize("final", [S.CANCELLED, S.TOLERATED_PERMANENTLY, S.CORRECTED, S.REFUSED])
def test_nobody_moves_an_anomaly_out_of_a_final_status_and_the_message_says_it_is_final(final) -> None:
    anomaly = an_anomaly(final)

    for role in Role:
        assert targets_for(final, role) == ()
    with pytest.raises(TransitionRefused) as caught:
        anomaly.move_to(S.CANCELLED, by=Actor.operator(), at=LATER)
    assert caught.value.message.endswith("Ce statut est définitif.")


def test_a_refusal_names_the_reference_and_both_statuses() -> None:
    anomaly = an_anomaly(S.BLOCKED_NO_RECIPIENT)

    with pytest.raises(TransitionRefused) as caught:
        anomaly.move_to(S.CORRECTED, by=ACTORS[R], at=LATER)

    assert caught.value.message == (
        "L'anomalie ANO_100000000909 est au statut « Bloquée (destinataire manquant) » : "
        "elle ne peut pas passer au statut « Corrigée »."
    )
    assert (caught.value.current, caught.value.target) == (S.BLOCKED_NO_RECIPIENT, S.CORRECTED)


def test_a_refused_cancellation_of_a_cancelled_anomaly_names_annulee_twice() -> None:
    with pytest.raises(TransitionRefused) as caught:
        an_anomaly(S.CANCELLED).move_to(S.CANCELLED, by=ACTORS[D], at=LATER)

    assert caught.value.message == (
        "L'anomalie ANO_100000000909 est au statut « Annulée » : elle ne peut pas passer au statut « Annulée ». "
        "Ce statut est définitif."
    )


def test_an_anomaly_cannot_be_sent_to_a_recipient_nobody_named() -> None:
    anomaly = an_anomaly(S.BLOCKED_NO_RECIPIENT, recipient=None)

    with pytest.raises(TransitionRefused) as caught:
        anomaly.move_to(S.SENT_TO_RECIPIENT, by=Actor.operator(), at=LATER)

    assert "Aucun destinataire n'est désigné" in caught.value.message
    assert anomaly.status is S.BLOCKED_NO_RECIPIENT


def test_a_move_appends_history_with_actor_system_time_and_trimmed_comment() -> None:
    anomaly = an_anomaly(S.SENT_TO_RECIPIENT)

    anomaly.move_to(S.CORRECTED, by=ACTORS[R], at=LATER, comment="  Adresse corrigée dans le ROR.  ")

    assert anomaly.history[-1] == HistoryEntry(
        LATER, S.SENT_TO_RECIPIENT, S.CORRECTED, RECIPIENT, R, "Bot", "Adresse corrigée dans le ROR."
    )
    assert len(anomaly.history) == 2
    assert anomaly.updated_at == LATER
    assert anomaly.created_at == CREATED_AT


def test_a_move_emits_a_status_change_for_the_declarant() -> None:
    anomaly = an_anomaly(S.SENT_TO_RECIPIENT)

    anomaly.move_to(S.REFUSED, by=ACTORS[R], at=LATER, comment="Donnée exacte")

    assert anomaly.pull_events() == [
        StatusChanged(
            "ANO_100000000909", S.SENT_TO_RECIPIENT, S.REFUSED, RECIPIENT, "alice@editeur.fr", "Donnée exacte"
        )
    ]
    assert anomaly.pull_events() == []


def test_sending_to_the_recipient_also_notifies_the_recipient() -> None:
    anomaly = an_anomaly(S.TOLERATED_TEMPORARILY)

    anomaly.move_to(S.SENT_TO_RECIPIENT, by=Actor.operator(), at=LATER)

    events = anomaly.pull_events()
    assert events[-1] == SentToRecipient("ANO_100000000909", RECIPIENT)
    assert isinstance(events[0], StatusChanged)


def test_routing_sends_to_the_recipient_when_there_is_one() -> None:
    anomaly = an_anomaly(S.CREATED, recipient=None)

    anomaly.route(recipient=RECIPIENT, at=LATER, system="Bot")

    assert anomaly.status is S.SENT_TO_RECIPIENT
    assert anomaly.recipient == RECIPIENT
    assert anomaly.history[-1].role is SYS
    assert anomaly.history[-1].comment == f"Envoyée à {RECIPIENT}"


def test_routing_blocks_the_anomaly_when_nobody_is_responsible_for_the_resource() -> None:
    anomaly = an_anomaly(S.CREATED, recipient=None)

    anomaly.route(recipient=None, at=LATER, system="Bot")

    assert anomaly.status is S.BLOCKED_NO_RECIPIENT
    assert [e for e in anomaly.pull_events() if isinstance(e, SentToRecipient)] == []


@pytest.mark.parametrize(
    ("source", "buttons"),
    [
        (S.SENT_TO_RECIPIENT, (S("06"), S("07"), S("08"), S("09"), S("10"), S("11"))),
        (S.TO_CHECK, (S("06"), S("07"), S("08"), S("09"), S("11"))),
        (S.TOLERATED_TEMPORARILY, (S("05"), S("07"), S("08"))),
        (S.BLOCKED_NO_RECIPIENT, ()),
        (S.CREATED, ()),
    ],
)
def test_a_recipient_is_offered_exactly_the_moves_of_the_table_in_code_order(source, buttons) -> None:
    assert targets_for(source, R) == buttons


def test_a_declarant_may_only_cancel() -> None:
    for source in Status:
        assert set(targets_for(source, D)) <= {S.CANCELLED}
