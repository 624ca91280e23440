"""The bundled demo directory (`ror-bot directory demo`): it loads whole and holds the SPEC's examples."""

import json
from collections import Counter

import pytest

from bot.demo import DEMO_DIRECTORY
from domain.catalogue import ResourceKind, data_items_of
from domain.directory import Resource
from domain.fhir.directory_import import ImportResult, parse_directory
from domain.geography import departement_from_finess
from domain.services.directory_import import import_directory
from tests.fakes import FakeUnitOfWork, FixedClock


@pytest.fixture(scope="module")
def demo() -> ImportResult:
    return parse_directory(DEMO_DIRECTORY.read_text(encoding="utf-8"))


def resource(demo: ImportResult, resource_id: str) -> Resource:
    return next(r for r in demo.resources if r.resource_id == resource_id)


def test_the_demo_file_is_a_small_pretty_printed_fhir_collection_bundle():
    text = DEMO_DIRECTORY.read_text(encoding="utf-8")
    bundle = json.loads(text)

    assert (bundle["resourceType"], bundle["type"]) == ("Bundle", "collection")
    assert len(text.encode()) < 300_000
    assert text.startswith('{\n  "resourceType"')


def test_the_demo_directory_imports_with_no_rejection(demo):
    assert demo.rejected == []
    counts = Counter(r.kind for r in demo.resources)
    assert counts[ResourceKind.STRUCTURE] >= 30
    assert counts[ResourceKind.OFFRE] >= 30
    assert counts[ResourceKind.PROFESSIONNEL] >= 3


def test_the_demo_holds_the_spec_s_structure_without_recipient(demo):
    narbonne = resource(demo, "1110000056")

    assert narbonne.kind is ResourceKind.STRUCTURE
    assert narbonne.name == "CH NARBONNE - HOTEL DIEU"
    assert narbonne.address == "Boulevard Dr Lacroix 11100 NARBONNE"
    assert (narbonne.region, narbonne.departement) == ("76", "11")
    assert narbonne.data["Catégorie établissement"] == "Centre Hospitalier (C.H.)"
    assert "04 68 41 60 00" in narbonne.data["Contact établissement"]
    assert narbonne.recipient is None


@pytest.mark.parametrize(
    ("offer_id", "name"),
    [("91/11359", "Unité mobile de Gériatrie"), ("91/1567", "Réanimation médico-chirurgicale")],
)
def test_the_demo_holds_the_spec_s_offers_of_that_structure_without_recipient(demo, offer_id, name):
    offer = resource(demo, offer_id)

    assert (offer.kind, offer.name, offer.structure_id) == (ResourceKind.OFFRE, name, "1110000056")
    assert offer.structure_name == "CH NARBONNE - HOTEL DIEU"
    assert (offer.region, offer.departement) == ("76", "11")
    assert offer.recipient is None


def test_the_demo_spans_at_least_the_six_regions_users_ask_about(demo):
    regions = {r.region for r in demo.resources}

    assert {"84", "11", "93", "76", "53", "44"} <= regions


def test_about_half_of_the_demo_resources_have_a_recipient(demo):
    with_recipient = sum(1 for r in demo.resources if r.recipient)

    assert 0.3 <= with_recipient / len(demo.resources) <= 0.7


def test_demo_structure_ids_are_finess_based_and_match_their_postal_code(demo):
    for structure in (r for r in demo.resources if r.kind is ResourceKind.STRUCTURE):
        assert structure.resource_id.startswith("1"), structure.resource_id
        assert departement_from_finess(structure.resource_id[1:]) == structure.departement, (
            structure.resource_id
        )


def test_most_data_items_of_demo_resources_have_a_current_value(demo):
    for kind in ResourceKind:
        labels = [item.label for item in data_items_of(kind) if item.label != "Offre manquante"]
        resources = [r for r in demo.resources if r.kind is kind]
        filled = sum(1 for r in resources for label in labels if r.data.get(label))
        assert filled / (len(resources) * len(labels)) >= 0.5, kind


def test_the_demo_holds_professionals_with_their_rpps_and_role(demo):
    professionals = [r for r in demo.resources if r.kind is ResourceKind.PROFESSIONNEL]

    assert all(len(p.resource_id) == 11 and p.resource_id.isdigit() for p in professionals)
    assert any(p.data.get("Profession") and p.structure_id for p in professionals)


def test_loading_the_demo_twice_creates_then_updates(demo):
    uow, clock = FakeUnitOfWork(), FixedClock()

    first = import_directory(resources=demo.resources, uow=uow, clock=clock, system="démo")
    second = import_directory(resources=demo.resources, uow=uow, clock=clock, system="démo")

    assert (first.created, first.updated) == (len(demo.resources), 0)
    assert (second.created, second.updated) == (0, len(demo.resources))
