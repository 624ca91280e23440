"""An in-memory ROR national directory (`domain.ports.RorDirectory`) for unit tests: FHIR resources with
their `meta.lastUpdated`, pulled page by page as the adapter does (structures changed since the mark, then
offers changed themselves or through their structure, each page with its offers' structures), with a
switchable outage."""

import dataclasses
import itertools
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from domain.catalogue import ResourceKind
from domain.errors import RorNationalRefused, RorNationalUnavailable
from domain.habilitation import Perimeter
from domain.rornational import (
    DirectoryPage,
    RemoteIdentifier,
    RemoteTask,
    Submitted,
    TaskDraft,
    TaskPage,
    Watermark,
    latest,
)
from domain.statuses import Status

Json = dict[str, Any]
REGION = "https://mos.esante.gouv.fr/NOS/TRE_R30-RegionOM/FHIR/TRE-R30-RegionOM"
STRUCTURE_SYSTEM = "urn:oid:1.2.250.1.71.4.2.2"
OUTAGE = "Le ROR national (annuaire) est indisponible (HTTP 503) : nouvel essai plus tard."


def moment(day: int, hour: int = 8) -> str:
    return datetime(2026, 1, day, hour, tzinfo=UTC).isoformat().replace("+00:00", "Z")


def organization(
    number: str, name: str, *, updated: str, region: str = "76", postal_code: str = "11100", **extra: Any
) -> Json:
    """`number`: the FINESS; the ID National Structure is 1 + FINESS."""
    body: Json = {
        "resourceType": "Organization",
        "id": f"org-{number}",
        "meta": {"lastUpdated": updated, "tag": [{"system": REGION, "code": region}]},
        "identifier": [{"system": STRUCTURE_SYSTEM, "value": f"1{number}"}],
        "name": name,
        "address": [{"line": ["1 rue de la Paix"], "postalCode": postal_code, "city": "NARBONNE"}],
    }
    body.update(extra)
    return body


def offer(offer_id: str, name: str, *, of: str, updated: str, **extra: Any) -> Json:
    """`of`: the FINESS of its structure."""
    body: Json = {
        "resourceType": "HealthcareService",
        "id": "hs-" + offer_id.replace("/", "-"),
        "meta": {"lastUpdated": updated},
        "identifier": [{"value": offer_id}],
        "name": name,
        "providedBy": {"reference": f"Organization/org-{of}"},
    }
    body.update(extra)
    return body


def _updated(resource: Json) -> datetime:
    return Watermark(resource["meta"]["lastUpdated"]).at


def _bundle(resources: list[Json]) -> str:
    return json.dumps(
        {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in resources]},
        ensure_ascii=False,
    )


class FakeRorDirectory:
    def __init__(self, *resources: Json, page_size: int = 2) -> None:
        self.resources: dict[str, Json] = {}
        self.page_size = page_size
        self.pulls: list[Watermark | None] = []
        self.fetches: list[tuple[str, str]] = []
        # The pull fails when about to hand out this page (1 = the first), and every live fetch when set.
        self.down_at_page: int | None = None
        self.down = False
        for resource in resources:
            self.put(resource)

    def put(self, resource: Json) -> None:
        self.resources[resource["id"]] = resource

    def _of(self, kind: str) -> list[Json]:
        return [r for r in self.resources.values() if r["resourceType"] == kind]

    def _structure_of(self, service: Json) -> Json | None:
        reference = str(service.get("providedBy", {}).get("reference", ""))
        return self.resources.get(reference.removeprefix("Organization/"))

    def _with_structures(self, services: list[Json]) -> list[Json]:
        included = {s["id"]: s for s in (self._structure_of(o) for o in services) if s is not None}
        return [*services, *included.values()]

    def _fail_if_down(self) -> None:
        if self.down:
            raise RorNationalUnavailable(OUTAGE)

    def pull_directory(self, since: Watermark | None) -> Iterator[DirectoryPage]:
        self.pulls.append(since)

        def changed(resource: Json | None) -> bool:
            return resource is not None and (since is None or _updated(resource) >= since.at)

        structures = [s for s in self._of("Organization") if changed(s)]
        services = [o for o in self._of("HealthcareService") if changed(o) or changed(self._structure_of(o))]
        size = self.page_size
        chunks = [structures[i : i + size] for i in range(0, len(structures), size)] or [[]]
        chunks += [services[i : i + size] for i in range(0, len(services), size)] or [[]]
        newest = since
        for number, matches in enumerate(chunks, start=1):
            if self.down_at_page == number:
                raise RorNationalUnavailable(OUTAGE)
            newest = latest(newest, *(Watermark(m["meta"]["lastUpdated"]) for m in matches))
            last = number == len(chunks)
            yield DirectoryPage(
                bundle=_bundle(self._with_structures(matches) if matches else []),
                entries=len(matches),
                watermark=newest if last else since,
                last=last,
            )

    def fetch_structure(self, structure_id: str) -> DirectoryPage | None:
        self.fetches.append(("Organization", structure_id))
        self._fail_if_down()
        found = [
            s for s in self._of("Organization") if any(i["value"] == structure_id for i in s["identifier"])
        ]
        return DirectoryPage(_bundle(found), len(found), None, True) if found else None

    def fetch_offer(self, offer_id: str) -> DirectoryPage | None:
        self.fetches.append(("HealthcareService", offer_id))
        self._fail_if_down()
        found = [
            o for o in self._of("HealthcareService") if any(i["value"] == offer_id for i in o["identifier"])
        ]
        return DirectoryPage(_bundle(self._with_structures(found)), len(found), None, True) if found else None

    def fetch_offers_of(self, structure_id: str) -> Iterator[DirectoryPage]:
        self.fetches.append(("offers-of", structure_id))
        self._fail_if_down()
        found = [
            o
            for o in self._of("HealthcareService")
            if any(i["value"] == structure_id for i in (self._structure_of(o) or {}).get("identifier", []))
        ]
        yield DirectoryPage(_bundle(self._with_structures(found)), len(found), None, True)


# --- the anomaly API (domain.ports.RorNational) ---------------------------------------------------


class FakeRorNational:
    """Tasks in memory. `down` makes every call unavailable (with `retry_after`); `refuse` maps a
    description to the ROR's refusal reason; `lose_answers` creates the Task of that many POSTs and then
    fails as if the answer were lost; `refuse_patch` refuses every PATCH with that reason."""

    def __init__(self) -> None:
        self.tasks: dict[str, RemoteTask] = {}
        self.posts: list[TaskDraft] = []
        self.patches: list[tuple[str, Status]] = []
        self.searches: list[tuple[ResourceKind, str]] = []
        self.down = False
        self.retry_after: float | None = None
        self.refuse: dict[str, str] = {}
        self.lose_answers = 0
        self.refuse_patch: str | None = None
        self._ids = itertools.count(1)

    def _fail_if_down(self) -> None:
        if self.down:
            raise RorNationalUnavailable(
                "Le ROR national (anomalies) est indisponible (HTTP 503) : nouvel essai plus tard.",
                retry_after=self.retry_after,
            )

    def submit(self, draft: TaskDraft) -> Submitted:
        self._fail_if_down()
        if draft.description in self.refuse:
            reason = self.refuse[draft.description]
            raise RorNationalRefused(
                f"Le ROR national refuse la Task : {reason}", status_code=422, reason=reason
            )
        self.posts.append(draft)
        task_id = str(next(self._ids))
        task = RemoteTask(
            task_id=task_id,
            version="1",
            identifier=RemoteIdentifier(f"ANO_{300000000000 + int(task_id)}", "urn:standin:reference"),
            business_status=Status.CREATED.value,
            focus_type={"Structure": "Organization", "Offre": "HealthcareService"}.get(
                draft.kind.value, "PractitionerRole"
            ),
            focus_value=draft.resource_id,
            description=draft.description,
            path_element_error=draft.fhir_path,
            system_requester=draft.declaring_system,
            authored_on=draft.authored_on.replace(microsecond=0),
        )
        self.tasks[task_id] = task
        if self.lose_answers:
            self.lose_answers -= 1
            raise RorNationalUnavailable(
                "Le ROR national (anomalies) ne répond pas : nouvel essai plus tard."
            )
        return Submitted(task_id, "1", task.identifier, None, task)

    def get(self, task_id: str) -> RemoteTask:
        self._fail_if_down()
        return self.tasks[task_id]

    def find_by_focus(self, kind: ResourceKind, resource_id: str) -> list[RemoteTask]:
        self._fail_if_down()
        self.searches.append((kind, resource_id))
        return [t for t in self.tasks.values() if t.focus_value == resource_id]

    def changed_since(self, since: Watermark | None, *, scope: Perimeter) -> Iterator[TaskPage]:
        raise NotImplementedError("sync is not part of these tests")

    def set_status(self, task_id: str, status: Status, *, version: str | None = None) -> Submitted:
        self._fail_if_down()
        if self.refuse_patch is not None:
            raise RorNationalRefused(
                f"Le ROR national refuse : {self.refuse_patch}", status_code=422, reason=self.refuse_patch
            )
        self.patches.append((task_id, status))
        task = self.tasks[task_id]
        version = str(int(task.version or "1") + 1)
        self.tasks[task_id] = dataclasses.replace(task, business_status=status.value, version=version)
        return Submitted(task_id, version, task.identifier, None)
