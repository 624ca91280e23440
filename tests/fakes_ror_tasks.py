"""An in-memory ROR national anomaly base (`domain.ports.RorNational`, the part sync reads) for unit tests:
Tasks with a version and a `meta.lastUpdated`, pulled page by page as the adapter does (`ge` the watermark,
one search per région and focus type, or one for a national scope, de-duplicated by Task id + version, the
watermark handed out on the last page only), with a switchable outage at a given page."""

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from domain.catalogue import ResourceKind
from domain.errors import RorNationalUnavailable
from domain.habilitation import Perimeter
from domain.rornational import (
    RemoteIdentifier,
    RemoteTask,
    Submitted,
    TaskDraft,
    TaskPage,
    Watermark,
    latest,
)
from domain.statuses import Status

OUTAGE = "Le ROR national (base des anomalies) est indisponible (HTTP 503) : nouvel essai plus tard."
FOCUS_TYPES = ("Organization", "HealthcareService", "Practitioner", "PractitionerRole")


class FakeRorNational:
    def __init__(self, *, page_size: int = 2, start: datetime | None = None) -> None:
        self.tasks: dict[str, RemoteTask] = {}
        self.page_size = page_size
        self._now = start or datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
        self._ids = 5000
        self.pulls: list[tuple[Watermark | None, Perimeter]] = []
        # The pull fails when about to hand out this page (counted across every pull; 1 = the first).
        self.down_at_page: int | None = None
        self.pages_handed = 0

    def _tick(self) -> Watermark:
        self._now += timedelta(milliseconds=10)
        return Watermark.of(self._now)

    def add(
        self,
        *,
        focus_type: str = "Organization",
        focus_value: str = "1110000056",
        region: str | None = "76",
        business_status: str = "05",
        description: str = "Anomalie déclarée depuis le formulaire du ROR national",
        path: str = "Organization.name",
        system_requester: str = "IHM Déclaration ROR national",
        authored_on: datetime | None = None,
        error_value: str = "CH NARBONNE",
    ) -> RemoteTask:
        """A Task declared elsewhere (web form, another éditeur)."""
        self._ids += 1
        task_id = str(self._ids)
        mark = self._tick()
        task = RemoteTask(
            task_id=task_id,
            version="1",
            identifier=RemoteIdentifier(f"ANO_{300000000000 + self._ids}", "urn:ror:anomalie"),
            business_status=business_status,
            focus_type=focus_type,
            focus_value=focus_value,
            region=region,
            description=description,
            thematique_code="06",
            action_code="COR",
            path_element_error=path,
            error_values=(error_value,),
            system_requester=system_requester,
            authored_on=authored_on or datetime(2026, 1, 5, 9, tzinfo=UTC),
            last_modified=mark.at,
            last_updated=mark,
            fhir_status="in-progress",
        )
        self.tasks[task_id] = task
        return task

    def set_status(self, task_id: str, status: Status | str, *, version: str | None = None) -> Submitted:
        task = self.tasks[task_id]
        mark = self._tick()
        changed = replace(
            task,
            business_status=str(status),
            version=str(int(task.version or "0") + 1),
            last_modified=mark.at,
            last_updated=mark,
        )
        self.tasks[task_id] = changed
        return Submitted(changed.task_id, changed.version, changed.identifier, mark.at, changed)

    def submit(self, draft: TaskDraft) -> Submitted:
        task = self.add(
            focus_type={
                ResourceKind.STRUCTURE: "Organization",
                ResourceKind.OFFRE: "HealthcareService",
                ResourceKind.PROFESSIONNEL: "PractitionerRole",
            }[draft.kind],
            focus_value=draft.resource_id,
            region=None,
            business_status="01",
            description=draft.description,
            path=draft.fhir_path,
            system_requester=draft.declaring_system,
            authored_on=draft.authored_on,
            error_value=draft.present_value,
        )
        return Submitted(task.task_id, task.version, task.identifier, task.last_modified, task)

    def get(self, task_id: str) -> RemoteTask:
        return self.tasks[task_id]

    def find_by_focus(self, kind: ResourceKind, resource_id: str) -> list[RemoteTask]:
        return [t for t in self.tasks.values() if t.kind is kind and t.focus_value == resource_id]

    def changed_since(self, since: Watermark | None, *, scope: Perimeter) -> Iterator[TaskPage]:
        self.pulls.append((since, scope))
        searches: list[tuple[str | None, str | None]] = (
            [(None, None)]
            if scope.national
            else [(region, kind) for region in sorted(scope.regions) for kind in FOCUS_TYPES]
        )
        newest = since
        seen: set[tuple[str, str]] = set()
        for number, (region, focus_type) in enumerate(searches, start=1):
            found = [
                t
                for t in self.tasks.values()
                if (since is None or (t.last_updated is not None and t.last_updated >= since))
                and (region is None or (t.region == region and t.focus_type == focus_type))
            ]
            size = self.page_size
            chunks = [found[i : i + size] for i in range(0, len(found), size)] or [[]]
            for index, chunk in enumerate(chunks, start=1):
                self.pages_handed += 1
                if self.down_at_page == self.pages_handed:
                    raise RorNationalUnavailable(OUTAGE)
                fresh = [t for t in chunk if t.version_key not in seen]
                seen.update(t.version_key for t in fresh)
                newest = latest(newest, *(t.last_updated for t in chunk))
                last = number == len(searches) and index == len(chunks)
                yield TaskPage(
                    tasks=fresh,
                    watermark=newest if last else since,
                    last=last,
                    region=region,
                    focus_type=focus_type,
                    total=len(found),
                )
