"""Connected mode on SQLite and PostgreSQL against the stand-in ROR national: declarations reach it one
Task per item, the journal keeps what it cannot take, two senders never send the same entry twice, and a
POST whose answer was lost is adopted, not sent again."""

import threading
from datetime import timedelta

import pytest

from devtools.ror_standin import RorStandIn
from domain.anomaly import RorState
from domain.errors import AnomalyNotFound, CancellationQueued
from domain.filters import AnomalyFilter
from domain.ror_journal import JournalOperation, RetryPolicy
from domain.services import DeclarationRequest, DeclaredItem, cancel_anomaly, declare_anomalies
from domain.services.ror_sending import Outcome, Sender, send_declaration, send_due
from domain.statuses import Status
from rornational.client import FhirRorNational, connect
from storage import Store
from tests.builders import a_member
from tests.fakes import FixedClock
from tests.integration.test_storage import _seed
from tests.standin_helpers import connection_to

SYSTEM = "Bot Slack ROR Anomalies"
MEMBER = a_member({"76"})


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def sender(store: Store, ror: FhirRorNational, clock: FixedClock) -> Sender:
    _seed(store)
    return Sender(ror=ror, uow=store.uow, clock=clock, retry=RetryPolicy(base=timedelta(seconds=30)))


def _declare(store: Store, clock: FixedClock, *items: tuple[str, str]) -> list[str]:
    request = DeclarationRequest(
        "1110000056", None, tuple(DeclaredItem(label, text) for label, text in items)
    )
    created = declare_anomalies(
        request=request, member=MEMBER, uow=store.uow(), clock=clock, system=SYSTEM, connected=True
    )
    return [a.reference for a in created]


def test_two_items_become_two_tasks_with_their_content_and_the_four_headers(
    store: Store, sender: Sender, standin: RorStandIn, clock: FixedClock
) -> None:
    references = _declare(
        store, clock, ("Adresse établissement", "Numéro manquant"), ("Contact établissement", "Standard")
    )

    results = send_declaration(sender, references=references)

    assert [r.outcome for r in results] == [Outcome.SENT, Outcome.SENT]
    tasks = standin.all_tasks()
    assert sorted(t["description"] for t in tasks) == ["Numéro manquant", "Standard"]
    assert {t["businessStatus"]["coding"][0]["code"] for t in tasks} == {"01"}
    assert {t["focus"]["identifier"]["system"] for t in tasks} == {"urn:oid:1.2.250.1.71.4.2.2"}
    for post in standin.requests_to("POST", "/Task"):
        for name, value in standin.expected_headers.items():
            assert post.header(name) == value
    with store.reader() as uow:
        stored = [uow.anomalies.get(r, perimeter=None) for r in references]
    assert {a.ror_reference for a in stored} == {t["identifier"][0]["value"] for t in tasks}
    assert all(a.ror_state is RorState.SENT and a.ror_version for a in stored)


def test_a_dropped_answer_after_the_task_was_created_is_adopted_on_the_next_attempt(
    store: Store, sender: Sender, standin: RorStandIn, clock: FixedClock
) -> None:
    references = _declare(store, clock, ("Adresse établissement", "Numéro manquant"))
    standin.drop_after_create()

    first = send_declaration(sender, references=references)
    clock.advance(minutes=1)
    second = send_due(sender)

    assert first[0].outcome is Outcome.QUEUED
    assert second[0].outcome is Outcome.SENT
    assert len(standin.all_tasks()) == 1
    assert len(standin.requests_to("POST", "/Task")) == 1
    with store.reader() as uow:
        assert uow.anomalies.get(references[0], perimeter=None).ror_task_id == standin.all_tasks()[0]["id"]


def test_a_throttled_post_waits_for_the_retry_after_the_ror_gave(
    store: Store, sender: Sender, standin: RorStandIn, clock: FixedClock
) -> None:
    references = _declare(store, clock, ("Adresse établissement", "Numéro manquant"))
    standin.throttle(retry_after=90, method="POST")

    assert send_declaration(sender, references=references)[0].outcome is Outcome.QUEUED
    clock.advance(seconds=60)
    assert send_due(sender) == []  # the backoff alone (30 s) would have sent it
    clock.advance(seconds=31)
    assert [r.outcome for r in send_due(sender)] == [Outcome.SENT]
    assert len(standin.all_tasks()) == 1


def test_a_refusal_with_an_operation_outcome_keeps_nothing_for_that_item(
    store: Store, sender: Sender, standin: RorStandIn, clock: FixedClock
) -> None:
    references = _declare(
        store, clock, ("Adresse établissement", "Numéro manquant"), ("Contact établissement", "Standard")
    )
    standin.fail(422, times=1, method="POST", diagnostics="La ressource est fermée dans le ROR")

    results = send_declaration(sender, references=references)

    assert [r.outcome for r in results] == [Outcome.REFUSED, Outcome.SENT]
    assert "La ressource est fermée dans le ROR" in results[0].reason
    with store.reader() as uow:
        assert uow.ror_journal.count_pending() == 0
        assert uow.anomalies.count_by_status(AnomalyFilter(), perimeter=None) == {Status.CREATED: 1}
        with pytest.raises(AnomalyNotFound):
            uow.anomalies.get(references[0], perimeter=None)


def test_two_senders_at_once_send_each_entry_once(
    store: Store, sender: Sender, standin: RorStandIn, clock: FixedClock
) -> None:
    references = _declare(
        store, clock, ("Adresse établissement", "Numéro manquant"), ("Contact établissement", "Standard")
    )
    standin.slow(0.3, times=2, method="POST")
    with connect(connection_to(standin)) as other_client:
        other = Sender(ror=other_client, uow=store.uow, clock=clock)
        results: list[list[object]] = []
        threads = [threading.Thread(target=lambda s=s: results.append(send_due(s))) for s in (sender, other)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert sum(len(r) for r in results) == 2
    assert len(standin.requests_to("POST", "/Task")) == 2
    assert len(standin.all_tasks()) == 2
    with store.reader() as uow:
        assert uow.ror_journal.count_pending() == 0
        assert len({uow.anomalies.get(r, perimeter=None).ror_task_id for r in references}) == 2


def test_cancelling_patches_03_and_an_unavailable_ror_queues_the_cancellation(
    store: Store, sender: Sender, standin: RorStandIn, clock: FixedClock, ror: FhirRorNational
) -> None:
    first, second = _declare(
        store, clock, ("Adresse établissement", "Numéro manquant"), ("Contact établissement", "Standard")
    )
    send_declaration(sender, references=[first, second])

    cancelled = cancel_anomaly(
        reference=first, member=MEMBER, uow=store.uow(), clock=clock, system=SYSTEM, ror=ror
    )
    standin.fail(503, times=1, method="PATCH")
    with pytest.raises(CancellationQueued):
        cancel_anomaly(reference=second, member=MEMBER, uow=store.uow(), clock=clock, system=SYSTEM, ror=ror)
    clock.advance(minutes=1)
    pushed = send_due(sender)

    assert cancelled.status is Status.CANCELLED
    assert [(r.operation, r.outcome) for r in pushed] == [(JournalOperation.CANCEL, Outcome.SENT)]
    patches = standin.requests_to("PATCH", "/Task/")
    assert len(patches) == 3
    assert {t["businessStatus"]["coding"][0]["code"] for t in standin.all_tasks()} == {"03"}
    with store.reader() as uow:
        assert uow.anomalies.get(second, perimeter=None).status is Status.CANCELLED
