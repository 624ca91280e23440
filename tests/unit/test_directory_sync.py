"""`sync_directory`: the ROR national's directory pulled page by page through the importer, incremental
by a watermark that moves only once the whole pull is stored (issue 8 item 7)."""

import pytest

from domain.catalogue import ResourceKind
from domain.errors import DirectorySyncInterrupted
from domain.rornational import Watermark
from domain.services.declaration import DeclarationRequest, DeclaredItem, declare_anomalies
from domain.services.directory_sync import OVERLAP, SyncReport, sync_directory
from domain.statuses import Status
from tests.builders import a_member
from tests.fakes import FakeUnitOfWork, FixedClock
from tests.fakes_ror import FakeRorDirectory, moment, offer, organization

ORIGIN = "https://api-fhir.ror.esante.gouv.fr/ws-diffusion-fhir"
SYSTEM = "Synchronisation annuaire"


def the_directory() -> FakeRorDirectory:
    return FakeRorDirectory(
        organization("110000056", "CH NARBONNE - HOTEL DIEU", updated=moment(1)),
        organization("110780079", "EHPAD LES CYPRÈS", updated=moment(2)),  # no offer
        organization("340780477", "CHU MONTPELLIER", updated=moment(3), postal_code="34000"),
        offer("91/11359", "Unité mobile de Gériatrie", of="110000056", updated=moment(3)),
        offer("91/1567", "Urgences", of="110000056", updated=moment(1)),
        offer("91/2040", "Cardiologie", of="340780477", updated=moment(4)),
        page_size=2,
    )


@pytest.fixture
def ror() -> FakeRorDirectory:
    return the_directory()


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


def sync(ror: FakeRorDirectory, uow: FakeUnitOfWork, clock: FixedClock) -> SyncReport:
    return sync_directory(source=ror, origin=ORIGIN, uow=uow, clock=clock, system=SYSTEM)


def stored_ids(uow: FakeUnitOfWork) -> set[str]:
    return {resource_id for _, resource_id in uow.directory.rows}


def test_a_first_sync_loads_every_structure_and_offer_and_keeps_the_latest_change_as_written(ror, uow, clock):
    report = sync(ror, uow, clock)

    assert stored_ids(uow) == {"1110000056", "1110780079", "1340780477", "91/11359", "91/1567", "91/2040"}
    assert (report.created, report.updated, report.unchanged, report.rejected) == (6, 0, 0, ())
    assert report.pages == 4
    assert report.watermark == Watermark("2026-01-04T08:00:00Z")
    assert uow.directory.watermark(ORIGIN) == Watermark("2026-01-04T08:00:00Z")
    assert ror.pulls == [None]


def test_the_next_sync_asks_from_the_watermark_less_the_overlap_and_only_changes_are_written(ror, uow, clock):
    sync(ror, uow, clock)
    ror.put(organization("110000056", "CH NARBONNE", updated=moment(10)))
    ror.put(organization("110000999", "CENTRE DE SANTÉ NEUF", updated=moment(11)))

    report = sync(ror, uow, clock)

    assert ror.pulls[-1] == Watermark("2026-01-04T08:00:00Z").earlier_by(OVERLAP)
    # The renamed structure and, through it, its two offers; the new structure; the overlap re-read the
    # offer changed at the old watermark, and its structure with it, both left untouched.
    assert (report.created, report.updated, report.unchanged) == (1, 3, 2)
    assert uow.directory.get(ResourceKind.OFFRE, "91/1567").structure_name == "CH NARBONNE"
    assert report.previous == Watermark("2026-01-04T08:00:00Z")
    assert uow.directory.watermark(ORIGIN) == Watermark("2026-01-11T08:00:00Z")


def test_a_sync_with_nothing_new_changes_nothing_and_keeps_the_watermark(ror, uow, clock):
    sync(ror, uow, clock)
    commits = uow.commits

    report = sync(ror, uow, clock)

    assert (report.created, report.updated) == (0, 0)
    assert report.watermark == Watermark("2026-01-04T08:00:00Z")
    assert uow.directory.watermark(ORIGIN) == Watermark("2026-01-04T08:00:00Z")
    assert uow.commits - commits == report.pages  # one empty import per page, no watermark write


def test_a_structure_without_offers_changed_since_the_watermark_is_pulled(ror, uow, clock):
    sync(ror, uow, clock)
    ror.put(organization("110780079", "EHPAD LES CYPRÈS ET LES PINS", updated=moment(12)))

    report = sync(ror, uow, clock)

    assert report.updated == 1
    assert uow.directory.get(ResourceKind.STRUCTURE, "1110780079").name == "EHPAD LES CYPRÈS ET LES PINS"


def test_an_outage_part_way_keeps_what_was_stored_and_leaves_the_watermark(ror, uow, clock):
    sync(ror, uow, clock)
    ror.put(organization("110000056", "CH NARBONNE", updated=moment(10)))
    ror.down_at_page = 3

    with pytest.raises(DirectorySyncInterrupted) as raised:
        sync(ror, uow, clock)

    assert uow.directory.watermark(ORIGIN) == Watermark("2026-01-04T08:00:00Z")
    assert uow.directory.get(ResourceKind.STRUCTURE, "1110000056").name == "CH NARBONNE"  # page 1, stored
    message = raised.value.message
    assert "\n" not in message
    assert message.startswith(
        "Synchronisation de l'annuaire interrompue : le ROR national (annuaire) est indisponible"
    )
    assert "2 pages déjà enregistrées" in message
    assert "repère inchangé" in message


def test_an_outage_on_the_first_page_stores_nothing(uow, clock):
    ror = the_directory()
    ror.down_at_page = 1

    with pytest.raises(DirectorySyncInterrupted, match="rien n'a été enregistré"):
        sync(ror, uow, clock)

    assert uow.directory.count() == 0
    assert uow.directory.watermark(ORIGIN) is None


def test_rejected_resources_are_reported_with_their_reason_and_the_rest_loads(ror, uow, clock):
    ror.put({**organization("110000777", "SANS IDENTIFIANT", updated=moment(5)), "identifier": []})
    ror.put(offer("91/5555", "Offre de la structure refusée", of="110000777", updated=moment(5)))

    report = sync(ror, uow, clock)

    assert report.created == 6
    reasons = [str(r) for r in report.rejected]
    assert len(reasons) == 2, reasons  # the structure once, though its offer's page brings it again
    assert reasons[0].startswith(
        "page 2, entrée 2 (Organization/org-110000777) : ID National Structure absent"
    )
    assert "HealthcareService/hs-91-5555" in reasons[1]
    assert "a été rejetée" in reasons[1]
    assert uow.directory.watermark(ORIGIN) == Watermark("2026-01-05T08:00:00Z")


def test_a_recipient_the_directory_names_receives_the_blocked_anomalies_waiting_for_one(ror, uow, clock):
    sync(ror, uow, clock)
    (blocked,) = declare_anomalies(
        request=DeclarationRequest("1110000056", None, (DeclaredItem("Nom de la structure", "Faute"),)),
        member=a_member(),
        uow=uow,
        clock=clock,
        system="Bot Slack",
    )
    assert blocked.status is Status.BLOCKED_NO_RECIPIENT
    named = {"url": "urn:ror-anomalies:recipient", "valueString": "referent@ch-narbonne.fr"}
    ror.put(organization("110000056", "CH NARBONNE - HOTEL DIEU", updated=moment(20), extension=[named]))

    report = sync(ror, uow, clock)

    assert report.sent == (blocked.reference,)
    assert uow.anomalies.get(blocked.reference, perimeter=None).status is Status.SENT_TO_RECIPIENT


def test_a_recipient_set_here_stays_when_the_ror_names_none(ror, uow, clock):
    sync(ror, uow, clock)
    narbonne = uow.directory.get(ResourceKind.STRUCTURE, "1110000056")
    narbonne.recipient = "operateur@ars.fr"
    uow.directory.upsert(narbonne)
    ror.put(organization("110000056", "CH NARBONNE", updated=moment(10)))

    sync(ror, uow, clock)

    stored = uow.directory.get(ResourceKind.STRUCTURE, "1110000056")
    assert (stored.name, stored.recipient) == ("CH NARBONNE", "operateur@ars.fr")
