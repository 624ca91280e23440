"""Bulk declaring: the results of quality rules, one anomaly per line of a file (`ror-bot anomalies import`).

Every line is held to exactly the rules of a single declaration (`check_item`, the identifiers' rules, the
member's perimeter, `new_anomaly` for creation and routing); a refused line is reported with its number and
French reason and blocks nothing else. Lines are taken in batches, each stored in one transaction through
the `AnomalyImport` port (set-wise inserts, references allocated in blocks), so a million lines run in flat
memory and an interrupted import is simply run again.

Idempotence: each line has a key, a hash of règle + ressource + donnée + description (after the same
clean-up as storing them); the store remembers the keys it created, under a unique index, so importing the
same file twice creates nothing new, and neither do two identical lines of one file.

Notifications: recipients hear of each anomaly sent to them, as after a single declaration (their DM is
where they record the outcome); the routing at creation is not told to the declarant, one by one or at
all, exactly as for a single declaration. The declarant gets one summary of the import (AnomaliesImported)."""

import hashlib
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice

from domain.anomaly import Anomaly
from domain.catalogue import ResourceKind
from domain.directory import Resource
from domain.errors import (
    EmptyDirectory,
    InvalidDeclaration,
    InvalidIdentifier,
    InvalidText,
    ResourceNotFound,
)
from domain.events import AnomaliesImported, SentToRecipient
from domain.habilitation import Member
from domain.identifiers import guess_resource_kind, parse_resource_id
from domain.ports import AnomalyImport, Clock
from domain.services.declaration import CheckedItem, DeclaredItem, check_item, clean_rule, new_anomaly

DEFAULT_BATCH = 10_000
# Resources looked up once and kept for the following batches; past this many the cache starts over, so
# memory stays flat whatever the size of the directory.
RESOURCE_CACHE_MAX = 50_000
_FIELDS = {"structure": "ressource", "offre": "ressource", "rpps": "ressource"}


@dataclass(frozen=True, slots=True)
class ImportLine:
    """One line of an import file, as read (nothing checked yet). `line`: its number in the file."""

    line: int
    resource: str
    label: str
    description: str
    rule: str | None = None
    proposed_value: str | None = None


@dataclass(frozen=True, slots=True)
class LineError:
    """A refused line: its number in the file and the French reason."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"Ligne {self.line} : {self.message}"


@dataclass(slots=True)
class ImportResult:
    created: int = 0
    already_present: int = 0
    refused: int = 0
    sent_to_recipients: int = 0
    blocked: int = 0
    # Connected mode: created, their POST to the ROR national waiting in the journal.
    queued_for_ror: int = 0
    # Every refused line, unless the caller hears of them one by one (on_error): then none are kept.
    errors: list[LineError] = field(default_factory=list)

    @property
    def lines(self) -> int:
        return self.created + self.already_present + self.refused

    def summary(self) -> str:
        queued = (
            f" ({_count(self.queued_for_ror, 'en attente', 'en attente')} d'envoi au ROR national)"
            if self.queued_for_ror
            else ""
        )
        return (
            f"Import terminé : {_count(self.created, 'anomalie créée', 'anomalies créées')}{queued}, "
            f"{_count(self.already_present, 'déjà présente', 'déjà présentes')}, "
            f"{_count(self.refused, 'ligne refusée', 'lignes refusées')}."
        )


def _count(n: int, singular: str, plural: str) -> str:
    return f"{n:,}".replace(",", " ") + " " + (singular if n <= 1 else plural)


@dataclass(frozen=True, slots=True)
class _Valid:
    line: int
    kind: ResourceKind
    resource_id: str
    checked: CheckedItem
    rule: str | None


def import_key(
    *, rule: str | None, kind: ResourceKind, resource_id: str, label: str, description: str
) -> str:
    """The identity of an imported anomaly: règle + ressource + donnée + description, as stored."""
    parts = (rule or "", kind.slug, resource_id, label, description)
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def check_line(line: ImportLine) -> _Valid:
    """The line held to a single declaration's rules, except what needs the directory. InvalidDeclaration
    (or InvalidIdentifier / InvalidText) with the French reasons."""
    text = line.resource.strip()
    if not text:
        raise InvalidIdentifier(
            "ressource",
            "Indiquez la ressource en anomalie : ID National Structure, ID Offre ou numéro RPPS.",
        )
    kind, resource_id = _parse_resource(text)
    rule = clean_rule(line.rule)
    checked = check_item(kind, DeclaredItem(line.label, line.description, line.proposed_value))
    return _Valid(line.line, kind, resource_id, checked, rule)


@lru_cache(maxsize=65_536)  # files name the same resources over and over; errors are not cached
def _parse_resource(text: str) -> tuple[ResourceKind, str]:
    kind = guess_resource_kind(text)
    return kind, parse_resource_id(kind, text)


def _reason(error: InvalidDeclaration | InvalidIdentifier | InvalidText) -> str:
    if isinstance(error, InvalidDeclaration):
        return " ".join(error.errors.values())
    return error.message


def _batches(lines: Iterable[ImportLine | LineError], size: int) -> Iterator[list[ImportLine | LineError]]:
    iterator = iter(lines)
    while batch := list(islice(iterator, size)):
        yield batch


class _Resources:
    """Directory lookups of an import: one query per batch for the resources not seen yet."""

    def __init__(self) -> None:
        self.known: dict[tuple[ResourceKind, str], Resource | None] = {}
        self.directory_empty: bool | None = None

    def fetch(self, store: AnomalyImport, wanted: set[tuple[ResourceKind, str]]) -> None:
        missing = wanted - self.known.keys()
        if not missing:
            return
        if len(self.known) + len(missing) > RESOURCE_CACHE_MAX:
            self.known.clear()
            missing = wanted
        found = store.resources(missing)
        for key in missing:
            self.known[key] = found.get(key)
        # An offer is declared on as `--structure S --offre O` is: its structure must be visible too.
        structures = {
            (ResourceKind.STRUCTURE, r.structure_id)
            for r in found.values()
            if r.kind is ResourceKind.OFFRE and r.structure_id
        } - self.known.keys()
        if structures:
            found = store.resources(structures)
            for key in structures:
                self.known[key] = found.get(key)

    def structure_of(self, resource: Resource) -> Resource | None:
        if resource.kind is ResourceKind.STRUCTURE:
            return resource
        if resource.kind is ResourceKind.PROFESSIONNEL or not resource.structure_id:
            return None
        return self.known.get((ResourceKind.STRUCTURE, resource.structure_id))


def import_anomalies(
    *,
    lines: Iterable[ImportLine | LineError],
    member: Member,
    store: Callable[[], AnomalyImport],
    clock: Clock,
    system: str,
    batch_size: int = DEFAULT_BATCH,
    on_error: Callable[[LineError], None] | None = None,
    connected: bool = False,
) -> ImportResult:
    """Declare one anomaly per valid line, `batch_size` lines per transaction. `lines` may hold the
    reader's own refusals (LineError: unreadable line), reported like the others.

    `connected` (ROR_ANOMALIES_URL set): as a connected declaration, each anomaly stays 01 « Créée »,
    waiting to be sent, with its POST written to the ROR national journal in the same transaction; the
    journal's sender (`ror-bot ror push`, the scheduler) sends them at the ROR national's pace, and an
    interrupted sending resumes from the journal. Nothing is POSTed inline."""
    result = ImportResult()
    resources = _Resources()

    def store_batch(valid: list[_Valid], refused: list[LineError]) -> list[LineError]:
        with store() as uow:
            _store_batch(uow, valid, resources, member, clock, system, result, refused.append, connected)
            uow.commit()
        return refused

    def tell(refused: list[LineError]) -> None:
        # In the order of the file, once the batch is stored.
        refused.sort(key=lambda e: e.line)
        result.refused += len(refused)
        if on_error is not None:
            for refusal in refused:
                on_error(refusal)
        else:
            result.errors += refused

    # Two batches in flight: while one thread stores a batch (mostly waiting for the database), this one
    # reads and checks the next. The storing thread alone touches `result` and the resource cache until
    # its batch is done; refusals are told from here, in order.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ror-import") as writer:
        stored: Future[list[LineError]] | None = None
        for batch in _batches(lines, batch_size):
            valid, refused = _check_batch(batch)
            if stored is not None:
                tell(stored.result())
            stored = writer.submit(store_batch, valid, refused)
        if stored is not None:
            tell(stored.result())
    if result.lines:
        with store() as uow:
            uow.tell_declarant(
                AnomaliesImported(
                    declarant_email=member.email,
                    created=result.created,
                    already_present=result.already_present,
                    refused=result.refused,
                    sent_to_recipients=result.sent_to_recipients,
                    blocked=result.blocked,
                    queued_for_ror=result.queued_for_ror,
                )
            )
            uow.commit()
    return result


def _check_batch(batch: list[ImportLine | LineError]) -> tuple[list[_Valid], list[LineError]]:
    valid: list[_Valid] = []
    refused: list[LineError] = []
    for line in batch:
        if isinstance(line, LineError):
            refused.append(line)
            continue
        try:
            valid.append(check_line(line))
        except (InvalidDeclaration, InvalidIdentifier, InvalidText) as error:
            refused.append(LineError(line.line, _reason(error)))
    return valid, refused


def _store_batch(
    uow: AnomalyImport,
    valid: list[_Valid],
    resources: _Resources,
    member: Member,
    clock: Clock,
    system: str,
    result: ImportResult,
    refuse: Callable[[LineError], None],
    connected: bool,
) -> None:
    resources.fetch(uow, {(v.kind, v.resource_id) for v in valid})
    keyed: dict[str, tuple[_Valid, Resource, Resource | None]] = {}
    duplicates = 0
    placed: list[tuple[_Valid, Resource, Resource | None]] = []
    for v in valid:
        resource = resources.known.get((v.kind, v.resource_id))
        if resource is None or not member.perimeter.contains(resource.region):
            if resources.directory_empty is None:
                resources.directory_empty = uow.directory_is_empty()
            error_type = EmptyDirectory if resources.directory_empty else ResourceNotFound
            refuse(LineError(v.line, error_type("ressource", v.kind, v.resource_id).message))
            continue
        structure = resources.structure_of(resource)
        if v.kind is ResourceKind.OFFRE and (
            structure is None or not member.perimeter.contains(structure.region)
        ):
            missing = ResourceNotFound("structure", ResourceKind.STRUCTURE, resource.structure_id or "")
            refuse(LineError(v.line, missing.message))
            continue
        placed.append((v, resource, structure))
    for v, resource, structure in placed:
        key = import_key(
            rule=v.rule,
            kind=v.kind,
            resource_id=v.resource_id,
            label=v.checked.item.label,
            description=v.checked.description,
        )
        if key in keyed:
            duplicates += 1
            continue
        keyed[key] = (v, resource, structure)
    known = uow.known_keys(list(keyed))
    fresh = [(key, found) for key, found in keyed.items() if key not in known]
    result.already_present += duplicates + len(keyed) - len(fresh)
    if not fresh:
        return
    now = clock.now()
    created: list[tuple[str, Anomaly]] = []
    for reference, (key, (v, resource, structure)) in zip(
        uow.allocate_references(len(fresh)), fresh, strict=True
    ):
        anomaly = new_anomaly(
            reference=reference,
            resource=resource,
            structure=structure,
            checked=v.checked,
            member=member,
            system=system,
            now=now,
            rule=v.rule,
            connected=connected,
        )
        # The routing at creation is never told to the declarant (see the module's docstring): only the
        # recipients' notifications go to the outbox.
        anomaly.events = [e for e in anomaly.events if isinstance(e, SentToRecipient)]
        created.append((key, anomaly))
    stored = uow.add(created, send_to_ror=connected)
    result.already_present += len(created) - len(stored)
    for key, anomaly in created:
        if key in stored:
            result.created += 1
            if connected:
                result.queued_for_ror += 1
            elif anomaly.recipient:
                result.sent_to_recipients += 1
            else:
                result.blocked += 1
