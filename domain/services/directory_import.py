"""Loading the resources of an import file into the directory (`ror-bot directory import|demo`).

A re-import updates each resource in place. Recipients are set by operators as much as by files (the
ROR itself names none), so a resource imported without one keeps the recipient it already had; a
resource that gains a recipient, or changes it, has its blocked anomalies sent to that recipient,
exactly as `ror-bot recipient set` does."""

from collections.abc import Sequence
from dataclasses import dataclass, replace

from domain.directory import Resource, check_resource_texts
from domain.ports import Clock, UnitOfWork
from domain.services.directory import send_blocked_anomalies


@dataclass(frozen=True, slots=True)
class ImportReport:
    created: int
    updated: int
    # References of the anomalies sent to a recipient the import named.
    sent: tuple[str, ...] = ()


def import_directory(
    *, resources: Sequence[Resource], uow: UnitOfWork, clock: Clock, system: str
) -> ImportReport:
    """All resources or none: one transaction, so a failure leaves the directory as it was (a resource
    holding a text no stored text may hold, InvalidText, included)."""
    for incoming in resources:
        check_resource_texts(incoming)
    created = updated = 0
    sent: list[str] = []
    with uow:
        now = clock.now()
        for incoming in resources:
            stored = uow.directory.get(incoming.kind, incoming.resource_id)
            previous = stored.recipient if stored is not None else None
            resource = replace(incoming, updated_at=now, recipient=incoming.recipient or previous)
            if uow.directory.upsert(resource):
                created += 1
            else:
                updated += 1
            if resource.recipient and resource.recipient != previous:
                moved = send_blocked_anomalies(
                    resource_id=resource.resource_id,
                    recipient=resource.recipient,
                    uow=uow,
                    at=now,
                    system=system,
                )
                sent += [anomaly.reference for anomaly in moved]
        uow.commit()
    return ImportReport(created=created, updated=updated, sent=tuple(sent))
