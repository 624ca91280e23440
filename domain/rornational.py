"""What the ROR national (its FHIR API) and the domain say to each other, in domain terms.

The port is `domain.ports.RorNational` (anomalies) and `domain.ports.RorDirectory` (structures and
offers); the adapter lives in `rornational/`. Failures of the ROR national are the exceptions of
`domain.errors` (`RorNationalUnavailable`, `RorNationalRefused`, `RorNationalAuthenticationRefused`),
never a transport error.

- `TaskDraft`: what we POST for one data item of a new declaration (businessStatus 01 « Créée »).
- `Submitted`: what the ROR answered to a POST or a PATCH (technical id, version, its identifier).
- `RemoteTask`: a Task read back (GET, search, sync), whatever system declared it.
- `Watermark`: a server instant (`meta.lastUpdated`) kept exactly as the server wrote it.
- `TaskPage` / `DirectoryPage`: one page of an incremental pull."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache

from domain.catalogue import Action, DataItem, ResourceKind, Thematique, data_items_of
from domain.statuses import Status

# Label under which a Task whose pathElementError matches no catalogue item is shown (issue 8).
OTHER_DATA_ITEM = "Autre donnée"

_FOCUS_KINDS = {
    "Organization": ResourceKind.STRUCTURE,
    "HealthcareService": ResourceKind.OFFRE,
    "Practitioner": ResourceKind.PROFESSIONNEL,
    "PractitionerRole": ResourceKind.PROFESSIONNEL,
}
_FRACTION = re.compile(r"\.(\d+)")


def kind_of_focus(fhir_type: str | None) -> ResourceKind | None:
    """The resource kind a Task's `focus.type` names (None: a type this product does not know)."""
    return _FOCUS_KINDS.get(fhir_type or "")


def parse_fhir_moment(value: str) -> datetime:
    """A FHIR instant, dateTime or date as an aware UTC datetime (a date: midnight UTC; a time without
    offset: UTC). ValueError when it is none of these."""
    text = value.strip()
    if len(text) == 10:
        day = date.fromisoformat(text)
        return datetime(day.year, day.month, day.day, tzinfo=UTC)
    if len(text) in (4, 7):  # FHIR dateTime may be a year or a year-month
        year, _, month = text.partition("-")
        return datetime(int(year), int(month or 1), 1, tzinfo=UTC)
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


@dataclass(frozen=True, slots=True, order=False)
class Watermark:
    """A server instant as the server wrote it (its precision and offset are kept, so a pull sends back
    exactly what it read); ordered by the moment it names."""

    text: str

    def __post_init__(self) -> None:
        parse_fhir_moment(self.text)  # refuse what is not an instant now, not at the next pull

    @property
    def at(self) -> datetime:
        return parse_fhir_moment(self.text)

    @classmethod
    def of(cls, moment: datetime) -> Watermark:
        """A watermark at a moment of ours (microseconds kept, UTC, `Z`)."""
        return cls(moment.astimezone(UTC).isoformat().replace("+00:00", "Z"))

    def earlier_by(self, overlap: timedelta) -> Watermark:
        """The mark moved back by `overlap`, written with at least the precision of this one, so a pull
        re-reads what changed in the same second (duplicates are dropped by Task id + version)."""
        moment = self.at - overlap
        fine = bool(_FRACTION.search(self.text)) or moment.microsecond
        written = moment.isoformat(timespec="microseconds" if fine else "seconds")
        return Watermark(written.replace("+00:00", "Z"))

    def __lt__(self, other: Watermark) -> bool:
        return self.at < other.at

    def __le__(self, other: Watermark) -> bool:
        return self.at <= other.at

    def __gt__(self, other: Watermark) -> bool:
        return self.at > other.at

    def __ge__(self, other: Watermark) -> bool:
        return self.at >= other.at


def latest(*marks: Watermark | None) -> Watermark | None:
    present = [m for m in marks if m is not None]
    return max(present, key=lambda m: m.at) if present else None


@dataclass(frozen=True, slots=True)
class RemoteIdentifier:
    """A FHIR Identifier kept as the ROR wrote it (system may be absent)."""

    value: str
    system: str | None = None


@dataclass(frozen=True, slots=True)
class TaskDraft:
    """One anomaly of a new declaration, as the ROR national must receive it (one POST per data item).

    `focus_system`: the identifier system of the resource in anomaly; for a structure the ID National
    Structure's (`urn:oid:1.2.250.1.71.4.2.2`) when None; for an offer or a professional, the system the
    directory resource itself carries, None (omitted) when unknown."""

    kind: ResourceKind
    resource_id: str
    data_item: str
    fhir_path: str
    present_value: str
    description: str
    thematique: Thematique
    action: Action
    declaring_system: str
    declarant_id: str
    authored_on: datetime
    proposed_value: str | None = None
    rule: str | None = None
    focus_system: str | None = None

    @classmethod
    def for_item(
        cls,
        item: DataItem,
        *,
        resource_id: str,
        present_value: str,
        description: str,
        declaring_system: str,
        declarant_id: str,
        authored_on: datetime,
        proposed_value: str | None = None,
        focus_system: str | None = None,
    ) -> TaskDraft:
        return cls(
            kind=item.kind,
            resource_id=resource_id,
            data_item=item.label,
            fhir_path=item.fhir_path,
            present_value=present_value,
            description=description,
            thematique=item.thematique,
            action=item.action,
            declaring_system=declaring_system,
            declarant_id=declarant_id,
            authored_on=authored_on,
            proposed_value=proposed_value,
            focus_system=focus_system,
        )


@dataclass(frozen=True, slots=True)
class Submitted:
    """The ROR national's answer to a POST (creation) or a PATCH (status change).

    `reference` is what users read: the Task's functional identifier, else its technical id."""

    task_id: str
    version: str | None
    identifier: RemoteIdentifier | None
    last_modified: datetime | None
    task: RemoteTask | None = None

    @property
    def reference(self) -> str:
        return self.identifier.value if self.identifier is not None else self.task_id


@dataclass(frozen=True, slots=True)
class RemoteTask:
    """A RORTask read back from the ROR national. Anything the Task does not carry is None / empty.

    `business_status` is the TRE_R352 code as written (`status` is it as a `Status` when known);
    `region` is the Task's TRE_R30 tag, else the région whose search returned it."""

    task_id: str
    version: str | None
    identifier: RemoteIdentifier | None
    business_status: str | None
    focus_type: str | None
    focus_value: str | None
    focus_system: str | None = None
    region: str | None = None
    description: str = ""
    thematique_code: str | None = None
    action_code: str | None = None
    path_element_error: str | None = None
    error_values: tuple[str, ...] = ()
    proposed_values: tuple[str, ...] = ()
    new_values: tuple[str, ...] = ()
    rule: str | None = None
    system_requester: str | None = None
    identifier_requester: RemoteIdentifier | None = None
    authored_on: datetime | None = None
    last_modified: datetime | None = None
    last_updated: Watermark | None = None
    fhir_status: str | None = None

    @property
    def reference(self) -> str:
        return self.identifier.value if self.identifier is not None else self.task_id

    @property
    def status(self) -> Status | None:
        try:
            return Status(self.business_status or "")
        except ValueError:
            return None

    @property
    def kind(self) -> ResourceKind | None:
        return kind_of_focus(self.focus_type)

    @property
    def thematique(self) -> Thematique | None:
        try:
            return Thematique(self.thematique_code or "")
        except ValueError:
            return None

    @property
    def action(self) -> Action | None:
        try:
            return Action(self.action_code or "")
        except ValueError:
            return None

    @property
    def error_value(self) -> str:
        return "\n".join(self.error_values)

    @property
    def proposed_value(self) -> str | None:
        return "\n".join(self.proposed_values) or None

    @property
    def data_item(self) -> DataItem | None:
        """The catalogue item whose FHIRPath the Task names, None when none matches (shown as
        « Autre donnée » with the path)."""
        kind = self.kind
        if kind is None or not self.path_element_error:
            return None
        return _items_by_path(kind).get(_squeeze(self.path_element_error))

    @property
    def data_item_label(self) -> str:
        item = self.data_item
        return item.label if item is not None else OTHER_DATA_ITEM

    @property
    def version_key(self) -> tuple[str, str]:
        """What de-duplicates a Task seen twice by overlapping pulls."""
        return (self.task_id, self.version or (self.last_updated.text if self.last_updated else ""))


@cache
def _items_by_path(kind: ResourceKind) -> dict[str, DataItem]:
    """The catalogue's items of `kind` by squeezed FHIRPath (read for every Task synced)."""
    found: dict[str, DataItem] = {}
    for item in data_items_of(kind):
        found.setdefault(_squeeze(item.fhir_path), item)  # the first, as a scan in catalogue order would
    return found


def _squeeze(path: str) -> str:
    """A FHIRPath compared without spaces or quote style."""
    return "".join(path.split()).replace('"', "'")


@dataclass(frozen=True, slots=True)
class UnreadableTask:
    """A Task of a page that is not a valid FHIR Task: reported, never silently dropped."""

    task_id: str | None
    reason: str


@dataclass(frozen=True, slots=True)
class TaskPage:
    """One page of an incremental pull of Tasks.

    Store `tasks` first, then move the stored watermark to `watermark`: it only ever names a moment
    every Task before which has been handed out by this pull (pages are not ordered by the server, so
    it stays at the pull's start until the last page, which carries the latest `meta.lastUpdated` seen)."""

    tasks: list[RemoteTask]
    watermark: Watermark | None
    last: bool
    region: str | None = None
    focus_type: str | None = None
    total: int | None = None
    unreadable: list[UnreadableTask] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class DirectoryPage:
    """One page of directory resources: the JSON text of a FHIR Bundle that
    `domain.fhir.directory_import.parse_directory` reads. Watermark as in `TaskPage`."""

    bundle: str
    entries: int
    watermark: Watermark | None
    last: bool


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One line of `ror-bot ror check`: what was checked, whether it worked, in French."""

    name: str
    ok: bool
    message: str
