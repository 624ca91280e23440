"""Connected mode (issue 8): declarations and cancellations reach the ROR national through the journal;
nothing is lost when it is down, nothing is sent twice, its refusals are told."""

from datetime import timedelta

import pytest

from domain.anomaly import Anomaly, RorState
from domain.errors import CancellationQueued, RorCancellationRefused, TransitionRefused
from domain.events import RefusedByRorNational, SentToRorNational
from domain.habilitation import Member
from domain.ror_journal import JournalOperation, JournalState, RetryPolicy
from domain.services import (
    DeclarationRequest,
    DeclaredItem,
    cancel_anomaly,
    confirmation_text,
    declare_anomalies,
)
from domain.services.ror_sending import Outcome, Sender, send_declaration, send_due
from domain.statuses import Status
from tests.fakes import FakeUnitOfWork, FixedClock
from tests.fakes_ror import FakeRorNational
from tests.unit.conftest import NARBONNE, SYSTEM

ADRESSE = "Adresse établissement"
CONTACT = "Contact établissement"


@pytest.fixture
def ror() -> FakeRorNational:
    return FakeRorNational()


@pytest.fixture
def sender(ror: FakeRorNational, uow: FakeUnitOfWork, clock: FixedClock) -> Sender:
    return Sender(ror=ror, uow=lambda: uow, clock=clock, retry=RetryPolicy(base=timedelta(seconds=30)))


def _declare(
    uow: FakeUnitOfWork, clock: FixedClock, member: Member, *items: tuple[str, str]
) -> list[Anomaly]:
    request = DeclarationRequest(NARBONNE, None, tuple(DeclaredItem(label, text) for label, text in items))
    return declare_anomalies(
        request=request, member=member, uow=uow, clock=clock, system=SYSTEM, connected=True
    )


def test_a_connected_declaration_stays_created_and_waits_in_the_journal_until_sent(
    uow: FakeUnitOfWork, clock: FixedClock, occitanie_member: Member
) -> None:
    created = _declare(uow, clock, occitanie_member, (ADRESSE, "Le numéro manque."))

    assert created[0].status is Status.CREATED
    assert created[0].ror_state is RorState.PENDING
    assert uow.ror_journal.pending(created[0].reference) == [JournalOperation.SUBMIT]
    assert "(en attente)" in confirmation_text(created)


def test_two_items_become_two_tasks_and_the_confirmation_shows_the_ror_references(
    uow: FakeUnitOfWork, clock: FixedClock, occitanie_member: Member, sender: Sender, ror: FakeRorNational
) -> None:
    created = _declare(uow, clock, occitanie_member, (ADRESSE, "Le numéro manque."), (CONTACT, "Standard."))

    results = send_declaration(sender, references=[a.reference for a in created])

    assert [r.outcome for r in results] == [Outcome.SENT, Outcome.SENT]
    assert [d.data_item for d in ror.posts] == [ADRESSE, CONTACT]
    assert [d.description for d in ror.posts] == ["Le numéro manque.", "Standard."]
    assert confirmation_text([r.anomaly for r in results if r.anomaly]) == (
        "Les anomalies suivantes ont été créées :\n"
        "ANO_300000000001 pour la ressource 1110000056 - « CH NARBONNE - HOTEL DIEU » sur la donnée "
        "« Adresse établissement »\n"
        "ANO_300000000002 pour la ressource 1110000056 - « CH NARBONNE - HOTEL DIEU » sur la donnée "
        "« Contact établissement »"
    )
    stored = uow.anomalies.get(created[0].reference, perimeter=None)
    assert (stored.ror_task_id, stored.ror_version, stored.ror_state) == ("1", "1", RorState.SENT)
    assert uow.anomalies.get("ANO_300000000001", perimeter=None).reference == created[0].reference
    assert uow.ror_journal.count_pending() == 0
    assert not [e for e in uow.outbox.events if isinstance(e, SentToRorNational)]


def test_when_the_ror_is_down_the_declaration_waits_then_lands_with_a_dm_event(
    uow: FakeUnitOfWork, clock: FixedClock, occitanie_member: Member, sender: Sender, ror: FakeRorNational
) -> None:
    created = _declare(uow, clock, occitanie_member, (ADRESSE, "Le numéro manque."))
    ror.down, ror.retry_after = True, 120

    results = send_declaration(sender, references=[created[0].reference])

    assert results[0].outcome is Outcome.QUEUED
    assert "indisponible" in results[0].reason
    row = next(iter(uow.ror_journal.rows.values()))
    assert row.next_attempt_at == clock.now() + timedelta(seconds=120)  # Retry-After beats the 30 s
    ror.down = False
    assert send_due(sender) == []  # not due yet
    clock.advance(seconds=121)

    landed = send_due(sender)

    assert [r.outcome for r in landed] == [Outcome.SENT]
    assert len(ror.tasks) == 1
    events = [e for e in uow.outbox.events if isinstance(e, SentToRorNational)]
    assert events == [
        SentToRorNational(created[0].reference, "ANO_300000000001", "alice@editeur.fr", NARBONNE, ADRESSE)
    ]


def test_a_post_whose_answer_was_lost_is_adopted_not_sent_again(
    uow: FakeUnitOfWork, clock: FixedClock, occitanie_member: Member, sender: Sender, ror: FakeRorNational
) -> None:
    created = _declare(uow, clock, occitanie_member, (ADRESSE, "Le numéro manque."))
    ror.lose_answers = 1

    first = send_declaration(sender, references=[created[0].reference])
    clock.advance(minutes=10)
    second = send_due(sender)

    assert first[0].outcome is Outcome.QUEUED
    assert second[0].outcome is Outcome.SENT
    assert len(ror.tasks) == 1
    assert len(ror.posts) == 1
    assert uow.anomalies.get(created[0].reference, perimeter=None).ror_task_id == "1"


def test_a_refused_item_of_a_declaration_made_now_is_not_kept_and_the_others_are(
    uow: FakeUnitOfWork, clock: FixedClock, occitanie_member: Member, sender: Sender, ror: FakeRorNational
) -> None:
    ror.refuse["Refusez-moi."] = "La valeur proposée est identique à la valeur présente."
    created = _declare(uow, clock, occitanie_member, (ADRESSE, "Refusez-moi."), (CONTACT, "Standard."))

    results = send_declaration(sender, references=[a.reference for a in created])

    assert [r.outcome for r in results] == [Outcome.REFUSED, Outcome.SENT]
    assert results[0].reason == "La valeur proposée est identique à la valeur présente."
    assert list(uow.anomalies.rows) == [created[1].reference]
    assert len(ror.tasks) == 1


def test_a_queued_declaration_refused_later_is_marked_and_its_declarant_told(
    uow: FakeUnitOfWork, clock: FixedClock, occitanie_member: Member, sender: Sender, ror: FakeRorNational
) -> None:
    created = _declare(uow, clock, occitanie_member, (ADRESSE, "Refusez-moi."))
    ror.down = True
    send_declaration(sender, references=[created[0].reference])
    ror.down = False
    ror.refuse["Refusez-moi."] = "Ressource inconnue."
    clock.advance(minutes=5)

    results = send_due(sender)

    assert results[0].outcome is Outcome.REFUSED
    assert uow.anomalies.get(created[0].reference, perimeter=None).ror_state is RorState.REFUSED
    assert RefusedByRorNational(
        created[0].reference, "declaration", "Ressource inconnue.", "alice@editeur.fr"
    ) in (uow.outbox.events)
    clock.advance(hours=2)
    assert send_due(sender) == []  # never retried


def test_cancelling_a_sent_anomaly_patches_03_then_changes_the_local_status(
    uow: FakeUnitOfWork, clock: FixedClock, occitanie_member: Member, sender: Sender, ror: FakeRorNational
) -> None:
    created = _declare(uow, clock, occitanie_member, (ADRESSE, "Le numéro manque."))
    send_declaration(sender, references=[created[0].reference])

    cancelled = cancel_anomaly(
        reference="ANO_300000000001", member=occitanie_member, uow=uow, clock=clock, system=SYSTEM, ror=ror
    )

    assert ror.patches == [("1", Status.CANCELLED)]
    assert cancelled.status is Status.CANCELLED
    assert cancelled.ror_version == "2"


def test_a_cancellation_the_ror_cannot_take_now_is_queued_and_sent_later(
    uow: FakeUnitOfWork, clock: FixedClock, occitanie_member: Member, sender: Sender, ror: FakeRorNational
) -> None:
    created = _declare(uow, clock, occitanie_member, (ADRESSE, "Le numéro manque."))
    send_declaration(sender, references=[created[0].reference])
    ror.down = True

    with pytest.raises(CancellationQueued) as queued:
        cancel_anomaly(
            reference=created[0].reference,
            member=occitanie_member,
            uow=uow,
            clock=clock,
            system=SYSTEM,
            ror=ror,
        )
    assert "en attente d'envoi au ROR national" in queued.value.message
    assert uow.anomalies.get(created[0].reference, perimeter=None).status is Status.CREATED
    with pytest.raises(CancellationQueued):  # asked again: still waiting, not queued twice
        cancel_anomaly(
            reference=created[0].reference,
            member=occitanie_member,
            uow=uow,
            clock=clock,
            system=SYSTEM,
            ror=ror,
        )
    ror.down = False
    clock.advance(minutes=1)

    results = send_due(sender)

    assert [(r.operation, r.outcome) for r in results] == [(JournalOperation.CANCEL, Outcome.SENT)]
    assert ror.patches == [("1", Status.CANCELLED)]
    stored = uow.anomalies.get(created[0].reference, perimeter=None)
    assert stored.status is Status.CANCELLED
    assert stored.history[-1].actor == "alice@editeur.fr"


def test_a_cancellation_the_ror_refuses_is_explained_and_changes_nothing(
    uow: FakeUnitOfWork, clock: FixedClock, occitanie_member: Member, sender: Sender, ror: FakeRorNational
) -> None:
    created = _declare(uow, clock, occitanie_member, (ADRESSE, "Le numéro manque."))
    send_declaration(sender, references=[created[0].reference])
    ror.refuse_patch = "Transition interdite depuis le statut Corrigée"

    with pytest.raises(RorCancellationRefused) as refused:
        cancel_anomaly(
            reference=created[0].reference,
            member=occitanie_member,
            uow=uow,
            clock=clock,
            system=SYSTEM,
            ror=ror,
        )

    assert refused.value.message == (
        "Le ROR national a refusé l'annulation de l'anomalie ANO_300000000001 : Transition interdite depuis "
        "le statut Corrigée. Son statut est inchangé."
    )
    assert uow.anomalies.get(created[0].reference, perimeter=None).status is Status.CREATED


def test_a_declaration_cancelled_before_it_was_sent_never_reaches_the_ror(
    uow: FakeUnitOfWork, clock: FixedClock, occitanie_member: Member, sender: Sender, ror: FakeRorNational
) -> None:
    created = _declare(uow, clock, occitanie_member, (ADRESSE, "Le numéro manque."))

    cancelled = cancel_anomaly(
        reference=created[0].reference, member=occitanie_member, uow=uow, clock=clock, system=SYSTEM, ror=ror
    )
    clock.advance(minutes=1)

    assert cancelled.status is Status.CANCELLED
    assert send_due(sender) == []
    assert ror.posts == []
    assert [r.state for r in uow.ror_journal.rows.values()] == [JournalState.DROPPED]


def test_a_final_status_cannot_be_cancelled_in_connected_mode_either(
    uow: FakeUnitOfWork, clock: FixedClock, occitanie_member: Member, ror: FakeRorNational
) -> None:
    created = _declare(uow, clock, occitanie_member, (ADRESSE, "Le numéro manque."))
    cancel_anomaly(
        reference=created[0].reference, member=occitanie_member, uow=uow, clock=clock, system=SYSTEM, ror=ror
    )

    with pytest.raises(TransitionRefused):
        cancel_anomaly(
            reference=created[0].reference,
            member=occitanie_member,
            uow=uow,
            clock=clock,
            system=SYSTEM,
            ror=ror,
        )


def test_the_backoff_doubles_up_to_its_ceiling() -> None:
    policy = RetryPolicy(base=timedelta(seconds=30), ceiling=timedelta(minutes=5))
    clock = FixedClock()
    now = clock.now()

    waits = [policy.next_attempt(attempts=n, now=now, retry_after=None) - now for n in (1, 2, 3, 4, 5)]

    assert waits == [timedelta(seconds=s) for s in (30, 60, 120, 240, 300)]
