"""Cancelling an anomaly (SPEC §4: 01, 02, 04, 05, 06, 10, 11 → 03 by a member of the perimeter)."""

import pytest

from domain.errors import AnomalyNotFound, TransitionRefused
from domain.events import StatusChanged
from domain.services import cancel_anomaly, may_cancel, show_anomaly, transition_anomaly
from domain.statuses import Role, Status


def cancel(reference, member, uow, clock, system, comment=""):
    return cancel_anomaly(
        reference=reference, member=member, uow=uow, clock=clock, system=system, comment=comment
    )


def test_a_member_cancels_a_blocked_anomaly_of_the_perimeter(
    blocked_anomaly, uow, occitanie_member, clock, system
) -> None:
    clock.advance(hours=3)

    cancelled = cancel(blocked_anomaly.reference, occitanie_member, uow, clock, system, "  Doublon  ")

    assert cancelled.status is Status.CANCELLED
    stored = show_anomaly(reference=blocked_anomaly.reference, member=occitanie_member, uow=uow)
    assert stored.status is Status.CANCELLED
    assert stored.updated_at == clock.now() != stored.created_at
    last = stored.history[-1]
    assert (last.previous, last.status, last.actor, last.role, last.system, last.at, last.comment) == (
        Status.BLOCKED_NO_RECIPIENT,
        Status.CANCELLED,
        "alice@editeur.fr",
        Role.DECLARANT,
        system,
        clock.now(),
        "Doublon",
    )
    assert len(stored.history) == 3


def test_history_is_appended_never_rewritten(blocked_anomaly, uow, occitanie_member, clock, system) -> None:
    before = show_anomaly(reference=blocked_anomaly.reference, member=occitanie_member, uow=uow).history

    after = cancel(blocked_anomaly.reference, occitanie_member, uow, clock, system).history

    assert after[: len(before)] == before


def test_cancelling_emits_a_status_change(blocked_anomaly, uow, occitanie_member, clock, system) -> None:
    uow.outbox.events.clear()

    cancel(blocked_anomaly.reference, occitanie_member, uow, clock, system)

    assert uow.outbox.events == [
        StatusChanged(
            blocked_anomaly.reference,
            Status.BLOCKED_NO_RECIPIENT,
            Status.CANCELLED,
            "alice@editeur.fr",
            "alice@editeur.fr",
        )
    ]


def test_a_colleague_of_the_same_perimeter_may_cancel_too(
    blocked_anomaly, uow, national_member, clock, system
) -> None:
    assert cancel(blocked_anomaly.reference, national_member, uow, clock, system).status is Status.CANCELLED


def test_a_sent_anomaly_can_be_cancelled(
    sent_anomaly, uow_with_recipient, occitanie_member, clock, system
) -> None:
    assert (
        cancel(sent_anomaly.reference, occitanie_member, uow_with_recipient, clock, system).status
        is Status.CANCELLED
    )


def test_cancelled_anomaly_cannot_be_cancelled_again(
    blocked_anomaly, uow, occitanie_member, clock, system
) -> None:
    cancelled_at = cancel(blocked_anomaly.reference, occitanie_member, uow, clock, system).updated_at
    clock.advance(hours=1)

    with pytest.raises(TransitionRefused) as caught:
        cancel(blocked_anomaly.reference, occitanie_member, uow, clock, system)

    assert "« Annulée »" in caught.value.message
    assert caught.value.message.endswith("Ce statut est définitif.")
    stored = show_anomaly(reference=blocked_anomaly.reference, member=occitanie_member, uow=uow)
    assert len(stored.history) == 3
    assert stored.updated_at == cancelled_at


@pytest.mark.parametrize("final", [Status.CORRECTED, Status.REFUSED, Status.TOLERATED_PERMANENTLY])
def test_a_closed_anomaly_cannot_be_cancelled_and_the_message_names_its_status(
    sent_anomaly, uow_with_recipient, occitanie_member, clock, system, final
) -> None:
    transition_anomaly(reference=sent_anomaly.reference, target=final, uow=uow_with_recipient, clock=clock)

    with pytest.raises(TransitionRefused) as caught:
        cancel(sent_anomaly.reference, occitanie_member, uow_with_recipient, clock, system)

    assert f"au statut « {final.label} »" in caught.value.message
    assert "« Annulée »" in caught.value.message


def test_a_member_of_84_cannot_cancel_a_76_anomaly_and_is_told_it_does_not_exist(
    blocked_anomaly, uow, aura_member, occitanie_member, clock, system
) -> None:
    with pytest.raises(AnomalyNotFound):
        cancel(blocked_anomaly.reference, aura_member, uow, clock, system)

    assert show_anomaly(reference=blocked_anomaly.reference, member=occitanie_member, uow=uow).status is (
        Status.BLOCKED_NO_RECIPIENT
    )


def test_may_cancel_tells_the_view_whether_to_offer_the_button(
    blocked_anomaly, uow, occitanie_member, clock, system
) -> None:
    assert may_cancel(blocked_anomaly)

    assert not may_cancel(cancel(blocked_anomaly.reference, occitanie_member, uow, clock, system))
