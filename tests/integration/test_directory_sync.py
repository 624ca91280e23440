"""`sync_directory` and the live fetch on SQLite and PostgreSQL, against the in-process stand-in ROR
national (its directory base serves the demo directory): several pages, the incremental `_lastUpdated`
pull, the watermark kept on failure, rejected resources, structures without offers (issue 8 item 7)."""

from datetime import UTC, datetime

import pytest

from domain.catalogue import ResourceKind
from domain.clock import SystemClock
from domain.errors import DirectorySyncInterrupted, InvalidDeclaration
from domain.rornational import Watermark
from domain.services.directory import find_resource
from domain.services.directory_live import LiveDirectory
from domain.services.directory_sync import OVERLAP, SyncReport, sync_directory
from tests.builders import a_member

TAG = "https://mos.esante.gouv.fr/NOS/TRE_R30-RegionOM/FHIR/TRE-R30-RegionOM"
DEMO_MARK = Watermark("2025-11-18T08:30:00+01:00")  # every resource of the demo directory
DEMO_STRUCTURES, DEMO_OFFERS = 38, 47


def sync(store, ror) -> SyncReport:  # type: ignore[no-untyped-def]
    return sync_directory(
        source=ror, origin=ror.fhir_url, uow=store.uow(), clock=SystemClock(), system="Sync"
    )


def stored_mark(store, ror) -> Watermark | None:  # type: ignore[no-untyped-def]
    with store.reader() as uow:
        return uow.directory.watermark(ror.fhir_url)


def structure(number: str, name: str, updated: str) -> dict[str, object]:
    return {
        "resourceType": "Organization",
        "id": f"org-{number}",
        "meta": {"lastUpdated": updated, "tag": [{"system": TAG, "code": "76"}]},
        "identifier": [{"system": "urn:oid:1.2.250.1.71.4.2.2", "value": f"1{number}"}],
        "name": name,
        "address": [{"line": ["2 avenue de la Gare"], "postalCode": "11100", "city": "NARBONNE"}],
    }


def test_a_first_sync_over_several_pages_loads_the_whole_directory(store, standin, ror):
    standin.page_size = 20

    report = sync(store, ror)

    assert report.pages == 5  # 38 structures in 2 pages, then 47 offers in 3
    assert (report.created, report.updated, report.rejected) == (DEMO_STRUCTURES + DEMO_OFFERS, 0, ())
    assert report.watermark == DEMO_MARK
    assert stored_mark(store, ror) == DEMO_MARK
    assert stored_mark(store, ror).text == DEMO_MARK.text  # as the server wrote it
    with store.reader() as uow:
        offer = uow.directory.get(ResourceKind.OFFRE, "91/11359")
        assert (offer.structure_id, offer.region) == ("1110000056", "76")
        montpellier = uow.directory.get(ResourceKind.STRUCTURE, "1340780477")
        assert montpellier.identifier_system == "urn:oid:1.2.250.1.71.4.2.2"


def test_the_next_syncs_ask_from_the_watermark_and_bring_only_what_changed(store, standin, ror):
    sync(store, ror)
    renamed = standin.directory.read("Organization", "org-ch-narbonne")
    renamed["name"] = "CH DE NARBONNE"
    renamed["meta"]["lastUpdated"] = "2026-02-01T10:00:00.250+00:00"
    standin.directory.put(renamed)
    standin.directory.put(structure("110000999", "CENTRE DE SANTÉ DE LA GARE", "2026-02-01T09:00:00Z"))

    second = sync(store, ror)

    (structures_query, *_) = standin.requests_to("GET", "/ws-diffusion-fhir/Organization")[-1:]
    assert dict(structures_query.query)["_lastUpdated"] == f"ge{DEMO_MARK.earlier_by(OVERLAP).text}"
    # Narbonne renamed, its three offers showing the new name; the new structure (no offer); the rest of
    # the demo directory, re-read in the overlap, left untouched.
    assert (second.created, second.updated) == (1, 4)
    assert second.unchanged == DEMO_STRUCTURES + DEMO_OFFERS - 4
    assert second.watermark == Watermark("2026-02-01T10:00:00.250+00:00")
    with store.reader() as uow:
        assert uow.directory.get(ResourceKind.OFFRE, "91/11359").structure_name == "CH DE NARBONNE"
        assert uow.directory.get(ResourceKind.STRUCTURE, "1110000999").name == "CENTRE DE SANTÉ DE LA GARE"

    third = sync(store, ror)

    assert (third.created, third.updated, third.unchanged) == (0, 0, 4)  # Narbonne and its offers again
    assert stored_mark(store, ror) == Watermark("2026-02-01T10:00:00.250+00:00")


def test_an_outage_part_way_leaves_the_watermark_and_the_next_sync_completes(store, standin, ror):
    standin.page_size = 20
    standin.fail(503, path="/ws-diffusion-fhir/HealthcareService", diagnostics="Maintenance en cours")

    with pytest.raises(DirectorySyncInterrupted) as raised:
        sync(store, ror)

    assert "maintenance en cours" in raised.value.message.lower()
    assert "2 pages déjà enregistrées" in raised.value.message
    assert stored_mark(store, ror) is None
    with store.reader() as uow:
        assert uow.directory.count() == DEMO_STRUCTURES  # the structures' pages, each stored whole

    report = sync(store, ror)

    assert (report.created, report.unchanged) == (DEMO_OFFERS, DEMO_STRUCTURES)
    assert stored_mark(store, ror) == DEMO_MARK


def test_a_rejected_resource_is_reported_with_its_reason_and_the_rest_loads(store, standin, ror):
    broken = structure("110000777", "SANS IDENTIFIANT", "2026-03-01T00:00:00Z")
    broken["identifier"] = [{"system": "urn:oid:1.2.250.1.71.4.2.2", "value": "9ABC"}]
    standin.directory.put(broken)

    report = sync(store, ror)

    (rejected,) = report.rejected
    assert rejected.rejection.resource_id == "org-110000777"
    assert "9ABC" in rejected.rejection.reason
    assert report.created == DEMO_STRUCTURES + DEMO_OFFERS
    assert stored_mark(store, ror) == Watermark("2026-03-01T00:00:00Z")


def test_a_structure_only_the_ror_knows_is_fetched_live_with_its_offers_and_kept(store, ror):
    live = LiveDirectory(source=ror, uow=store.uow, clock=SystemClock(), system="Bot Slack")

    card = find_resource(structure_id="1340780477", member=a_member(), uow=store.reader(), live=live)

    assert card.resource.name == "CHU DE MONTPELLIER"
    with store.reader() as uow:
        assert uow.directory.get(ResourceKind.OFFRE, "91/2040").structure_id == "1340780477"


def test_a_live_fetch_when_the_ror_is_down_says_so_and_keeps_nothing(store, standin, ror):
    live = LiveDirectory(source=ror, uow=store.uow, clock=SystemClock(), system="Bot Slack")
    standin.fail(503, times=3)

    with pytest.raises(InvalidDeclaration, match="l'annuaire du ROR national n'a pas pu être consulté"):
        find_resource(structure_id="1340780477", member=a_member(), uow=store.reader(), live=live)

    with store.reader() as uow:
        assert uow.directory.count() == 0


def test_the_watermark_keeps_the_precision_and_offset_of_the_server(store, standin, ror):
    touched = datetime(2026, 4, 1, 12, 0, 0, 123000, tzinfo=UTC)
    standin.directory.touch("Organization", "org-chu-montpellier", touched)

    sync(store, ror)

    assert stored_mark(store, ror).text == "2026-04-01T12:00:00.123+00:00"
