"""`import_directory`: loading imported resources into the directory, and what a newly named recipient
changes for the anomalies that were waiting for one (SPEC §4)."""

from dataclasses import replace

import pytest

from domain.catalogue import ResourceKind
from domain.events import SentToRecipient
from domain.services.declaration import DeclarationRequest, DeclaredItem, declare_anomalies
from domain.services.directory_import import ImportReport, import_directory
from domain.statuses import Status
from tests.builders import a_member, geriatrie, lyon, narbonne
from tests.fakes import FakeUnitOfWork, FixedClock

SYSTEM = "Import annuaire ROR"


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


def load(uow: FakeUnitOfWork, clock: FixedClock, *resources) -> ImportReport:
    return import_directory(resources=list(resources), uow=uow, clock=clock, system=SYSTEM)


def declare_on_geriatrie(uow: FakeUnitOfWork, clock: FixedClock, *labels: str) -> list[str]:
    request = DeclarationRequest(
        structure_id="1110000056",
        offer_id="91/11359",
        items=tuple(DeclaredItem(label, "Valeur erronée") for label in labels),
    )
    created = declare_anomalies(request=request, member=a_member(), uow=uow, clock=clock, system="Bot Slack")
    return [a.reference for a in created]


def test_an_import_creates_the_resources_it_does_not_know_and_counts_them(uow, clock):
    report = load(uow, clock, narbonne(), geriatrie(), lyon())

    assert (report.created, report.updated) == (3, 0)
    assert uow.directory.get(ResourceKind.OFFRE, "91/11359").structure_name == "CH NARBONNE - HOTEL DIEU"
    assert uow.commits == 1


def test_a_reimport_updates_resources_in_place(uow, clock):
    load(uow, clock, narbonne(), geriatrie())
    renamed = replace(
        narbonne(), name="CH NARBONNE", data={**narbonne().data, "Nom de la structure": "CH NARBONNE"}
    )
    clock.advance(days=1)

    report = load(uow, clock, renamed, geriatrie())

    assert (report.created, report.updated) == (0, 2)
    assert uow.directory.count() == 2
    stored = uow.directory.get(ResourceKind.STRUCTURE, "1110000056")
    assert stored.name == "CH NARBONNE"
    assert stored.present_value("Nom de la structure") == "CH NARBONNE"
    assert stored.updated_at == clock.now()


def test_a_reimport_without_recipient_keeps_the_recipient_an_operator_named(uow, clock):
    load(uow, clock, narbonne(recipient="referent.finess@ch-narbonne.fr"))

    load(uow, clock, narbonne(recipient=None))

    assert (
        uow.directory.get(ResourceKind.STRUCTURE, "1110000056").recipient == "referent.finess@ch-narbonne.fr"
    )


def test_blocked_anomalies_are_sent_when_the_import_names_a_recipient(uow, clock):
    load(uow, clock, narbonne(), geriatrie())
    references = declare_on_geriatrie(uow, clock, "Horaires", "Contact offre")
    assert {uow.anomalies.rows[r].status for r in references} == {Status.BLOCKED_NO_RECIPIENT}
    uow.outbox.events.clear()
    clock.advance(hours=2)

    report = load(uow, clock, geriatrie(recipient="porteur@ch-narbonne.fr"))

    assert report.sent == tuple(references)
    for reference in references:
        anomaly = uow.anomalies.rows[reference]
        assert anomaly.status is Status.SENT_TO_RECIPIENT
        assert anomaly.recipient == "porteur@ch-narbonne.fr"
        assert anomaly.updated_at == clock.now()
        last = anomaly.history[-1]
        assert (last.previous, last.status, last.system) == (
            Status.BLOCKED_NO_RECIPIENT,
            Status.SENT_TO_RECIPIENT,
            SYSTEM,
        )
        assert last.comment == "Destinataire désigné : porteur@ch-narbonne.fr"
    sent = [e for e in uow.outbox.events if isinstance(e, SentToRecipient)]
    assert sent == [SentToRecipient(r, "porteur@ch-narbonne.fr") for r in references]


def test_anomalies_blocked_for_a_wrong_recipient_are_sent_to_the_new_one(uow, clock):
    load(uow, clock, narbonne(), geriatrie())
    [reference] = declare_on_geriatrie(uow, clock, "Horaires")
    uow.anomalies.rows[reference].status = Status.BLOCKED_WRONG_RECIPIENT

    load(uow, clock, geriatrie(recipient="nouveau.porteur@ch-narbonne.fr"))

    assert uow.anomalies.rows[reference].status is Status.SENT_TO_RECIPIENT
    assert uow.anomalies.rows[reference].recipient == "nouveau.porteur@ch-narbonne.fr"


def test_reimporting_the_same_recipient_moves_nothing(uow, clock):
    load(uow, clock, narbonne(), geriatrie(recipient="porteur@ch-narbonne.fr"))
    [reference] = declare_on_geriatrie(uow, clock, "Horaires")
    uow.anomalies.rows[reference].status = Status.BLOCKED_WRONG_RECIPIENT

    report = load(uow, clock, geriatrie(recipient="porteur@ch-narbonne.fr"))

    assert report.sent == ()
    assert uow.anomalies.rows[reference].status is Status.BLOCKED_WRONG_RECIPIENT


def test_only_the_anomalies_of_the_resource_that_gained_a_recipient_move(uow, clock):
    load(uow, clock, narbonne(), geriatrie())
    [on_offer] = declare_on_geriatrie(uow, clock, "Horaires")

    load(uow, clock, narbonne(recipient="referent.finess@ch-narbonne.fr"))

    assert uow.anomalies.rows[on_offer].status is Status.BLOCKED_NO_RECIPIENT


def test_anomalies_in_other_statuses_are_left_alone(uow, clock):
    load(uow, clock, narbonne(), geriatrie())
    [reference] = declare_on_geriatrie(uow, clock, "Horaires")
    uow.anomalies.rows[reference].status = Status.CANCELLED

    report = load(uow, clock, geriatrie(recipient="porteur@ch-narbonne.fr"))

    assert report.sent == ()
    assert uow.anomalies.rows[reference].status is Status.CANCELLED


def test_an_import_that_fails_midway_leaves_the_directory_as_it_was(uow, clock, monkeypatch):
    load(uow, clock, narbonne())
    upsert = uow.directory.upsert

    def failing_on_lyon(resource):
        if resource.resource_id == lyon().resource_id:
            raise ConnectionError("base de données indisponible")
        return upsert(resource)

    monkeypatch.setattr(uow.directory, "upsert", failing_on_lyon)

    with pytest.raises(ConnectionError):
        load(uow, clock, replace(narbonne(), name="RENOMMÉE"), lyon())

    assert uow.directory.get(ResourceKind.STRUCTURE, "1110000056").name == "CH NARBONNE - HOTEL DIEU"
    assert uow.directory.count() == 1
