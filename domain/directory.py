"""Resources of the directory that anomalies point to, with the data the ROR holds for them."""

from dataclasses import dataclass, field
from datetime import datetime

from domain.catalogue import ResourceKind

NOT_PROVIDED = "Non renseigné"


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
