"""A structure or an offer a user names that our directory does not hold yet is fetched live from the ROR
national's directory (a structure with its offers, an offer with its structure), kept, and then found as
if it had always been there (issue 8). The ROR national not knowing it either gives the usual « inconnu »
answer; the ROR national failing is said as such (`DirectoryUnreachable`), never as « inconnu ».

Nothing is fetched for an identifier that cannot be right, for one already known (whatever the member's
perimeter: the perimeter rules are applied afterwards, unchanged), nor for professionals (the directory
port has no single lookup for them). The fetch happens outside any transaction of the caller: lookups
call `domain.services.directory.bring_in_unknown` before opening theirs."""

from collections.abc import Callable
from dataclasses import dataclass

from domain.catalogue import ResourceKind
from domain.errors import UnreadableDirectoryResource
from domain.ports import Clock, RorDirectory, UnitOfWork
from domain.rornational import DirectoryPage
from domain.services.directory_pages import PullTally, load_pages


def fetch_resource(
    *,
    kind: ResourceKind,
    resource_id: str,
    source: RorDirectory,
    uow: UnitOfWork,
    clock: Clock,
    system: str,
) -> bool:
    """Fetch one structure (with its offers) or one offer (with its structure) and keep it: True when the
    ROR national described it, False when it does not know it. `RorNationalError` when it cannot be
    asked; `UnreadableDirectoryResource` when the importer refuses its description."""
    pages: list[DirectoryPage]
    if kind is ResourceKind.STRUCTURE:
        first = source.fetch_structure(resource_id)
        if first is None:
            return False
        pages = [first, *source.fetch_offers_of(resource_id)]
    elif kind is ResourceKind.OFFRE:
        found = source.fetch_offer(resource_id)
        if found is None:
            return False
        pages = [found]
    else:
        return False
    tally = PullTally()
    described = load_pages(pages, tally=tally, uow=uow, clock=clock, system=system)
    if any(r.kind is kind and r.resource_id == resource_id for r in described):
        return True
    refused = next((r.rejection.reason for r in tally.rejected), "elle n'y figure pas.")
    raise UnreadableDirectoryResource(resource_id, refused)


@dataclass(frozen=True, slots=True)
class LiveDirectory:
    """`domain.ports.LiveLookup` on the ROR national's directory: each fetch is kept in its own unit of work."""

    source: RorDirectory
    uow: Callable[[], UnitOfWork]
    clock: Clock
    system: str

    def bring_in(self, kind: ResourceKind, resource_id: str) -> bool:
        return fetch_resource(
            kind=kind,
            resource_id=resource_id,
            source=self.source,
            uow=self.uow(),
            clock=self.clock,
            system=self.system,
        )
