"""`FhirRorNational`: the ROR national's FHIR API behind `domain.ports.RorNational` (anomalies) and
`domain.ports.RorDirectory` (structures and offers). reference/ror-fhir/api.md is the protocol.

Only documented interactions and search parameters are used: POST / GET / PATCH `Task`, searches by
`_lastUpdated`, `focus` (chained identifier, région `_tag` per focus type), `_count`, following the
Bundle's `next` link; the directory's `_filter` / `_include` / `_revinclude` query."""

import json
import re
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote

import httpx

from domain.catalogue import ResourceKind
from domain.errors import (
    RorNationalError,
    RorNationalRefused,
    RorNationalUnavailable,
)
from domain.fhir.systems import REGION_SYSTEM, STRUCTURE_ID_SYSTEM
from domain.fhir.task import draft_task, status_patch
from domain.habilitation import Perimeter
from domain.ports import RorDirectory, RorNational
from domain.rornational import (
    CheckResult,
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
from rornational.config import RorConnection
from rornational.failures import host_of, json_body, unreadable
from rornational.http import RorHttp
from rornational.models import (
    InvalidResource,
    SearchPage,
    parse_searchset,
    parse_task,
    tasks_of,
    valid_parameters,
    valid_task,
)

ANOMALIES = "le ROR national (base des anomalies)"
DIRECTORY = "le ROR national (annuaire)"
PAGE_SIZE = 200  # the ROR national's maximum per page
# Région searches run per focus resource type (issue 8): structures, offers, professionals.
FOCUS_TYPES = ("Organization", "HealthcareService", "Practitioner", "PractitionerRole")
DIRECTORY_INCLUDES: tuple[tuple[str, str], ...] = (
    ("_include", "HealthcareService:organization"),
    ("_include:iterate", "Organization:partof"),
    ("_include", "HealthcareService:location"),
    ("_revinclude", "PractitionerRole:service"),
    ("_include", "PractitionerRole:practitioner"),
)
_LOCATION = re.compile(r"/Task/([^/?#]+)(?:/_history/([^/?#]+))?")
_ETAG = re.compile(r'^(?:W/)?"?([^"]*)"?$')
_FOCUS_SEARCH_TYPES = {
    ResourceKind.STRUCTURE: ("Organization",),
    ResourceKind.OFFRE: ("HealthcareService",),
    ResourceKind.PROFESSIONNEL: ("Practitioner", "PractitionerRole"),
}


def _http_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None


def _etag_version(value: str | None) -> str | None:
    match = _ETAG.match((value or "").strip())
    return match.group(1) or None if match else None


class FhirRorNational:
    """Implements `RorNational` and `RorDirectory`. Thread-safe (one httpx client, one token source)."""

    def __init__(self, http: RorHttp) -> None:
        self.http = http
        self.anomalies_url = http.connection.anomalies_url
        self.fhir_url = http.connection.fhir_url

    # -- anomalies ---------------------------------------------------------------------------------

    def submit(self, draft: TaskDraft) -> Submitted:
        try:
            body = valid_task(draft_task(draft))
        except InvalidResource as error:
            raise RorNationalRefused(
                f"La déclaration n'a pas été envoyée : ce n'est pas une Task FHIR R4 valide ({error}).",
                status_code=422,
                reason=str(error),
            ) from None
        response = self.http.send(
            "POST", f"{self.anomalies_url}/Task", what=ANOMALIES, expect=(200, 201), body=body
        )
        return self._submitted(response)

    def get(self, task_id: str) -> RemoteTask:
        response = self.http.send("GET", self._task_url(task_id), what=ANOMALIES)
        try:
            return parse_task(json_body(response, what=ANOMALIES))
        except InvalidResource as error:
            raise unreadable(ANOMALIES, str(error)) from None

    def find_by_focus(self, kind: ResourceKind, resource_id: str) -> list[RemoteTask]:
        found: dict[str, RemoteTask] = {}
        for fhir_type in _FOCUS_SEARCH_TYPES[kind]:
            params = [(f"focus:{fhir_type}.identifier", resource_id), ("_count", str(PAGE_SIZE))]
            for page in self._pages(f"{self.anomalies_url}/Task", params, what=ANOMALIES):
                tasks, _ = tasks_of(page, region=None)
                found.update((t.task_id, t) for t in tasks)
        return list(found.values())

    def changed_since(self, since: Watermark | None, *, scope: Perimeter) -> Iterator[TaskPage]:
        searches: list[tuple[str | None, str | None]] = (
            [(None, None)]
            if scope.national
            else [(region, fhir_type) for region in sorted(scope.regions) for fhir_type in FOCUS_TYPES]
        )
        newest = since
        # Only the previous page's Tasks are remembered: a Task repeated across a page boundary (the
        # result set shifting under the offsets) is dropped here, and any other repeat is recognised by
        # its version by the caller, so memory stays flat whatever the number of Tasks pulled.
        seen: set[tuple[str, str]] = set()
        for number, (region, fhir_type) in enumerate(searches, start=1):
            params: list[tuple[str, str]] = []
            if since is not None:
                params.append(("_lastUpdated", f"ge{since.text}"))
            if region is not None:
                params.append((f"focus:{fhir_type}:_tag", f"{REGION_SYSTEM}|{region}"))
            params.append(("_count", str(PAGE_SIZE)))
            for page in self._pages(f"{self.anomalies_url}/Task", params, what=ANOMALIES):
                tasks, rejected = tasks_of(page, region=region)
                fresh = [t for t in tasks if t.version_key not in seen]
                seen = {t.version_key for t in tasks}
                newest = latest(newest, *(t.last_updated for t in tasks))
                last = number == len(searches) and page.next_link is None
                yield TaskPage(
                    tasks=fresh,
                    watermark=newest if last else since,
                    last=last,
                    region=region,
                    focus_type=fhir_type,
                    total=page.total,
                    unreadable=rejected,
                )

    def set_status(self, task_id: str, status: Status, *, version: str | None = None) -> Submitted:
        headers = {"If-Match": f'W/"{version}"'} if version else {}
        response = self.http.send(
            "PATCH",
            self._task_url(task_id),
            what=ANOMALIES,
            body=valid_parameters(status_patch(status)),
            headers=headers,
        )
        return self._submitted(response, task_id=task_id)

    # -- directory ---------------------------------------------------------------------------------

    def pull_directory(self, since: Watermark | None) -> Iterator[DirectoryPage]:
        """Structures changed since `since` (so those without offers are not missed), then offers changed
        themselves or through their structure, with their includes."""
        structures: list[tuple[str, str]] = [("_count", str(PAGE_SIZE))]
        offers: list[tuple[str, str]] = [*DIRECTORY_INCLUDES, ("_count", str(PAGE_SIZE))]
        if since is not None:
            structures.insert(0, ("_lastUpdated", f"ge{since.text}"))
            offers.insert(
                0,
                (
                    "_filter",
                    f"(_lastUpdated ge {since.text} or organization._lastUpdated:above ge {since.text})",
                ),
            )
        searches = (
            (f"{self.fhir_url}/Organization", structures),
            (f"{self.fhir_url}/HealthcareService", offers),
        )
        newest = since
        for number, (url, params) in enumerate(searches, start=1):
            for page in self._pages(url, params, what=DIRECTORY):
                newest = latest(newest, *(_last_updated(r) for r in page.matches))
                last = number == len(searches) and page.next_link is None
                yield _directory_page(page, watermark=newest if last else since, last=last)

    def fetch_structure(self, structure_id: str) -> DirectoryPage | None:
        params = [("identifier", f"{STRUCTURE_ID_SYSTEM}|{structure_id}")]
        return self._single(f"{self.fhir_url}/Organization", params)

    def fetch_offer(self, offer_id: str) -> DirectoryPage | None:
        params = [("identifier", offer_id), *DIRECTORY_INCLUDES]
        return self._single(f"{self.fhir_url}/HealthcareService", params)

    def fetch_offers_of(self, structure_id: str) -> Iterator[DirectoryPage]:
        params = [
            ("organization.identifier:above", structure_id),
            *DIRECTORY_INCLUDES,
            ("_count", str(PAGE_SIZE)),
        ]
        for page in self._pages(f"{self.fhir_url}/HealthcareService", params, what=DIRECTORY):
            yield _directory_page(page, watermark=None, last=page.next_link is None)

    # -- `ror-bot ror check` -----------------------------------------------------------------------

    def check(self) -> list[CheckResult]:
        """Token, anomaly base, directory base: one result each, in French. Stops at the token when it
        cannot be had (nothing else can work without it)."""
        tokens = self.http.tokens
        try:
            tokens.renew()
        except RorNationalError as error:
            return [
                CheckResult("jeton", False, f"Jeton d'accès : échec — {error.message}"),
                CheckResult("anomalies", False, "Base des anomalies : non vérifiée (pas de jeton d'accès)."),
                CheckResult("annuaire", False, "Annuaire : non vérifié (pas de jeton d'accès)."),
            ]
        how = "certificat client (mTLS)" if self.http.connection.uses_certificate else "secret client"
        lifetime = f", valable {tokens.expires_in:g} s" if tokens.expires_in is not None else ""
        results = [
            CheckResult(
                "jeton",
                True,
                f"Jeton d'accès : obtenu auprès de {host_of(tokens.token_url)} "
                f"(client « {tokens.client_id} », {how}{lifetime}).",
            )
        ]
        results.append(
            self._probe(
                "anomalies", "Base des anomalies", f"{self.anomalies_url}/Task", ANOMALIES, "anomalie"
            )
        )
        results.append(
            self._probe("annuaire", "Annuaire", f"{self.fhir_url}/Organization", DIRECTORY, "structure")
        )
        return results

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> "FhirRorNational":
        return self

    def __exit__(self, *args: object) -> None:
        self.close()

    # -- helpers -----------------------------------------------------------------------------------

    def _probe(self, name: str, label: str, url: str, what: str, noun: str) -> CheckResult:
        try:
            response = self.http.send("GET", url, what=what, params=[("_count", "1")])
            page = parse_searchset(json_body(response, what=what))
        except RorNationalError as error:
            return CheckResult(name, False, f"{label} : échec — {error.message}")
        except InvalidResource as error:
            return CheckResult(name, False, f"{label} : échec — réponse illisible ({error}).")
        count = f", {page.total} {noun}{'s' if page.total > 1 else ''}" if page.total is not None else ""
        return CheckResult(name, True, f"{label} : joignable à {host_of(url)}{count}.")

    def _task_url(self, task_id: str) -> str:
        return f"{self.anomalies_url}/Task/{quote(task_id, safe='')}"

    def _pages(self, url: str, params: Sequence[tuple[str, str]], *, what: str) -> Iterator[SearchPage]:
        """The search's pages, following `next` links; a failure on any page is a failure of the pull
        (what was already yielded stays yielded)."""
        next_url: str | None = url
        next_params: Sequence[tuple[str, str]] | None = params
        visited: set[str] = set()
        while next_url is not None:
            response = self.http.send("GET", next_url, what=what, params=next_params)
            try:
                page = parse_searchset(json_body(response, what=what))
            except InvalidResource as error:
                raise unreadable(what, str(error)) from None
            yield page
            if page.next_link is None:
                return
            next_url, next_params = self.http.same_origin(page.next_link, url), None
            if next_url in visited:
                raise unreadable(what, "lien « next » qui boucle")
            visited.add(next_url)

    def _single(self, url: str, params: Sequence[tuple[str, str]]) -> DirectoryPage | None:
        response = self.http.send("GET", url, what=DIRECTORY, params=params)
        try:
            page = parse_searchset(json_body(response, what=DIRECTORY))
        except InvalidResource as error:
            raise unreadable(DIRECTORY, str(error)) from None
        if not page.matches:
            return None
        return _directory_page(page, watermark=None, last=True)

    def _submitted(self, response: httpx.Response, *, task_id: str | None = None) -> Submitted:
        """Technical id and version from Location (creation) or ETag; the identifier and the rest from the
        Task in the answer when there is one. The Task exists once the ROR said 2xx: an odd body must
        not make the caller send it again."""
        location = response.headers.get("Location") or response.headers.get("Content-Location") or ""
        match = _LOCATION.search(location)
        version = (match.group(2) if match else None) or _etag_version(response.headers.get("ETag"))
        task: RemoteTask | None = None
        if response.content.strip():
            try:
                body = response.json()
                task = parse_task(body) if isinstance(body, dict) else None
            except (ValueError, InvalidResource):
                task = None
        found_id = (match.group(1) if match else None) or (task.task_id if task else None) or task_id
        if found_id is None:
            raise RorNationalUnavailable(
                "Le ROR national a accepté la déclaration sans dire où elle est (ni Location ni Task) : "
                "elle sera recherchée avant tout nouvel envoi."
            )
        identifier: RemoteIdentifier | None = task.identifier if task else None
        last_modified = _http_date(response.headers.get("Last-Modified")) or (
            task.last_updated.at if task and task.last_updated else None
        )
        return Submitted(
            task_id=found_id,
            version=version or (task.version if task else None),
            identifier=identifier,
            last_modified=last_modified,
            task=task,
        )


def _last_updated(resource: dict[str, Any]) -> Watermark | None:
    meta = resource.get("meta")
    value = meta.get("lastUpdated") if isinstance(meta, dict) else None
    if not isinstance(value, str):
        return None
    try:
        return Watermark(value)
    except ValueError:
        return None


def _directory_page(page: SearchPage, *, watermark: Watermark | None, last: bool) -> DirectoryPage:
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": r} for r, _ in page.resources],
    }
    return DirectoryPage(
        bundle=json.dumps(bundle, ensure_ascii=False),
        entries=len(page.matches),
        watermark=watermark,
        last=last,
    )


def connect(
    connection: RorConnection,
    *,
    transport: httpx.BaseTransport | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> FhirRorNational:
    """The client of one ROR national; close it (or use it as a context manager) when done. `clock`
    (monotonic seconds) decides when a cached token is renewed."""
    return FhirRorNational(RorHttp(connection, transport=transport, clock=clock))


def _implements_the_ports(client: FhirRorNational) -> tuple[RorNational, RorDirectory]:
    """Never called: mypy checks here that the client satisfies both domain ports."""
    return client, client
