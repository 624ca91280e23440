"""The ROR national's directory through the client: the incremental `_filter` / `_include` pull of api.md,
paged, and single structures or offers fetched live — all as Bundles the directory importer reads."""

from datetime import UTC, datetime

from domain.catalogue import ResourceKind
from domain.fhir.directory_import import parse_directory
from domain.rornational import Watermark

TAG = "https://mos.esante.gouv.fr/NOS/TRE_R30-RegionOM/FHIR/TRE-R30-RegionOM"


def imported(pages) -> dict[tuple[ResourceKind, str], object]:  # type: ignore[no-untyped-def]
    resources = {}
    known = {}
    for page in pages:
        result = parse_directory(page.bundle, known_structure=known.get)
        assert result.rejected == [], result.rejected
        for resource in result.resources:
            resources[(resource.kind, resource.resource_id)] = resource
            if resource.kind is ResourceKind.STRUCTURE:
                known[resource.resource_id] = resource
    return resources


def test_a_full_pull_brings_every_structure_and_offer_with_what_the_importer_needs(standin, ror):
    pages = list(ror.pull_directory(None))

    resources = imported(pages)
    structures = [k for k in resources if k[0] is ResourceKind.STRUCTURE]
    offers = [k for k in resources if k[0] is ResourceKind.OFFRE]
    assert len(structures) == len(standin.directory.of("Organization"))
    assert len(offers) == len(standin.directory.of("HealthcareService"))
    narbonne = resources[(ResourceKind.OFFRE, "91/11359")]
    assert narbonne.structure_id == "1110000056"  # type: ignore[attr-defined]
    assert narbonne.region == "76"  # type: ignore[attr-defined]
    assert pages[-1].last
    assert pages[-1].watermark == Watermark("2025-11-18T08:30:00+01:00")


def test_the_offer_query_is_the_documented_filter_with_its_includes(standin, ror):
    mark = Watermark("2026-01-01T00:00:00.000+00:00")

    list(ror.pull_directory(mark))

    (offers,) = standin.requests_to("GET", "/ws-diffusion-fhir/HealthcareService")
    assert offers.query[:1] == [
        ("_filter", f"(_lastUpdated ge {mark.text} or organization._lastUpdated:above ge {mark.text})")
    ]
    assert set(offers.query[1:]) == {
        ("_include", "HealthcareService:organization"),
        ("_include:iterate", "Organization:partof"),
        ("_include", "HealthcareService:location"),
        ("_revinclude", "PractitionerRole:service"),
        ("_include", "PractitionerRole:practitioner"),
        ("_count", "200"),
    }
    (structures,) = standin.requests_to("GET", "/ws-diffusion-fhir/Organization")
    assert dict(structures.query)["_lastUpdated"] == f"ge{mark.text}"


def test_an_incremental_pull_brings_a_changed_structure_and_its_offers_only(standin, ror):
    mark = Watermark("2026-01-01T00:00:00Z")  # after the demo directory's last change
    standin.directory.touch("Organization", "org-ch-narbonne", datetime(2026, 2, 1, tzinfo=UTC))

    pages = list(ror.pull_directory(mark))

    resources = imported(pages)
    assert (ResourceKind.STRUCTURE, "1110000056") in resources
    assert (ResourceKind.OFFRE, "91/11359") in resources
    assert all(r.structure_id == "1110000056" for r in resources.values())  # type: ignore[attr-defined]
    assert pages[-1].watermark == Watermark("2026-02-01T00:00:00.000+00:00")


def test_more_than_200_structures_come_in_pages(standin, ror):
    for n in range(250):
        standin.directory.put(
            {
                "resourceType": "Organization",
                "id": f"org-gen-{n}",
                "meta": {"lastUpdated": "2026-03-01T00:00:00Z", "tag": [{"system": TAG, "code": "76"}]},
                "identifier": [{"system": "urn:oid:1.2.250.1.71.4.2.2", "value": f"1110{n:06d}"}],
                "name": f"Structure {n}",
                "address": [{"postalCode": "11100", "city": "NARBONNE"}],
            }
        )

    pages = list(ror.pull_directory(Watermark("2026-02-15T00:00:00Z")))

    assert [p.entries for p in pages] == [200, 50, 0]
    assert len(imported(pages)) == 250


def test_one_structure_is_fetched_live_by_its_id_national_structure(standin, ror):
    page = ror.fetch_structure("1110000056")

    assert page is not None
    (structure,) = parse_directory(page.bundle).resources
    assert structure.name == "CH NARBONNE - HOTEL DIEU"
    query = dict(standin.requests_to("GET", "/Organization")[-1].query)
    assert query["identifier"] == "urn:oid:1.2.250.1.71.4.2.2|1110000056"


def test_a_structure_the_ror_does_not_know_is_none(ror):
    assert ror.fetch_structure("1999999999") is None


def test_one_offer_is_fetched_live_with_its_structure(ror):
    page = ror.fetch_offer("91/11359")

    assert page is not None
    resources = {(r.kind, r.resource_id): r for r in parse_directory(page.bundle).resources}
    assert set(resources) >= {(ResourceKind.OFFRE, "91/11359"), (ResourceKind.STRUCTURE, "1110000056")}
    assert resources[(ResourceKind.OFFRE, "91/11359")].data["Adresse offre"]


def test_the_offers_of_a_structure_are_fetched_with_the_documented_query(standin, ror):
    pages = list(ror.fetch_offers_of("1110000056"))

    offers = [k for k in imported(pages) if k[0] is ResourceKind.OFFRE]
    assert (ResourceKind.OFFRE, "91/11359") in offers
    query = dict(standin.requests_to("GET", "/HealthcareService")[-1].query)
    assert query["organization.identifier:above"] == "1110000056"
