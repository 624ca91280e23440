"""Resource kinds and the data items that can be declared in anomaly (SPEC §3)."""

from dataclasses import dataclass
from enum import StrEnum

from domain.errors import UnknownDataItem, UnknownResourceKind
from domain.text import fold

SD = "https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition/"
NOS = "https://mos.esante.gouv.fr/NOS/"


class ResourceKind(StrEnum):
    STRUCTURE = "Structure"
    OFFRE = "Offre"
    PROFESSIONNEL = "Professionnel de Santé"

    @property
    def label(self) -> str:
        return self.value

    @property
    def slug(self) -> str:
        return _KIND_SLUGS[self]

    @property
    def fhir_type(self) -> str:
        return _KIND_FHIR[self]

    @classmethod
    def parse(cls, text: str) -> "ResourceKind":
        wanted = fold(text)
        for kind in cls:
            if wanted in (fold(kind.value), kind.slug, fold(kind.fhir_type)):
                return kind
        if wanted in ("professionnel", "professionnel de sante", "rpps"):
            return cls.PROFESSIONNEL
        raise UnknownResourceKind(text)


_KIND_SLUGS = {
    ResourceKind.STRUCTURE: "structure",
    ResourceKind.OFFRE: "offre",
    ResourceKind.PROFESSIONNEL: "ps",
}
_KIND_FHIR = {
    ResourceKind.STRUCTURE: "Organization",
    ResourceKind.OFFRE: "HealthcareService",
    ResourceKind.PROFESSIONNEL: "Practitioner",
}


class Thematique(StrEnum):
    """TRE_R350 — Thématique de l'anomalie."""

    COMPLETUDE = "01"
    EXHAUSTIVITE = "02"
    COHERENCE = "03"
    RECENCE = "04"
    STRUCTURATION = "05"
    EXACTITUDE = "06"

    @property
    def label(self) -> str:
        return _THEMATIQUE_LABELS[self]


_THEMATIQUE_LABELS = {
    Thematique.COMPLETUDE: "Complétude",
    Thematique.EXHAUSTIVITE: "Exhaustivité",
    Thematique.COHERENCE: "Cohérence",
    Thematique.RECENCE: "Récence",
    Thematique.STRUCTURATION: "Structuration",
    Thematique.EXACTITUDE: "Exactitude",
}


class Action(StrEnum):
    """TRE_R349 — Action proposée."""

    AJOUT = "AJO"
    CORRECTION = "COR"
    SUPPRESSION = "SUP"

    @property
    def label(self) -> str:
        return _ACTION_LABELS[self]


_ACTION_LABELS = {Action.AJOUT: "Ajout", Action.CORRECTION: "Correction", Action.SUPPRESSION: "Suppression"}


@dataclass(frozen=True, slots=True)
class DataItem:
    """One declarable data item of one resource kind, as labelled in the ROR UI."""

    kind: ResourceKind
    label: str
    fhir_path: str
    thematique: Thematique = Thematique.EXACTITUDE
    action: Action = Action.CORRECTION

    @property
    def key(self) -> str:
        return f"{self.kind.slug}:{self.label}"


def _item(
    kind: ResourceKind,
    label: str,
    path: str,
    thematique: Thematique = Thematique.EXACTITUDE,
    action: Action = Action.CORRECTION,
) -> DataItem:
    return DataItem(kind=kind, label=label, fhir_path=path, thematique=thematique, action=action)


_S, _O, _P = ResourceKind.STRUCTURE, ResourceKind.OFFRE, ResourceKind.PROFESSIONNEL
_CATEGORIE = (
    f"Organization.type.coding.where(system='{NOS}TRE_R66-CategorieEtablissement/FHIR/"
    "TRE-R66-CategorieEtablissement')"
)

CATALOGUE: dict[ResourceKind, tuple[DataItem, ...]] = {
    _S: (
        _item(_S, "Catégorie établissement", _CATEGORIE),
        _item(_S, "Contact établissement", "Organization.contact.telecom"),
        _item(_S, "Offre manquante", "Organization.partOf", Thematique.EXHAUSTIVITE, Action.AJOUT),
        _item(_S, "Tarifs", f"Organization.extension('{SD}ror-organization-price')"),
        _item(_S, "Nom de la structure", "Organization.name"),
        _item(_S, "Adresse établissement", "Organization.address"),
        _item(
            _S,
            "Date d'ouverture",
            f"Organization.extension('{SD}ror-organization-period').extension('openingClosingDate').value.start",
        ),
        _item(
            _S,
            "Date de fermeture",
            f"Organization.extension('{SD}ror-organization-period').extension('openingClosingDate').value.end",
        ),
        _item(_S, "Type de fermeture", f"Organization.extension('{SD}ror-organization-closing-type')"),
    ),
    _O: (
        _item(
            _O,
            "Actes spécifiques",
            f"HealthcareService.characteristic.where(coding.system='{NOS}TRE_R210-ActeSpecifique/FHIR/TRE-R210-ActeSpecifique')",
        ),
        _item(
            _O,
            "Actes spécifiques hors cabinet",
            f"HealthcareService.extension('{SD}ror-healthcareservice-outside-office-act')",
        ),
        _item(_O, "Activités opérationnelles", "HealthcareService.specialty"),
        _item(_O, "Adresse offre", "HealthcareService.location.resolve().address"),
        _item(
            _O,
            "Age patientèle",
            f"HealthcareService.extension('{SD}ror-healthcareservice-patient-type').extension('ageRange')",
        ),
        _item(_O, "Catégorie établissement", "HealthcareService.providedBy.resolve()." + _CATEGORIE),
        _item(_O, "Contact établissement", "HealthcareService.providedBy.resolve().contact.telecom"),
        _item(_O, "Contact offre", "HealthcareService.telecom"),
        _item(_O, "Horaires", "HealthcareService.availableTime"),
        _item(
            _O,
            "Modalités d'accueil",
            f"HealthcareService.characteristic.where(coding.system='{NOS}TRE_R226-ModaliteAccueil/FHIR/TRE-R226-ModaliteAccueil')",
        ),
        _item(
            _O,
            "Mode de prise en charge",
            f"HealthcareService.characteristic.where(coding.system='{NOS}TRE_R213-ModePriseEnCharge/FHIR/TRE-R213-ModePriseEnCharge')",
        ),
        _item(_O, "Tarifs", f"HealthcareService.extension('{SD}ror-healthcareservice-price')"),
        _item(_O, "Adresse établissement", "HealthcareService.providedBy.resolve().address"),
    ),
    _P: (
        _item(_P, "Identité", "Practitioner.name"),
        _item(_P, "Profession", "PractitionerRole.code"),
        _item(_P, "Savoir-faire", "PractitionerRole.specialty"),
        _item(_P, "Contact", "PractitionerRole.telecom"),
        _item(_P, "Lieu d'exercice", "PractitionerRole.location"),
        _item(_P, "Horaires", "PractitionerRole.availableTime"),
    ),
}

ALL_DATA_ITEM_LABELS: tuple[str, ...] = tuple(
    dict.fromkeys(item.label for items in CATALOGUE.values() for item in items)
)


def data_items_of(kind: ResourceKind) -> tuple[DataItem, ...]:
    return CATALOGUE[kind]


def data_item(kind: ResourceKind, label: str) -> DataItem:
    """The item of `kind` whose label matches `label`, ignoring case, accents and spacing."""
    wanted = fold(label)
    for item in CATALOGUE[kind]:
        if fold(item.label) == wanted:
            return item
    raise UnknownDataItem(label, kind)


def canonical_data_item_label(label: str) -> str:
    """The catalogue's spelling of a label of any kind (used by filters, which span kinds)."""
    wanted = fold(label)
    for known in ALL_DATA_ITEM_LABELS:
        if fold(known) == wanted:
            return known
    raise UnknownDataItem(label, None)
