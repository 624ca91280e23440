"""Resources of the directory that anomalies point to, with the data the ROR holds for them."""

from dataclasses import dataclass, field
from datetime import datetime

from domain.catalogue import ResourceKind
from domain.text import check_text

NOT_PROVIDED = "Non renseigné"
# What a resource may hold, whoever sends it (an import file, the ROR national): the stored columns'
# sizes for names, and room for the longest real values (a structure's tariffs) elsewhere.
MAX_NAME = 500
MAX_ADDRESS = 1_000
MAX_DATA_VALUE = 5_000
MAX_IDENTIFIER_SYSTEM = 200  # a URL or an OID naming the identifier's system


@dataclass(slots=True)
class Resource:
    kind: ResourceKind
    resource_id: str
    name: str
    structure_id: str | None
    structure_name: str
    region: str | None
    departement: str | None
    offer_name: str | None = None
    address: str = ""
    recipient: str | None = None
    data: dict[str, str] = field(default_factory=dict)
    updated_at: datetime | None = None
    # The system of the identifier naming this resource in the ROR national, written as a declared Task's
    # `focus.identifier.system`: the ID National Structure's for a structure, the one the directory resource
    # itself carries for an offer or a professional; None when the directory gives none (then omitted).
    identifier_system: str | None = None

    def present_value(self, label: str) -> str:
        value = self.data.get(label, "").strip()
        return value or NOT_PROVIDED


@dataclass(frozen=True, slots=True)
class WrongRecipient:
    """A resource whose anomalies wait, blocked, for an operator to name the right recipient."""

    kind: ResourceKind
    resource_id: str
    name: str
    recipient: str
    blocked: int  # anomalies in 11 Bloquée (destinataire erroné)
    since: datetime  # the oldest of their last modifications


def check_resource_texts(resource: Resource) -> None:
    """InvalidText naming the first field of `resource` that no stored text may hold (too long, control
    characters): such a resource is refused rather than stored or shown."""
    for subject, value in (
        ("Le nom", resource.name),
        ("Le nom de la structure", resource.structure_name),
        ("Le nom de l'offre", resource.offer_name or ""),
    ):
        check_text(value, subject=subject, max_length=MAX_NAME)
    check_text(resource.address, subject="L'adresse", max_length=MAX_ADDRESS, multiline=True)
    check_text(
        resource.identifier_system or "",
        subject="Le système de l'identifiant",
        max_length=MAX_IDENTIFIER_SYSTEM,
    )
    for label, value in resource.data.items():
        check_text(value, subject=f"La donnée « {label} »", max_length=MAX_DATA_VALUE, multiline=True)
