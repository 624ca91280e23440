"""Declaring anomalies: one resource, one or more distinct data items, all created or none."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from domain.anomaly import MAX_DESCRIPTION, MAX_PROPOSED_VALUE, MAX_RULE, Anomaly, HistoryEntry, RorState
from domain.catalogue import DataItem, ResourceKind, data_item
from domain.directory import Resource
from domain.errors import AnomalyNotFound, InvalidDeclaration, InvalidText, UnknownDataItem
from domain.habilitation import Member
from domain.ports import Clock, LiveLookup, UnitOfWork
from domain.ror_journal import JournalOperation
from domain.services.directory import bring_in_unknown, locate_practitioner, locate_resource
from domain.statuses import Role, Status
from domain.text import check_text, fold


@dataclass(frozen=True, slots=True)
class DeclaredItem:
    label: str
    description: str
    proposed_value: str | None = None


@dataclass(frozen=True, slots=True)
class DeclarationRequest:
    structure_id: str
    offer_id: str | None
    items: tuple[DeclaredItem, ...]
    # Same key twice (a replayed Slack submission) returns the first declaration's anomalies.
    idempotency_key: str | None = None
    # A health professional instead of a structure or an offer (then structure_id is empty).
    rpps: str | None = None


def description_key(label: str) -> str:
    return f"description:{label}"


def proposed_value_key(label: str) -> str:
    return f"valeur_proposee:{label}"


def clean_description(text: str) -> str:
    """Trimmed description with Windows line breaks normalised; ValueError with the French reason."""
    try:
        value = check_text(text, subject="La description", max_length=MAX_DESCRIPTION, multiline=True)
    except InvalidText as error:
        raise ValueError(error.message) from None
    if not value:
        raise ValueError(f"Décrivez l'anomalie (entre 1 et {MAX_DESCRIPTION} caractères).")
    return value


def clean_proposed_value(text: str | None) -> str | None:
    """The optional *Valeur proposée*, held to the rules of descriptions; None when empty."""
    value = check_text(
        text or "", subject="La valeur proposée", max_length=MAX_PROPOSED_VALUE, multiline=True
    )
    return value or None


def clean_rule(text: str | None) -> str | None:
    """The optional *Règle* (a quality rule's identifier): one line, MAX_RULE characters at most; None
    when empty. InvalidText with the French reason."""
    value = check_text(text or "", subject="La règle", max_length=MAX_RULE)
    return value or None


@dataclass(frozen=True, slots=True)
class CheckedItem:
    """One data item of a resource kind with its description and proposed value, held to every rule."""

    item: DataItem
    description: str
    proposed_value: str | None = None


def check_item(kind: ResourceKind, item: DeclaredItem) -> CheckedItem:
    """`item` held to the rules of a declaration (catalogue label of `kind`, description, proposed value):
    the one check of the modal, the CLI, the notebook and bulk imports. InvalidDeclaration with every
    reason, keyed by field (`donnees`, `description:<label>`, `valeur_proposee:<label>`)."""
    try:
        catalogue_item = data_item(kind, item.label)
    except UnknownDataItem as error:
        raise InvalidDeclaration({"donnees": error.message}) from None
    errors: dict[str, str] = {}
    description = proposed = None
    try:
        description = clean_description(item.description)
    except ValueError as error:
        errors[description_key(catalogue_item.label)] = str(error)
    try:
        proposed = clean_proposed_value(item.proposed_value)
    except InvalidText as error:
        errors[proposed_value_key(catalogue_item.label)] = error.message
    if errors or description is None:
        raise InvalidDeclaration(errors)
    return CheckedItem(catalogue_item, description, proposed)


def _validate_items(resource: Resource, items: Sequence[DeclaredItem]) -> list[CheckedItem]:
    errors: dict[str, str] = {}
    if not items:
        raise InvalidDeclaration({"donnees": "Choisissez au moins une donnée en anomalie."})
    seen: dict[str, str] = {}
    valid: list[CheckedItem] = []
    for item in items:
        try:
            label = data_item(resource.kind, item.label).label
        except UnknownDataItem as error:
            errors["donnees"] = error.message
            continue
        folded = fold(label)
        if folded in seen:
            errors["donnees"] = f"La donnée « {label} » est choisie deux fois : une anomalie par donnée."
            continue
        seen[folded] = label
        try:
            valid.append(check_item(resource.kind, item))
        except InvalidDeclaration as error:
            errors.update(error.errors)
    if errors:
        raise InvalidDeclaration(errors)
    return valid


def new_anomaly(
    *,
    reference: str,
    resource: Resource,
    structure: Resource | None,
    checked: CheckedItem,
    member: Member,
    system: str,
    now: datetime,
    rule: str | None = None,
    connected: bool = False,
) -> Anomaly:
    """A declared anomaly, created and routed to the resource's recipient or blocked (SPEC §4): the one
    way both single declarations and bulk imports make an anomaly. `connected`: the ROR national routes,
    so it stays 01 « Créée », waiting to be sent (`RorState.PENDING`); the caller journals its POST."""
    catalogue_item = checked.item
    actor = member.as_actor(system)
    anomaly = Anomaly(
        reference=reference,
        status=Status.CREATED,
        kind=resource.kind,
        resource_id=resource.resource_id,
        structure_id=structure.resource_id if structure else resource.structure_id,
        structure_name=resource.structure_name,
        offer_name=resource.offer_name,
        region=resource.region,
        departement=resource.departement,
        data_item=catalogue_item.label,
        present_value=resource.present_value(catalogue_item.label),
        description=checked.description,
        thematique=catalogue_item.thematique,
        action=catalogue_item.action,
        fhir_path=catalogue_item.fhir_path,
        declaring_system=system,
        declarant_id=member.declarant_id,
        declarant_email=member.email,
        group_name=member.group,
        rule=rule,
        proposed_value=checked.proposed_value,
        created_at=now,
        updated_at=now,
        history=[HistoryEntry(now, None, Status.CREATED, actor.name, Role.DECLARANT, system)],
    )
    if connected:
        anomaly.ror_state = RorState.PENDING
    else:
        anomaly.route(recipient=resource.recipient, at=now, system=system)
    return anomaly


def declare_anomalies(
    *,
    request: DeclarationRequest,
    member: Member,
    uow: UnitOfWork,
    clock: Clock,
    system: str,
    live: LiveLookup | None = None,
    connected: bool = False,
) -> list[Anomaly]:
    """Create one anomaly per item, routed to the resource's recipient or blocked (SPEC §4). With `live`, a
    structure or offer not known yet is first fetched from the ROR national.

    `connected` (issue 8): the ROR national routes, so each anomaly stays 01 « Créée », waiting to be
    sent (`RorState.PENDING`), with its POST written to the journal in the same transaction;
    `domain.services.ror_sending` sends it."""
    if not request.rpps:
        bring_in_unknown(structure_id=request.structure_id, offer_id=request.offer_id, uow=uow, live=live)
    with uow:
        if request.idempotency_key:
            known = uow.declarations.find(request.idempotency_key)
            if known is not None:
                return _still_there(known, member=member, uow=uow)
        structure: Resource | None
        if request.rpps:
            resource, structure = (
                locate_practitioner(rpps=request.rpps, perimeter=member.perimeter, uow=uow),
                None,
            )
        else:
            resource, structure = locate_resource(
                structure_id=request.structure_id,
                offer_id=request.offer_id,
                perimeter=member.perimeter,
                uow=uow,
            )
        items = _validate_items(resource, request.items)
        now = clock.now()
        references = uow.anomalies.allocate_references(len(items))
        created = []
        for reference, checked in zip(references, items, strict=True):
            anomaly = new_anomaly(
                reference=reference,
                resource=resource,
                structure=structure,
                checked=checked,
                member=member,
                system=system,
                now=now,
                connected=connected,
            )
            created.append(anomaly)
        uow.anomalies.add_all(created)  # one statement for all the items: declaring is hot
        if connected:
            for anomaly in created:
                uow.ror_journal.add(anomaly.reference, JournalOperation.SUBMIT, at=now)
        if request.idempotency_key:
            uow.declarations.record(request.idempotency_key, [a.reference for a in created])
        uow.commit()
    return created


def _still_there(references: Sequence[str], *, member: Member, uow: UnitOfWork) -> list[Anomaly]:
    """The anomalies a declaration created, but those the ROR national refused (connected mode: discarded)."""
    found = []
    for reference in references:
        try:
            found.append(uow.anomalies.get(reference, perimeter=member.perimeter))
        except AnomalyNotFound:
            continue
    return found


def confirmation_line(anomaly: Anomaly) -> str:
    """One anomaly of the SPEC §4 answer: the ROR's reference once it has it, else ours « en attente »."""
    reference = anomaly.shown_reference + (" (en attente)" if anomaly.waiting_for_ror else "")
    return (
        f"{reference} pour la ressource {anomaly.resource_id} - « {anomaly.offer_name or anomaly.structure_name} » "
        f"sur la donnée « {anomaly.data_item} »"
    )


def confirmation_text(anomalies: Sequence[Anomaly]) -> str:
    """The SPEC §4 answer to a declaration."""
    lines = ["Les anomalies suivantes ont été créées :"]
    lines += [confirmation_line(a) for a in anomalies]
    return "\n".join(lines)
