"""`ror-bot ror sync` and the scheduler's sync job: following the ROR national, the system of record for
anomalies in connected mode (issue 8, item 5).

What is pulled: the Tasks changed since the last watermark, for the perimeters of the habilitation groups —
everything once when a group is national, else one pull per région any group holds (région `_tag` searches
per focus type, in the adapter). One watermark per perimeter pulled, kept exactly as the server wrote it
(a région gaining its first group starts from the beginning without re-reading the others); each pull
starts `OVERLAP` before it, and what it re-reads is recognised by Task id + version.

What each Task becomes, one page per transaction:
- a Task we hold (same technical id): its new businessStatus, whatever it is, is a local transition with a
  history entry « par le ROR national » (the ROR national is the system of record: the local transition
  table does not apply) and a StatusChanged event, so the declarant's DM goes through the outbox as for any
  other move; its version and reference are kept up to date;
- a Task we declared ourselves whose POST answer our sender has not recorded yet (no technical id locally)
  is recognised by focus + authoredOn + systemRequester + description and adopted, never imported twice;
- any other Task (the ROR web form, other éditeurs) is imported as a local anomaly with its own Système
  déclarant, its place taken from our directory when it knows the resource, else from the Task's tag.
A Task that cannot be represented (unknown focus type, unknown status, text no column can hold) is
reported as unreadable, never silently dropped.

Safety: the watermark moves only in the transaction that stores the last page of a pull (a crash or an
outage part-way leaves it, and the next pull re-reads those Tasks, recognised by version); imports rely on
the store's uniqueness of the Task id (two instances syncing at once: the second import of a Task inserts
nothing and is treated as a Task we hold), and Tasks we hold are read with a row lock before they move."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from domain.anomaly import Anomaly, HistoryEntry, RorState
from domain.catalogue import Action, ResourceKind, Thematique
from domain.directory import Resource
from domain.errors import InvalidText, RorNationalError, RorSyncInterrupted
from domain.habilitation import Actor, Group, Perimeter
from domain.ports import Clock, RorNational, UnitOfWork
from domain.rornational import OTHER_DATA_ITEM, RemoteTask, TaskPage, UnreadableTask, Watermark
from domain.statuses import Status
from domain.text import check_text

OVERLAP = timedelta(seconds=5)
# Stored column sizes an imported Task's texts must fit (storage.models.anomalies).
MAX_SYSTEM = 200
MAX_NAME = 500
MAX_RESOURCE_ID = 40
MAX_DATA_ITEM = 100
MAX_FHIR_PATH = 2_000
MAX_VALUE = 10_000
# Declarant ids are UUIDs (36 characters): a Task declared elsewhere names its declarant by identifierRequester.
MAX_DECLARANT_ID = 36
ROR_NATIONAL = Actor.ror_national()


@dataclass(slots=True)
class RorSyncReport:
    """What a sync did, over every perimeter pulled."""

    scopes: tuple[Perimeter, ...] = ()
    pages: int = 0
    read: int = 0  # Tasks handed out by the ROR national (after its own de-duplication)
    new: int = 0  # imported (declared elsewhere)
    adopted: int = 0  # our own declarations whose Task id was not recorded yet
    updated: int = 0  # anomalies whose status changed
    unchanged: int = 0  # seen again (overlap, another perimeter, another instance) or nothing to change
    unreadable: list[UnreadableTask] = field(default_factory=list)
    watermarks: dict[str, Watermark | None] = field(default_factory=dict)


def sync_scopes(groups: Iterable[Group]) -> list[Perimeter]:
    """The perimeters to pull: everything once when a group is national, else each région some group
    holds (one watermark each, so a new group's région does not re-read the others)."""
    perimeters = [g.perimeter for g in groups]
    if any(p.national for p in perimeters):
        return [Perimeter.everywhere()]
    regions = sorted({code for p in perimeters for code in p.regions})
    return [Perimeter.of_regions([code]) for code in regions]


def scope_origin(origin: str, scope: Perimeter) -> str:
    """The key of a perimeter's watermark, beside the directory's (same table, other origins)."""
    return f"{origin}#Task?{'national' if scope.national else 'region=' + str(scope)}"


def sync_from_ror_national(
    *,
    source: RorNational,
    origin: str,
    uow: UnitOfWork,
    clock: Clock,
    scopes: Sequence[Perimeter] | None = None,
) -> RorSyncReport:
    """Pull what changed in the ROR national at `origin` (its anomaly base) for `scopes` (by default, the
    perimeters of the habilitation groups). RorSyncInterrupted (carrying what was stored) when the ROR
    national fails part-way; the watermark of the pull it cut short is then left where it was."""
    if scopes is None:
        with uow:
            scopes = sync_scopes(uow.groups.list())
    report = RorSyncReport(scopes=tuple(scopes))
    for scope in scopes:
        key = scope_origin(origin, scope)
        with uow:
            previous = uow.directory.watermark(key)
        since = previous.earlier_by(OVERLAP) if previous is not None else None
        report.watermarks[key] = previous
        try:
            for page in source.changed_since(since, scope=scope):
                moved = store_page(page, uow=uow, clock=clock, report=report, origin=key, previous=previous)
                if moved is not None:
                    report.watermarks[key] = moved
        except RorNationalError as error:
            raise RorSyncInterrupted(
                error, report.pages, report.new + report.adopted + report.updated
            ) from error
    return report


def store_page(
    page: TaskPage,
    *,
    uow: UnitOfWork,
    clock: Clock,
    report: RorSyncReport,
    origin: str,
    previous: Watermark | None,
) -> Watermark | None:
    """One page in one transaction, the watermark moved in it when it is the pull's last page (returned
    then). A Task seen again (the overlap, another perimeter's pull, another instance) is recognised by
    its stored version; nothing is remembered from page to page, so memory stays flat however many
    Tasks a pull brings."""
    report.pages += 1
    report.read += len(page.tasks)
    report.unreadable.extend(page.unreadable)
    tasks: list[tuple[RemoteTask, Status]] = []
    in_page: set[str] = set()
    for task in page.tasks:
        if task.task_id in in_page:  # twice in one page: the first is stored, the second is not news
            report.unchanged += 1
            continue
        in_page.add(task.task_id)
        status = task.status
        if status is None:
            report.unreadable.append(
                UnreadableTask(task.task_id, f"statut métier inconnu « {task.business_status or ''} »")
            )
            continue
        tasks.append((task, status))
    now = clock.now()
    with uow:
        known = uow.anomalies.by_task_ids([t.task_id for t, _ in tasks], for_update=True)
        unknown = [(t, s) for t, s in tasks if t.task_id not in known]
        waiting = _awaiting(unknown, uow=uow)
        fresh: list[tuple[RemoteTask, Status, Anomaly]] = []
        references = iter(
            uow.anomalies.allocate_references(sum(1 for t, _ in unknown if id(t) not in waiting))
        )
        places = _places([t for t, _ in unknown if id(t) not in waiting], uow=uow)
        for task, status in tasks:
            anomaly = known.get(task.task_id) or waiting.get(id(task))
            if anomaly is not None:
                adopted = anomaly.ror_task_id is None
                _follow(anomaly, task, status, now=now, uow=uow, report=report)
                report.adopted += adopted
                continue
            resource = places.get((task.kind, task.focus_value)) if task.kind else None
            built = _imported(task, status, reference=next(references), resource=resource, now=now)
            if isinstance(built, UnreadableTask):
                report.unreadable.append(built)
            else:
                fresh.append((task, status, built))
        stored = {a.ror_task_id for a in uow.anomalies.add_imported([a for _, _, a in fresh])}
        report.new += len(stored)
        # Imported meanwhile by another instance: what it stored is followed like any Task we hold.
        raced = [(t, s) for t, s, a in fresh if a.ror_task_id not in stored]
        if raced:
            again = uow.anomalies.by_task_ids([t.task_id for t, _ in raced], for_update=True)
            for task, status in raced:
                _follow(again[task.task_id], task, status, now=now, uow=uow, report=report)
        moved: Watermark | None = None
        mark = page.watermark
        if page.last and mark is not None and (previous is None or mark > previous):
            uow.directory.move_watermark(origin, mark, at=now)
            moved = mark
        uow.commit()
    return moved


def _awaiting(unknown: Sequence[tuple[RemoteTask, Status]], *, uow: UnitOfWork) -> dict[int, Anomaly]:
    """Our own declarations waiting to be sent (no Task id recorded yet) that Tasks of the page are: same focus, authoredOn
    (to the second), systemRequester and description. Keyed by the Task object's id."""
    if not unknown:
        return {}
    candidates = uow.anomalies.awaiting_task(sorted({t.focus_value or "" for t, _ in unknown}))
    found: dict[int, Anomaly] = {}
    taken: set[str] = set()
    for task, _ in unknown:
        for anomaly in candidates:
            if anomaly.reference not in taken and _same_declaration(anomaly, task):
                found[id(task)] = anomaly
                taken.add(anomaly.reference)
                break
    return found


def _same_declaration(anomaly: Anomaly, task: RemoteTask) -> bool:
    if task.authored_on is None:
        return False
    return (
        anomaly.kind is task.kind
        and anomaly.resource_id == task.focus_value
        and anomaly.created_at.replace(microsecond=0) == task.authored_on.replace(microsecond=0)
        and anomaly.declaring_system == (task.system_requester or "")
        and anomaly.description.strip() == task.description.strip()
        and (
            task.path_element_error is None
            or _squeezed(task.path_element_error) == _squeezed(anomaly.fhir_path)
        )
    )


def _squeezed(path: str) -> str:
    return "".join(path.split())


def _follow(
    anomaly: Anomaly,
    task: RemoteTask,
    status: Status,
    *,
    now: datetime,
    uow: UnitOfWork,
    report: RorSyncReport,
) -> None:
    """A Task we hold, as the ROR national now has it: its status (any), its version and reference."""
    if (
        anomaly.ror_task_id == task.task_id
        and anomaly.ror_version == task.version
        and anomaly.status is status
    ):
        report.unchanged += 1
        return
    anomaly.ror_task_id = task.task_id
    anomaly.ror_version = task.version
    anomaly.ror_state = RorState.SENT
    if task.identifier is not None:
        anomaly.ror_reference = task.identifier.value
        anomaly.ror_identifier_system = task.identifier.system
    if anomaly.follow_ror_national(status, by=ROR_NATIONAL, at=now):
        report.updated += 1
    else:
        report.unchanged += 1
    uow.anomalies.save(anomaly)


def _places(
    tasks: Sequence[RemoteTask], *, uow: UnitOfWork
) -> dict[tuple[ResourceKind, str | None], Resource]:
    """The directory's resources the Tasks to import point to, in one lookup per kind."""
    found: dict[tuple[ResourceKind, str | None], Resource] = {}
    for kind in ResourceKind:
        wanted = [t.focus_value for t in tasks if t.kind is kind and t.focus_value]
        if wanted:
            found.update(((kind, i), r) for i, r in uow.directory.get_many(kind, wanted).items())
    return found


def _imported(
    task: RemoteTask, status: Status, *, reference: str, resource: Resource | None, now: datetime
) -> Anomaly | UnreadableTask:
    """A Task declared elsewhere as a local anomaly; UnreadableTask saying why when it cannot be one."""
    kind = task.kind
    if kind is None:
        return UnreadableTask(task.task_id, f"type de ressource visée inconnu « {task.focus_type or ''} »")
    try:
        resource_id = check_text(
            task.focus_value or "", subject="L'identifiant visé", max_length=MAX_RESOURCE_ID
        )
        if not resource_id:
            return UnreadableTask(task.task_id, "aucun identifiant de ressource visée (focus.identifier)")
        system = check_text(
            task.system_requester or "ROR national", subject="Le système déclarant", max_length=MAX_SYSTEM
        )
        description = check_text(
            task.description, subject="La description", max_length=MAX_VALUE, multiline=True
        )
        present = check_text(
            task.error_value, subject="La valeur en anomalie", max_length=MAX_VALUE, multiline=True
        )
        proposed = check_text(
            task.proposed_value or "", subject="La valeur proposée", max_length=MAX_VALUE, multiline=True
        )
        path = check_text(task.path_element_error or "", subject="Le chemin FHIR", max_length=MAX_FHIR_PATH)
        rule = check_text(task.rule or "", subject="La règle", max_length=MAX_DATA_ITEM)
        requester = task.identifier_requester.value if task.identifier_requester else ""
        declarant = check_text(requester, subject="L'identifiant du déclarant", max_length=MAX_DECLARANT_ID)
    except InvalidText as error:
        return UnreadableTask(task.task_id, error.message)
    item = task.data_item
    if resource is not None:
        structure_id = resource.structure_id if kind is not ResourceKind.STRUCTURE else resource.resource_id
        structure_name, offer_name = resource.structure_name, resource.offer_name
        region, departement = resource.region or task.region, resource.departement
    else:
        structure_id = resource_id if kind is ResourceKind.STRUCTURE else None
        # Not in our directory yet: named by its identifier until a directory sync brings it.
        structure_name, offer_name = resource_id, None
        region, departement = task.region, None
    created = task.authored_on or now
    return Anomaly(
        reference=reference,
        status=status,
        kind=kind,
        resource_id=resource_id,
        structure_id=structure_id,
        structure_name=structure_name[:MAX_NAME],
        offer_name=offer_name,
        region=region,
        departement=departement,
        data_item=item.label if item is not None else OTHER_DATA_ITEM,
        present_value=present,
        description=description,
        thematique=task.thematique or (item.thematique if item else Thematique.EXACTITUDE),
        action=task.action or (item.action if item else Action.CORRECTION),
        fhir_path=path,
        declaring_system=system,
        declarant_id=declarant,
        created_at=created,
        # When we learnt it: listings put it first and the next digest counts it as a change.
        updated_at=now,
        rule=rule or None,
        proposed_value=proposed or None,
        history=[HistoryEntry(now, None, status, ROR_NATIONAL.name, ROR_NATIONAL.role, ROR_NATIONAL.system)],
        ror_task_id=task.task_id,
        ror_version=task.version,
        ror_reference=task.identifier.value if task.identifier else None,
        ror_identifier_system=task.identifier.system if task.identifier else None,
        ror_state=RorState.SENT,
    )
