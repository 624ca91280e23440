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
