"""Looking resources up in the directory, within a member's perimeter, and naming recipients.

In connected mode a lookup is given a `LiveLookup`: a structure or an offer the directory does not hold yet
is first fetched from the ROR national (`bring_in_unknown`, outside the lookup's transaction), then looked
up as usual, perimeter included."""

from dataclasses import dataclass
from datetime import datetime

from domain.anomaly import Anomaly
from domain.catalogue import DataItem, ResourceKind, data_items_of
from domain.directory import Resource
from domain.errors import (
    DirectoryUnreachable,
    EmptyDirectory,
    InvalidDeclaration,
    InvalidIdentifier,
    OfferNotInStructure,
    ResourceNotFound,
    RorNationalError,
    UnreadableDirectoryResource,
)
from domain.habilitation import Actor, Member, Perimeter, normalise_email
from domain.identifiers import guess_resource_kind, parse_offer_id, parse_resource_id, parse_structure_id
from domain.ports import Clock, LiveLookup, UnitOfWork
from domain.statuses import BLOCKED, Status


@dataclass(frozen=True, slots=True)
class PresentValue:
    item: DataItem
    value: str


@dataclass(frozen=True, slots=True)
class ResourceCard:
    """What `/ror rechercher` shows: the resource, its data, how many anomalies are open on it."""

    resource: Resource
    structure: Resource | None
    open_anomalies: int
    present_values: tuple[PresentValue, ...]

    @property
    def kind(self) -> ResourceKind:
        return self.resource.kind


def _visible(resource: Resource | None, perimeter: Perimeter) -> Resource | None:
    if resource is None or not perimeter.contains(resource.region):
        return None
    return resource


def _not_found(field: str, kind: ResourceKind, resource_id: str, uow: UnitOfWork) -> ResourceNotFound:
    """Unknown or outside the perimeter — unless the directory holds nothing at all, which is worth saying."""
    if uow.directory.is_empty():
        return EmptyDirectory(field, kind, resource_id)
    return ResourceNotFound(field, kind, resource_id)


def _known(uow: UnitOfWork, kind: ResourceKind, resource_id: str) -> bool:
    with uow:
        return uow.directory.get(kind, resource_id) is not None


def _bring_in(live: LiveLookup, kind: ResourceKind, resource_id: str, field: str) -> None:
    try:
        live.bring_in(kind, resource_id)
    except RorNationalError as error:
        unreachable = DirectoryUnreachable(kind, resource_id, error)
        raise InvalidDeclaration({field: unreachable.message}) from error
    except UnreadableDirectoryResource as error:
        raise InvalidDeclaration({field: error.message}) from error


def bring_in_unknown(
    *, structure_id: str, offer_id: str | None, uow: UnitOfWork, live: LiveLookup | None
) -> None:
    """Before looking a structure (and an offer) up: fetch from the ROR national whichever of them the
    directory does not hold, whatever the perimeter (applied by the lookup, unchanged). Identifiers that
    cannot be right are left to the lookup to explain. The ROR national failing is InvalidDeclaration on
    the field concerned, saying so (never « inconnu »)."""
    if live is None:
        return
    try:
        structure_key = parse_structure_id(structure_id)
        offer_key = parse_offer_id(offer_id) if offer_id and offer_id.strip() else None
    except InvalidIdentifier:
        return
    if offer_key is not None and not _known(uow, ResourceKind.OFFRE, offer_key):
        _bring_in(live, ResourceKind.OFFRE, offer_key, "offre")  # brings its structure along
    if not _known(uow, ResourceKind.STRUCTURE, structure_key):
        _bring_in(live, ResourceKind.STRUCTURE, structure_key, "structure")


def locate_resource(
    *, structure_id: str, offer_id: str | None, perimeter: Perimeter, uow: UnitOfWork
) -> tuple[Resource, Resource | None]:
    """The resource in anomaly (the offer when given, else the structure) and its structure.

    Raises InvalidDeclaration with per-field errors, so forms can show them inline."""
    errors: dict[str, str] = {}
    structure_key = offer_key = None
    try:
        structure_key = parse_structure_id(structure_id)
    except InvalidIdentifier as error:
        errors["structure"] = error.message
    if offer_id and offer_id.strip():
        try:
            offer_key = parse_offer_id(offer_id)
        except InvalidIdentifier as error:
            errors["offre"] = error.message
    if errors:
        raise InvalidDeclaration(errors)
    assert structure_key is not None
    keys = [(ResourceKind.STRUCTURE, structure_key)]
    if offer_key is not None:
        keys.append((ResourceKind.OFFRE, offer_key))
    found = uow.directory.get_pairs(keys)  # one lookup for both: declaring is hot
    structure = _visible(found.get(keys[0]), perimeter)
    if structure is None:
        errors["structure"] = _not_found("structure", ResourceKind.STRUCTURE, structure_key, uow).message
    offer = None
    if offer_key is not None:
        offer = _visible(found.get(keys[1]), perimeter)
        if offer is None:
            errors["offre"] = _not_found("offre", ResourceKind.OFFRE, offer_key, uow).message
        elif structure is not None and offer.structure_id != structure.resource_id:
            errors["offre"] = OfferNotInStructure(offer_key, structure_key).message
    if errors:
        raise InvalidDeclaration(errors)
    assert structure is not None
    return (offer, structure) if offer is not None else (structure, structure)


def card_for(resource: Resource, structure: Resource | None, uow: UnitOfWork) -> ResourceCard:
    values = tuple(
        PresentValue(item, resource.present_value(item.label)) for item in data_items_of(resource.kind)
    )
    count = uow.anomalies.open_count_for_resource(resource.kind, resource.resource_id)
    return ResourceCard(resource=resource, structure=structure, open_anomalies=count, present_values=values)


def find_resource(
    *,
    structure_id: str,
    offer_id: str | None = None,
    member: Member,
    uow: UnitOfWork,
    live: LiveLookup | None = None,
) -> ResourceCard:
    bring_in_unknown(structure_id=structure_id, offer_id=offer_id, uow=uow, live=live)
    with uow:
        resource, structure = locate_resource(
            structure_id=structure_id, offer_id=offer_id, perimeter=member.perimeter, uow=uow
        )
        return card_for(resource, structure, uow)


def locate_practitioner(*, rpps: str, perimeter: Perimeter, uow: UnitOfWork) -> Resource:
    """The health professional of this RPPS in the perimeter; InvalidDeclaration on field `rpps`."""
    try:
        key = parse_resource_id(ResourceKind.PROFESSIONNEL, rpps)
    except InvalidIdentifier as error:
        raise InvalidDeclaration({"rpps": error.message}) from error
    resource = _visible(uow.directory.get(ResourceKind.PROFESSIONNEL, key), perimeter)
    if resource is None:
        raise InvalidDeclaration({"rpps": _not_found("rpps", ResourceKind.PROFESSIONNEL, key, uow).message})
    return resource


def find_practitioner(*, rpps: str, member: Member, uow: UnitOfWork) -> ResourceCard:
    key = parse_resource_id(ResourceKind.PROFESSIONNEL, rpps)
    with uow:
        resource = _visible(uow.directory.get(ResourceKind.PROFESSIONNEL, key), member.perimeter)
        if resource is None:
            raise _not_found("rpps", ResourceKind.PROFESSIONNEL, key, uow)
        return card_for(resource, None, uow)


def set_recipient(
    *, resource_id: str, email: str, uow: UnitOfWork, clock: Clock, system: str
) -> tuple[Resource, list[Anomaly]]:
    """Name the recipient of a resource; its blocked anomalies are sent to them (SPEC §4)."""
    address = normalise_email(email)
    kind = guess_resource_kind(resource_id)
    key = parse_resource_id(kind, resource_id)
    with uow:
        resource = uow.directory.get(kind, key)
        if resource is None:
            raise _not_found("id", kind, key, uow)
        resource.recipient = address
        uow.directory.upsert(resource)
        moved = send_blocked_anomalies(
            resource_id=key, recipient=address, uow=uow, at=clock.now(), system=system
        )
        uow.commit()
    return resource, moved


def send_blocked_anomalies(
    *, resource_id: str, recipient: str, uow: UnitOfWork, at: datetime, system: str
) -> list[Anomaly]:
    """Inside the caller's transaction: the resource now has a recipient, so its blocked anomalies
    are sent to them (04/11 → 05); the unit of work publishes the events that notify them."""
    moved = uow.anomalies.for_resource(resource_id, statuses=BLOCKED, for_update=True)
    for anomaly in moved:
        anomaly.recipient = recipient
        anomaly.move_to(
            Status.SENT_TO_RECIPIENT,
            by=Actor.automatic(system),
            at=at,
            comment=f"Destinataire désigné : {recipient}",
        )
        uow.anomalies.save(anomaly)
    return moved
