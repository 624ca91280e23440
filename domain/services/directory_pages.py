"""Pages of the ROR national's directory (FHIR Bundles) loaded through the directory importer: what the
directory sync and the live fetch of one resource share.

Within one pull a resource is loaded once (a structure comes back with every page of its offers); one
that the directory already holds exactly as the ROR describes it is left untouched and counted as
unchanged, so a pull that re-reads its overlap rewrites nothing."""

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from domain.catalogue import ResourceKind
from domain.directory import Resource
from domain.fhir.directory_import import parse_directory
from domain.fhir.rejection import Rejection
from domain.ports import Clock, UnitOfWork
from domain.rornational import DirectoryPage
from domain.services.directory_import import import_directory

Key = tuple[ResourceKind, str]


@dataclass(frozen=True, slots=True)
class PageRejection:
    """A resource of a pulled page the importer refused, with its reason."""

    page: int
    rejection: Rejection

    def __str__(self) -> str:
        return f"page {self.page}, {self.rejection}"


@dataclass(slots=True)
class PullTally:
    """What a pull has loaded so far (it may stop half-way: an outage)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    pages: int = 0
    rejected: list[PageRejection] = field(default_factory=list)
    # References of blocked anomalies sent to a recipient the pulled resources named.
    sent: list[str] = field(default_factory=list)
    loaded: set[Key] = field(default_factory=set)
    _reported: set[tuple[str | None, str | None, str]] = field(default_factory=set)

    def reject(self, page: int, rejection: Rejection) -> None:
        # A structure refused on its own page is refused again on each page of its offers: once is enough.
        key = (rejection.resource_type, rejection.resource_id, rejection.reason)
        if rejection.resource_id is None or key not in self._reported:
            self._reported.add(key)
            self.rejected.append(PageRejection(page, rejection))


def _key(resource: Resource) -> Key:
    return (resource.kind, resource.resource_id)


def _unchanged(incoming: Resource, stored: Resource | None) -> bool:
    """The ROR names no recipient: one set here stays, so it is not a change (as the importer keeps it)."""
    if stored is None:
        return False
    as_loaded = replace(
        incoming, updated_at=stored.updated_at, recipient=incoming.recipient or stored.recipient
    )
    return as_loaded == stored


def load_pages(
    pages: Sequence[DirectoryPage], *, tally: PullTally, uow: UnitOfWork, clock: Clock, system: str
) -> list[Resource]:
    """Read `pages` and load what they hold in one transaction (all of it or, on a failure, none); the
    resources the pages described, loaded now or earlier in the same pull, are returned."""
    described: list[Resource] = []
    with uow:

        def known_structure(structure_id: str) -> Resource | None:
            # Offers naming their structure by identifier only: one loaded earlier, in the pull or before.
            return uow.directory.get(ResourceKind.STRUCTURE, structure_id)

        changed: list[Resource] = []
        unchanged = 0
        for page in pages:
            tally.pages += 1
            result = parse_directory(page.bundle, known_structure=known_structure)
            for rejection in result.rejected:
                tally.reject(tally.pages, rejection)
            for resource in result.resources:
                described.append(resource)
                if _key(resource) in tally.loaded:
                    continue
                tally.loaded.add(_key(resource))
                if _unchanged(resource, uow.directory.get(resource.kind, resource.resource_id)):
                    unchanged += 1
                else:
                    changed.append(resource)
        report = import_directory(resources=changed, uow=uow, clock=clock, system=system)
    tally.created += report.created
    tally.updated += report.updated
    tally.unchanged += unchanged
    tally.sent += report.sent
    return described
