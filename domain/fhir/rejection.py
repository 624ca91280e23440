"""Why one resource of an imported file was not loaded, and where it is in the file."""

from dataclasses import dataclass

from domain.text import printable


@dataclass(frozen=True, slots=True)
class Rejection:
    """`position` counts from 1 in `unit`: « ligne » for NDJSON, « entrée » for a Bundle's entries."""

    position: int
    unit: str
    resource_type: str | None
    resource_id: str | None
    reason: str

    @property
    def where(self) -> str:
        place = f"{self.unit} {self.position}"
        # Type and id come from the file: quoted as printable text, whatever they hold.
        kind = printable(self.resource_type, 40) if self.resource_type else ""
        if kind and self.resource_id:
            return f"{place} ({kind}/{printable(self.resource_id, 64)})"
        if kind:
            return f"{place} ({kind})"
        return place

    def __str__(self) -> str:
        return f"{self.where} : {self.reason}"


class ResourceRejected(Exception):
    """Raised while reading one resource; the import records it and goes on with the next."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
