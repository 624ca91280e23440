"""The stand-in's anomaly base: RORTask storage with versions and `meta.lastUpdated`, minimal RORTask
validation of what is POSTed, the documented searches, FHIRPath-Patch of `Task.businessStatus`."""

import copy
import itertools
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from fhir.resources.R4B.parameters import Parameters
from fhir.resources.R4B.task import Task
from pydantic import ValidationError

Json = dict[str, Any]

TASK_PROFILE = "https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition/ror-task"
NOS = "https://mos.esante.gouv.fr/NOS/"
STATUS_SYSTEM = NOS + "TRE_R352-StatutMetierAnomalie/FHIR/TRE-R352-StatutMetierAnomalie"
THEMATIQUE_SYSTEM = NOS + "TRE_R350-ThematiqueAnomalie/FHIR/TRE-R350-ThematiqueAnomalie"
ACTION_SYSTEM = NOS + "TRE_R349-ActionAnomalie/FHIR/TRE-R349-ActionAnomalie"
REGION_SYSTEM = NOS + "TRE_R30-RegionOM/FHIR/TRE-R30-RegionOM"
INPUT_SYSTEM = "https://interop.esante.gouv.fr/ig/fhir/ror/CodeSystem/input-task-ror-codesystem"
# The stand-in's own system for the functional identifier it assigns (the real one is the ROR's).
IDENTIFIER_SYSTEM = "urn:ror-standin:anomalie"
FOCUS_TYPES = ("Organization", "HealthcareService", "Practitioner", "PractitionerRole")

STATUS_LABELS = {
    "01": "Créé",
    "02": "À traiter",
    "03": "Annulé",
    "04": "Bloqué (destinataire manquant)",
    "05": "Envoyé au destinataire",
    "06": "Toléré temporairement",
    "07": "Toléré définitivement",
    "08": "Corrigé",
    "09": "Refusé",
    "10": "À vérifier",
    "11": "Bloqué (destinataire erroné)",
}
_FHIR_STATUS = {
    "01": "requested",
    "03": "cancelled",
    "04": "on-hold",
    "11": "on-hold",
    "07": "completed",
    "08": "completed",
    "09": "rejected",
}
_PREFIX = re.compile(r"^(eq|ne|gt|lt|ge|le|sa|eb|ap)?(.+)$")


class Invalid(Exception):
    """An OperationOutcome answer: HTTP status and French diagnostics."""

    def __init__(self, status: int, diagnostics: str, code: str = "invalid") -> None:
        super().__init__(diagnostics)
        self.status = status
        self.diagnostics = diagnostics
        self.code = code


def instant(moment: datetime) -> str:
    """Milliseconds and an offset, as HAPI-style servers write `meta.lastUpdated`."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def parse_moment(value: str) -> datetime:
    text = value.strip()
    if len(text) == 10:
        return datetime.fromisoformat(text).replace(tzinfo=UTC)
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def concept(system: str, code: str, display: str | None = None) -> Json:
    coding: Json = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return {"coding": [coding]}


def _code(value: object, system: str) -> str | None:
    if not isinstance(value, dict):
        return None
    for coding in value.get("coding") or []:
        if isinstance(coding, dict) and coding.get("system") == system:
            return str(coding.get("code") or "") or None
    return None


def _pydantic_summary(error: ValidationError) -> str:
    return " ; ".join(f"{'.'.join(str(p) for p in e['loc'])} : {e['msg']}" for e in error.errors()[:3])


def validate_new_task(body: object) -> Json:
    """A minimal RORTask check of a POSTed body (400 not a Task, 422 not a RORTask)."""
    if not isinstance(body, dict) or body.get("resourceType") != "Task":
        raise Invalid(400, "Le corps de la requête doit être une ressource Task (resourceType).", "structure")
    try:
        Task.model_validate(body)
    except ValidationError as error:
        raise Invalid(400, f"Task FHIR R4 invalide : {_pydantic_summary(error)}", "structure") from None
    profiles = (body.get("meta") or {}).get("profile") or []
    if TASK_PROFILE not in profiles:
        raise Invalid(422, f"Le profil {TASK_PROFILE} est requis dans meta.profile.", "processing")
    if _code(body.get("businessStatus"), STATUS_SYSTEM) not in STATUS_LABELS:
        raise Invalid(422, "Task.businessStatus doit être un code de la TRE_R352.", "code-invalid")
    if body.get("intent") != "order":
        raise Invalid(422, "Task.intent doit valoir « order ».", "value")
    if _code(body.get("code"), THEMATIQUE_SYSTEM) is None:
        raise Invalid(422, "Task.code doit être une thématique de la TRE_R350.", "code-invalid")
    if _code(body.get("reasonCode"), ACTION_SYSTEM) is None:
        raise Invalid(422, "Task.reasonCode doit être une action de la TRE_R349.", "code-invalid")
    focus = body.get("focus") or {}
    if focus.get("type") not in FOCUS_TYPES or not (focus.get("identifier") or {}).get("value"):
        raise Invalid(
            422,
            "Task.focus doit indiquer le type (Organization, HealthcareService, Practitioner) et "
            "l'identifiant de la ressource en anomalie.",
            "required",
        )
    if not body.get("authoredOn"):
        raise Invalid(422, "Task.authoredOn est obligatoire.", "required")
    inputs = {_input_code(i): i for i in body.get("input") or []}
    if not (inputs.get("systemRequester") or {}).get("valueString"):
        raise Invalid(422, "L'entrée systemRequester (système déclarant) est obligatoire.", "required")
    path = inputs.get("pathElementError")
    if path is not None and (path.get("valueExpression") or {}).get("language") != "text/fhirpath":
        raise Invalid(422, "pathElementError doit être une expression de langage text/fhirpath.", "value")
    return body


def _input_code(item: object) -> str:
    if not isinstance(item, dict):
        return ""
    codings = (item.get("type") or {}).get("coding") or [{}]
    return str(codings[0].get("code") or "")


def patched_status(body: object) -> str:
    """The TRE_R352 code a FHIRPath-Patch `Parameters` sets on `Task.businessStatus` (only that is allowed:
    PATCH is limited to first-level elements, and this stand-in to the business status)."""
    if not isinstance(body, dict) or body.get("resourceType") != "Parameters":
        raise Invalid(400, "Le corps d'un PATCH doit être un Parameters FHIRPath Patch.", "structure")
    try:
        parameters = Parameters.model_validate(body)
    except ValidationError as error:
        raise Invalid(400, f"Parameters invalide : {_pydantic_summary(error)}", "structure") from None
    operations = parameters.parameter or []
    if len(operations) != 1 or operations[0].name != "operation":
        raise Invalid(422, "Une seule opération FHIRPath Patch est attendue.", "not-supported")
    parts = {p.name: p for p in operations[0].part or []}
    kind, path, value = parts.get("type"), parts.get("path"), parts.get("value")
    if kind is None or kind.valueString != "replace":
        raise Invalid(422, "Seule l'opération « replace » est prise en charge.", "not-supported")
    if path is None or path.valueString != "Task.businessStatus":
        raise Invalid(422, "Seul Task.businessStatus peut être modifié.", "not-supported")
    concept_ = value.valueCodeableConcept if value is not None else None
    codes = [c.code for c in (concept_.coding or []) if c.system == STATUS_SYSTEM] if concept_ else []
    if not codes or codes[0] not in STATUS_LABELS:
        raise Invalid(422, "La valeur doit être un statut métier de la TRE_R352.", "code-invalid")
    return str(codes[0])


@dataclass
class StoredTask:
    task_id: str
    version: int
    body: Json
    region: str | None
    updated: datetime

    @property
    def focus_type(self) -> str:
        return str((self.body.get("focus") or {}).get("type") or "")

    @property
    def focus_identifier(self) -> tuple[str | None, str]:
        identifier = (self.body.get("focus") or {}).get("identifier") or {}
        return identifier.get("system"), str(identifier.get("value") or "")


@dataclass
class TaskBase:
    """Thread-safe store; `region_of(focus type, identifier value)` asks the directory (None: unknown)."""

    region_of: Callable[[str, str], str | None]
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    assign_identifiers: bool = True
    tasks: dict[str, StoredTask] = field(default_factory=dict)
    _lock: threading.RLock = field(default_factory=threading.RLock)
    _ids: "itertools.count[int]" = field(default_factory=lambda: itertools.count(1001))
    _last: datetime | None = None

    def _now(self) -> datetime:
        """Strictly increasing (at the millisecond) so versions are ordered even in one tick."""
        now = self.clock().astimezone(UTC)
        now = now.replace(microsecond=now.microsecond // 1000 * 1000)
        if self._last is not None and now <= self._last:
            now = self._last + timedelta(milliseconds=1)
        self._last = now
        return now

    def create(self, body: Json, *, region: str | None = None) -> StoredTask:
        with self._lock:
            task_id = str(next(self._ids))
            stored = copy.deepcopy(body)
            stored.pop("id", None)
            if self.assign_identifiers:
                stored["identifier"] = [
                    {"system": IDENTIFIER_SYSTEM, "value": f"ANO_{300000000000 + int(task_id)}"}
                ]
            else:
                stored.pop("identifier", None)
            focus_type = str((stored.get("focus") or {}).get("type") or "")
            value = str(((stored.get("focus") or {}).get("identifier") or {}).get("value") or "")
            found_region = region or _tag_region(stored) or self.region_of(focus_type, value)
            if found_region:
                meta = stored.setdefault("meta", {})
                tags = [t for t in meta.get("tag") or [] if t.get("system") != REGION_SYSTEM]
                meta["tag"] = [*tags, {"system": REGION_SYSTEM, "code": found_region}]
            task = StoredTask(task_id, 0, stored, found_region, self._now())
            self._bump(task, task.updated)
            self.tasks[task_id] = task
            return task

    def _bump(self, task: StoredTask, now: datetime) -> None:
        task.version += 1
        task.updated = now
        meta = task.body.setdefault("meta", {})
        meta["versionId"] = str(task.version)
        meta["lastUpdated"] = instant(now)
        task.body["id"] = task.task_id

    def set_status(self, task_id: str, code: str, *, if_match: str | None = None) -> StoredTask:
        with self._lock:
            task = self.get(task_id)
            if if_match is not None and if_match != str(task.version):
                raise Invalid(
                    412,
                    f"La Task {task_id} est à la version {task.version}, pas {if_match} (If-Match).",
                    "conflict",
                )
            now = self._now()
            task.body["businessStatus"] = concept(STATUS_SYSTEM, code, STATUS_LABELS[code])
            task.body["status"] = _FHIR_STATUS.get(code, "in-progress")
            task.body["lastModified"] = now.isoformat(timespec="seconds").replace("+00:00", "Z")
            self._bump(task, now)
            return task

    def get(self, task_id: str) -> StoredTask:
        with self._lock:
            task = self.tasks.get(task_id)
            if task is None:
                raise Invalid(404, f"Aucune Task d'identifiant {task_id}.", "not-found")
            return task

    def search(self, criteria: list[tuple[str, str]]) -> list[Json]:
        """Bodies (copies, frozen at search time) matching every criterion, in creation order."""
        with self._lock:
            return [
                copy.deepcopy(t.body)
                for t in self.tasks.values()
                if all(_matches(t, k, v) for k, v in criteria)
            ]


def _tag_region(body: Json) -> str | None:
    for tag in (body.get("meta") or {}).get("tag") or []:
        if isinstance(tag, dict) and tag.get("system") == REGION_SYSTEM and tag.get("code"):
            return str(tag["code"])
    return None


def compare_moment(moment: datetime, expression: str) -> bool:
    match = _PREFIX.match(expression)
    if match is None:
        raise Invalid(400, f"Valeur de date invalide : {expression}", "value")
    prefix, value = match.group(1) or "eq", match.group(2)
    try:
        bound = parse_moment(value)
    except ValueError:
        raise Invalid(400, f"Valeur de date invalide : {expression}", "value") from None
    return {
        "eq": moment == bound,
        "ne": moment != bound,
        "gt": moment > bound,
        "sa": moment > bound,
        "ge": moment >= bound,
        "lt": moment < bound,
        "eb": moment < bound,
        "le": moment <= bound,
        "ap": moment == bound,
    }[prefix]


_FOCUS_TAG = re.compile(r"^focus:(\w+):_tag$")
_FOCUS_IDENTIFIER = re.compile(r"^focus:(\w+)\.identifier$")


def is_task_criterion(key: str) -> bool:
    return (
        key in ("_lastUpdated", "_id", "identifier", "business-status", "authored-on")
        or bool(_FOCUS_TAG.match(key))
        or bool(_FOCUS_IDENTIFIER.match(key))
    )


def _matches(task: StoredTask, key: str, value: str) -> bool:
    if key == "_lastUpdated":
        return compare_moment(task.updated, value)
    if key == "_id":
        return task.task_id in value.split(",")
    if key == "identifier":
        wanted = value.split("|")[-1]
        return any(i.get("value") == wanted for i in task.body.get("identifier") or [])
    if key == "business-status":
        return _code(task.body.get("businessStatus"), STATUS_SYSTEM) in [
            v.split("|")[-1] for v in value.split(",")
        ]
    if key == "authored-on":
        return compare_moment(parse_moment(str(task.body.get("authoredOn"))), value)
    tag = _FOCUS_TAG.match(key)
    if tag:
        system, _, code = value.rpartition("|")
        return task.focus_type == tag.group(1) and system in ("", REGION_SYSTEM) and task.region == code
    identifier = _FOCUS_IDENTIFIER.match(key)
    if identifier:
        system, _, code = value.rpartition("|")
        own_system, own_value = task.focus_identifier
        return (
            task.focus_type == identifier.group(1)
            and own_value == code
            and (not system or system == own_system)
        )
    return False
