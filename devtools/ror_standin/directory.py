"""The stand-in's directory base: ROR resources loaded from a Bundle (by default the demo directory),
served by the queries of api.md: `HealthcareService?_filter=(_lastUpdated ge T or
organization._lastUpdated:above ge T)` with its `_include` / `_revinclude`, `Organization?_lastUpdated`,
`identifier` searches, `organization.identifier:above`, and reads by id."""

import copy
import json
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from devtools.ror_standin.tasks import REGION_SYSTEM, Invalid, compare_moment, parse_moment

Json = dict[str, Any]
STRUCTURE_ID_SYSTEM = "urn:oid:1.2.250.1.71.4.2.2"
INCLUDES = {
    ("_include", "HealthcareService:organization"),
    ("_include:iterate", "Organization:partof"),
    ("_include", "HealthcareService:location"),
    ("_revinclude", "PractitionerRole:service"),
    ("_include", "PractitionerRole:practitioner"),
}
_FILTER = re.compile(r"^\(_lastUpdated ge (\S+) or organization\._lastUpdated:above ge (\S+)\)$")
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def _ref_id(reference: object, kind: str) -> str | None:
    if isinstance(reference, dict):
        value = str(reference.get("reference") or "")
        if value.startswith(f"{kind}/"):
            return value.split("/", 1)[1]
    return None


def _updated(resource: Json) -> datetime:
    value = (resource.get("meta") or {}).get("lastUpdated")
    try:
        return parse_moment(value) if isinstance(value, str) else _EPOCH
    except ValueError:
        return _EPOCH


def _identifiers(resource: Json) -> list[tuple[str | None, str]]:
    return [
        (i.get("system"), str(i.get("value")))
        for i in resource.get("identifier") or []
        if isinstance(i, dict) and i.get("value")
    ]


def _tag(resource: Json) -> str | None:
    for tag in (resource.get("meta") or {}).get("tag") or []:
        if isinstance(tag, dict) and tag.get("system") == REGION_SYSTEM:
            return str(tag.get("code") or "") or None
    return None


@dataclass
class DirectoryBase:
    resources: dict[str, dict[str, Json]] = field(default_factory=dict)
    _lock: threading.RLock = field(default_factory=threading.RLock)

    def load(self, source: Path | Json) -> int:
        bundle = json.loads(source.read_text(encoding="utf-8")) if isinstance(source, Path) else source
        count = 0
        with self._lock:
            for entry in bundle.get("entry") or []:
                resource = entry.get("resource") if isinstance(entry, dict) else None
                if isinstance(resource, dict) and resource.get("resourceType") and resource.get("id"):
                    self.put(resource)
                    count += 1
        return count

    def put(self, resource: Json) -> None:
        with self._lock:
            self.resources.setdefault(resource["resourceType"], {})[resource["id"]] = copy.deepcopy(resource)

    def touch(self, kind: str, resource_id: str, moment: datetime) -> None:
        """Mark a resource changed (tests of incremental pulls)."""
        with self._lock:
            meta = self.resources[kind][resource_id].setdefault("meta", {})
            meta["lastUpdated"] = moment.astimezone(UTC).isoformat(timespec="milliseconds")

    def of(self, kind: str) -> dict[str, Json]:
        return self.resources.get(kind, {})

    def read(self, kind: str, resource_id: str) -> Json:
        with self._lock:
            found = self.of(kind).get(resource_id)
            if found is None:
                raise Invalid(404, f"Aucune ressource {kind}/{resource_id}.", "not-found")
            return copy.deepcopy(found)

    def region_of(self, focus_type: str, value: str) -> str | None:
        """The région tag of the resource an anomaly points to (a Task's focus), None when unknown."""
        with self._lock:
            for resource in self.of(focus_type).values():
                if any(v == value for _, v in _identifiers(resource)):
                    tag = _tag(resource)
                    if tag is None and focus_type == "HealthcareService":
                        org = self.of("Organization").get(
                            _ref_id(resource.get("providedBy"), "Organization") or ""
                        )
                        tag = _tag(org) if org else None
                    return tag
        return None

    # -- searches: the ids that match (paged by the server), then a page's includes -----------------

    def search(self, kind: str, params: list[tuple[str, str]]) -> list[tuple[str, str]]:
        with self._lock:
            if kind == "Organization":
                return [
                    ("Organization", i)
                    for i, r in self.of(kind).items()
                    if self._organization_matches(r, params)
                ]
            if kind == "HealthcareService":
                return [
                    ("HealthcareService", i)
                    for i, r in self.of(kind).items()
                    if self._offer_matches(r, params)
                ]
            if kind in ("Location", "Practitioner", "PractitionerRole"):
                return [(kind, i) for i, r in self.of(kind).items() if _common_matches(r, params)]
        raise Invalid(400, f"Type de ressource non pris en charge : {kind}.", "not-supported")

    def _organization_matches(self, resource: Json, params: list[tuple[str, str]]) -> bool:
        return _common_matches(resource, params)

    def _offer_matches(self, resource: Json, params: list[tuple[str, str]]) -> bool:
        organization = self.of("Organization").get(_ref_id(resource.get("providedBy"), "Organization") or "")
        for key, value in params:
            if key == "_filter":
                match = _FILTER.match(value.strip())
                if match is None:
                    raise Invalid(400, f"_filter non pris en charge : {value}", "not-supported")
                own = compare_moment(_updated(resource), f"ge{match.group(1)}")
                parent = organization is not None and compare_moment(
                    _updated(organization), f"ge{match.group(2)}"
                )
                if not (own or parent):
                    return False
            elif key == "organization.identifier:above" and (
                organization is None or value not in [v for _, v in _identifiers(organization)]
            ):
                return False
        return _common_matches(
            resource, [(k, v) for k, v in params if k not in ("_filter", "organization.identifier:above")]
        )

    def includes(self, matches: list[Json], params: list[tuple[str, str]]) -> list[Json]:
        """The resources a page's matches bring with them, per the requested _include / _revinclude."""
        wanted = {(k, v) for k, v in params if k.startswith(("_include", "_revinclude"))}
        unknown = wanted - INCLUDES
        if unknown:
            raise Invalid(400, f"Inclusion non prise en charge : {sorted(unknown)[0][1]}.", "not-supported")
        found: dict[tuple[str, str], Json] = {}
        with self._lock:
            offers = [m for m in matches if m.get("resourceType") == "HealthcareService"]
            organizations: list[Json] = []
            if ("_include", "HealthcareService:organization") in wanted:
                for offer in offers:
                    org = self.of("Organization").get(_ref_id(offer.get("providedBy"), "Organization") or "")
                    if org is not None:
                        organizations.append(org)
            if ("_include:iterate", "Organization:partof") in wanted:
                queue = list(organizations)
                while queue:
                    parent = self.of("Organization").get(
                        _ref_id(queue.pop().get("partOf"), "Organization") or ""
                    )
                    if parent is not None and parent not in organizations:
                        organizations.append(parent)
                        queue.append(parent)
            for org in organizations:
                found[("Organization", org["id"])] = org
            if ("_include", "HealthcareService:location") in wanted:
                for offer in offers:
                    for reference in offer.get("location") or []:
                        location = self.of("Location").get(_ref_id(reference, "Location") or "")
                        if location is not None:
                            found[("Location", location["id"])] = location
            roles: list[Json] = []
            if ("_revinclude", "PractitionerRole:service") in wanted:
                offer_ids = {o["id"] for o in offers}
                roles = [
                    r
                    for r in self.of("PractitionerRole").values()
                    if any(
                        _ref_id(s, "HealthcareService") in offer_ids for s in r.get("healthcareService") or []
                    )
                ]
                for role in roles:
                    found[("PractitionerRole", role["id"])] = role
            if ("_include", "PractitionerRole:practitioner") in wanted:
                for role in roles:
                    practitioner = self.of("Practitioner").get(
                        _ref_id(role.get("practitioner"), "Practitioner") or ""
                    )
                    if practitioner is not None:
                        found[("Practitioner", practitioner["id"])] = practitioner
            return [copy.deepcopy(r) for r in found.values()]


def _common_matches(resource: Json, params: list[tuple[str, str]]) -> bool:
    for key, value in params:
        if key == "_lastUpdated":
            if not compare_moment(_updated(resource), value):
                return False
        elif key == "identifier":
            system, _, code = value.rpartition("|")
            if not any(v == code and (not system or s == system) for s, v in _identifiers(resource)):
                return False
        elif key == "_id":
            if resource.get("id") not in value.split(","):
                return False
        elif not key.startswith(("_include", "_revinclude")) and key not in ("_count",):
            raise Invalid(400, f"Paramètre de recherche non pris en charge : {key}.", "not-supported")
    return True
