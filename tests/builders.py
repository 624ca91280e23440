"""Small builders of domain objects used across unit, integration and e2e tests."""

from domain.catalogue import ResourceKind
from domain.directory import Resource
from domain.habilitation import Member, Perimeter


def narbonne(recipient: str | None = None) -> Resource:
    return Resource(
        kind=ResourceKind.STRUCTURE,
        resource_id="1110000056",
        name="CH NARBONNE - HOTEL DIEU",
        structure_id="1110000056",
        structure_name="CH NARBONNE - HOTEL DIEU",
        region="76",
        departement="11",
        address="Boulevard Dr Lacroix 11100 NARBONNE",
        recipient=recipient,
        data={
            "Nom de la structure": "CH NARBONNE - HOTEL DIEU",
            "Adresse établissement": "Boulevard Dr Lacroix 11100 NARBONNE",
            "Catégorie établissement": "Centre Hospitalier (C.H.)",
            "Contact établissement": "04 68 41 60 00",
        },
    )


def geriatrie(recipient: str | None = None) -> Resource:
    return Resource(
        kind=ResourceKind.OFFRE,
        resource_id="91/11359",
        name="Unité mobile de Gériatrie",
        structure_id="1110000056",
        structure_name="CH NARBONNE - HOTEL DIEU",
        offer_name="Unité mobile de Gériatrie",
        region="76",
        departement="11",
        address="Boulevard Dr Lacroix 11100 NARBONNE",
        recipient=recipient,
        data={"Adresse établissement": "Boulevard Dr Lacroix 11100 NARBONNE", "Horaires": "Lun-Ven 9h-17h"},
    )


def lyon(recipient: str | None = "referent.finess@chu-lyon.fr") -> Resource:
    return Resource(
        kind=ResourceKind.STRUCTURE,
        resource_id="1690000000",
        name="HOSPICES CIVILS DE LYON",
        structure_id="1690000000",
        structure_name="HOSPICES CIVILS DE LYON",
        region="84",
        departement="69",
        address="3 Quai des Célestins 69002 LYON",
        recipient=recipient,
        data={"Nom de la structure": "HOSPICES CIVILS DE LYON"},
    )


def a_member(
    regions: set[str] | None = None, email: str = "alice@editeur.fr", group: str = "Éditeur"
) -> Member:
    perimeter = Perimeter.everywhere() if regions is None else Perimeter.of_regions(sorted(regions))
    return Member(email=email, group=group, perimeter=perimeter)


def practitioner(recipient: str | None = None) -> Resource:
    return Resource(
        kind=ResourceKind.PROFESSIONNEL,
        resource_id="10003456782",
        name="Dr Claire MARTIN",
        structure_id=None,
        structure_name="Dr Claire MARTIN",
        region="76",
        departement="11",
        recipient=recipient,
        data={"Identité": "Claire MARTIN", "Profession": "Médecin"},
    )
