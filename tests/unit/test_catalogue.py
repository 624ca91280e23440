"""The data items that can be declared in anomaly, exactly as the ROR UI labels them (SPEC §3)."""

import pytest

from domain.catalogue import (
    ALL_DATA_ITEM_LABELS,
    CATALOGUE,
    Action,
    ResourceKind,
    Thematique,
    canonical_data_item_label,
    data_item,
    data_items_of,
)
from domain.errors import UnknownDataItem, UnknownResourceKind

STRUCTURE_ITEMS = [
    "Catégorie établissement",
    "Contact établissement",
    "Offre manquante",
    "Tarifs",
    "Nom de la structure",
    "Adresse établissement",
    "Date d'ouverture",
    "Date de fermeture",
    "Type de fermeture",
]
OFFER_ITEMS = [
    "Actes spécifiques",
    "Actes spécifiques hors cabinet",
    "Activités opérationnelles",
    "Adresse offre",
    "Age patientèle",
    "Catégorie établissement",
    "Contact établissement",
    "Contact offre",
    "Horaires",
    "Modalités d'accueil",
    "Mode de prise en charge",
    "Tarifs",
    "Adresse établissement",
]
PS_ITEMS = ["Identité", "Profession", "Savoir-faire", "Contact", "Lieu d'exercice", "Horaires"]
SPEC_TABLE = {
    ResourceKind.STRUCTURE: STRUCTURE_ITEMS,
    ResourceKind.OFFRE: OFFER_ITEMS,
    ResourceKind.PROFESSIONNEL: PS_ITEMS,
}


@pytest.mark.parametrize(("kind", "labels"), SPEC_TABLE.items(), ids=lambda v: str(v)[:12])
def test_each_kind_offers_exactly_the_items_of_the_spec_table_in_its_order(kind, labels) -> None:
    assert [item.label for item in data_items_of(kind)] == labels


def test_the_spec_table_counts_13_offer_items_9_structure_items_and_6_professional_items() -> None:
    assert {kind: len(items) for kind, items in CATALOGUE.items()} == {
        ResourceKind.STRUCTURE: 9,
        ResourceKind.OFFRE: 13,
        ResourceKind.PROFESSIONNEL: 6,
    }


@pytest.mark.parametrize(("kind", "label"), [(k, label) for k, ls in SPEC_TABLE.items() for label in ls])
def test_every_item_belongs_to_its_kind_and_has_a_fhir_path_into_that_kind(kind, label) -> None:
    item = data_item(kind, label)

    assert item.kind is kind
    assert item.label == label
    assert item.key == f"{kind.slug}:{label}"
    root = {ResourceKind.STRUCTURE: ("Organization.",), ResourceKind.OFFRE: ("HealthcareService.",)}.get(
        kind, ("Practitioner.", "PractitionerRole.")
    )
    assert item.fhir_path.startswith(root)


def test_offre_manquante_is_an_exhaustivity_problem_that_asks_for_an_addition() -> None:
    item = data_item(ResourceKind.STRUCTURE, "Offre manquante")

    assert item.thematique is Thematique.EXHAUSTIVITE
    assert item.action is Action.AJOUT
    assert (item.thematique.label, item.action.label) == ("Exhaustivité", "Ajout")


@pytest.mark.parametrize(
    ("kind", "label"),
    [(k, label) for k, ls in SPEC_TABLE.items() for label in ls if label != "Offre manquante"],
)
def test_every_other_item_is_an_exactness_problem_that_asks_for_a_correction(kind, label) -> None:
    item = data_item(kind, label)

    assert (item.thematique, item.action) == (Thematique.EXACTITUDE, Action.CORRECTION)
    assert (item.thematique.value, item.action.value) == ("06", "COR")


def test_thematiques_and_actions_carry_the_nos_codes_and_labels() -> None:
    assert {t.value: t.label for t in Thematique} == {
        "01": "Complétude",
        "02": "Exhaustivité",
        "03": "Cohérence",
        "04": "Récence",
        "05": "Structuration",
        "06": "Exactitude",
    }
    assert {a.value: a.label for a in Action} == {"AJO": "Ajout", "COR": "Correction", "SUP": "Suppression"}


@pytest.mark.parametrize(
    "typed",
    ["adresse etablissement", "ADRESSE ÉTABLISSEMENT", "  Adresse   établissement ", "AdReSsE EtAbLiSsEmEnT"],
)
def test_an_item_is_found_whatever_the_case_accents_and_spacing(typed) -> None:
    assert data_item(ResourceKind.STRUCTURE, typed).label == "Adresse établissement"


def test_a_typographic_apostrophe_finds_the_item_with_a_straight_one() -> None:
    assert data_item(ResourceKind.STRUCTURE, "date d’ouverture").label == "Date d'ouverture"
    assert data_item(ResourceKind.PROFESSIONNEL, "LIEU D’EXERCICE").label == "Lieu d'exercice"


def test_an_item_of_another_kind_is_unknown_and_the_message_names_the_item_and_the_kind() -> None:
    with pytest.raises(UnknownDataItem) as caught:
        data_item(ResourceKind.STRUCTURE, "Identité")

    assert caught.value.message == (
        "« Identité » n'est pas une donnée pouvant être déclarée en anomalie pour une ressource de type Structure."
    )


def test_an_unknown_item_of_any_kind_is_named_in_the_message() -> None:
    with pytest.raises(UnknownDataItem) as caught:
        canonical_data_item_label("Couleur des murs")

    assert (
        caught.value.message == "« Couleur des murs » n'est pas une donnée pouvant être déclarée en anomalie."
    )


def test_the_filter_spelling_of_a_label_is_the_catalogue_one() -> None:
    assert canonical_data_item_label("age patientele") == "Age patientèle"
    assert canonical_data_item_label("HORAIRES") == "Horaires"


def test_all_labels_are_listed_once_even_when_several_kinds_share_them() -> None:
    every = {label for labels in SPEC_TABLE.values() for label in labels}

    assert sorted(ALL_DATA_ITEM_LABELS) == sorted(every)
    assert len(ALL_DATA_ITEM_LABELS) == len(set(ALL_DATA_ITEM_LABELS))


@pytest.mark.parametrize(
    ("typed", "kind"),
    [
        ("structure", ResourceKind.STRUCTURE),
        ("STRUCTURE", ResourceKind.STRUCTURE),
        ("offre", ResourceKind.OFFRE),
        ("Offre", ResourceKind.OFFRE),
        ("ps", ResourceKind.PROFESSIONNEL),
        ("Professionnel de santé", ResourceKind.PROFESSIONNEL),
        ("professionnel de sante", ResourceKind.PROFESSIONNEL),
    ],
)
def test_resource_kinds_are_read_from_slugs_and_labels(typed, kind) -> None:
    assert ResourceKind.parse(typed) is kind


def test_an_unknown_resource_kind_lists_the_possible_values() -> None:
    with pytest.raises(UnknownResourceKind) as caught:
        ResourceKind.parse("hopital")

    assert (
        caught.value.message
        == "« hopital » n'est pas un type de ressource : valeurs possibles structure, offre, ps."
    )


def test_resource_kinds_carry_the_spec_labels_and_slugs() -> None:
    assert [(k.label, k.slug) for k in ResourceKind] == [
        ("Structure", "structure"),
        ("Offre", "offre"),
        ("Professionnel de Santé", "ps"),
    ]
