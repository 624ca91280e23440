"""Connected mode (issue 8): sending declarations and cancellations to the ROR national.

Declaring writes each anomaly (01 « Créée », `RorState.PENDING`) and a SUBMIT entry of the journal in one
transaction (`declare_anomalies(connected=True)`); then `send_declaration` tries the POSTs at once and
`send_due` (the scheduler, `ror-bot ror push`) sends whatever is still due. Each entry is leased first
(committed), the ROR is called outside any transaction, and the outcome is recorded:

- accepted: the anomaly keeps the Task's id, version and identifier; users read the ROR's reference;
- unavailable (5xx, 429, timeout, connection refused, credentials refused): the entry waits for its
  next attempt (backoff, Retry-After honoured), the anomaly stays « En attente d'envoi au ROR national »;
- refused (4xx with an OperationOutcome): never retried. A declaration being made right now is then
  discarded (the user reads the ROR's reason, nothing is kept); one sent later is marked refused and
  its declarant told the reason (event `RefusedByRorNational`).

A POST whose answer was lost may have created the Task: before sending an entry again, the Tasks on the
same resource are searched and one with the same authoredOn, systemRequester and description (and
pathElementError) is adopted instead of POSTing a second one.

Cancelling (`cancel_anomaly` with `ror`): the PATCH to 03 goes first; the local status changes only once
the ROR accepted it. The ROR unavailable: a CANCEL entry is journaled and the user told it waits
(`CancellationQueued`); refused: `RorCancellationRefused` with the ROR's reason. A declaration still
waiting to be sent is cancelled locally and its POST dropped: the ROR national never hears of it."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum

from domain.anomaly import Anomaly, RorState
from domain.catalogue import data_item
from domain.errors import (
    AnomalyNotFound,
    RorNationalAuthenticationRefused,
    RorNationalError,
    RorNationalRefused,
    RorNationalUnavailable,
)
from domain.events import RefusedByRorNational, SentToRorNational
from domain.fhir.task import fhir_instant
from domain.habilitation import Actor
from domain.ports import Clock, RorNational, UnitOfWork
from domain.ror_journal import JournalEntry, JournalOperation, RetryPolicy
from domain.rornational import RemoteTask, Submitted, TaskDraft
from domain.services.declaration import confirmation_text
from domain.statuses import Role, Status

LEASE = timedelta(minutes=5)
BATCH = 50
WAITING_LABEL = "En attente d'envoi au ROR national"
REFUSAL_PREFIX = "Refusée par le ROR national, donc non enregistrée"


class Outcome(StrEnum):
    SENT = "sent"
    QUEUED = "queued"
    REFUSED = "refused"
    GONE = "gone"  # the anomaly no longer needs it (discarded, or cancelled before it was sent)


KEPT = frozenset({Outcome.SENT, Outcome.QUEUED})  # what a declaration keeps locally


@dataclass(frozen=True, slots=True)
class SendResult:
    reference: str  # local reference
    operation: JournalOperation
    outcome: Outcome
    anomaly: Anomaly | None = None
    reason: str = ""  # the ROR's (refused) or why it waits (queued), in French
    data_item: str = ""


@dataclass(frozen=True, slots=True)
class Sender:
    """What every send needs: the ROR national, the store, the clock, the retry policy."""

    ror: RorNational
    uow: Callable[[], UnitOfWork]
    clock: Clock
    retry: RetryPolicy = field(default_factory=RetryPolicy)


def draft_of(anomaly: Anomaly, *, focus_system: str | None) -> TaskDraft:
    item = data_item(anomaly.kind, anomaly.data_item)
    return TaskDraft.for_item(
        item,
        resource_id=anomaly.resource_id,
        present_value=anomaly.present_value,
        description=anomaly.description,
        declaring_system=anomaly.declaring_system,
        declarant_id=anomaly.declarant_id,
        authored_on=anomaly.created_at,
        proposed_value=anomaly.proposed_value,
        focus_system=focus_system,
    )


def _same_declaration(task: RemoteTask, anomaly: Anomaly) -> bool:
    """The Task a lost POST of `anomaly` created (issue 8: authoredOn + systemRequester + description)."""
    if task.authored_on is None:
        return False
    return (
        fhir_instant(task.authored_on) == fhir_instant(anomaly.created_at)
        and (task.system_requester or "") == anomaly.declaring_system
        and task.description.strip() == anomaly.description.strip()
        and (
            task.path_element_error is None
            or "".join(task.path_element_error.split()) == "".join(anomaly.fhir_path.split())
        )
    )


def _adopt(sender: Sender, anomaly: Anomaly) -> Submitted | None:
    """The Task an earlier attempt may have created, if the ROR national has it and no anomaly of ours
    follows it yet."""
    for task in sorted(sender.ror.find_by_focus(anomaly.kind, anomaly.resource_id), key=lambda t: t.task_id):
        if not _same_declaration(task, anomaly):
            continue
        with sender.uow() as uow:
            if uow.anomalies.by_task_id(task.task_id) is not None:
                continue
        return Submitted(task.task_id, task.version, task.identifier, task.last_modified, task)
    return None


def _lease(sender: Sender, *, ids: Sequence[int] | None, limit: int) -> list[JournalEntry]:
    uow = sender.uow()
    with uow:
        entries = uow.ror_journal.lease(now=sender.clock.now(), lease=LEASE, limit=limit, ids=ids)
        uow.commit()
    return entries


def _wait(sender: Sender, entry: JournalEntry, error: RorNationalError) -> None:
    retry_after = error.retry_after if isinstance(error, RorNationalUnavailable) else None
    uow = sender.uow()
    with uow:
        uow.ror_journal.retry(
            entry.id,
            error=error.message,
            next_attempt_at=sender.retry.next_attempt(
                attempts=entry.attempts, now=sender.clock.now(), retry_after=retry_after
            ),
        )
        uow.commit()


def refusal_reason(error: RorNationalRefused) -> str:
    return error.reason.strip() or error.message


def _submit(sender: Sender, entry: JournalEntry, *, fresh: bool) -> SendResult:
    with sender.uow() as uow:
        try:
            anomaly = uow.anomalies.get(entry.reference, perimeter=None)
        except AnomalyNotFound:
            anomaly = None
        if anomaly is None or anomaly.ror_state is not RorState.PENDING:
            uow.ror_journal.done(entry.id, at=sender.clock.now())
            uow.commit()
            return SendResult(entry.reference, entry.operation, Outcome.GONE)
        resource = uow.directory.get(anomaly.kind, anomaly.resource_id)
    focus_system = resource.identifier_system if resource is not None else None
    try:
        # A previous attempt was started (its answer lost, or its process gone): it may have landed.
        submitted = _adopt(sender, anomaly) if entry.attempts > 1 else None
        if submitted is None:
            submitted = sender.ror.submit(draft_of(anomaly, focus_system=focus_system))
    except RorNationalRefused as error:
        return _refused(sender, entry, anomaly, error, fresh=fresh)
    except (RorNationalUnavailable, RorNationalAuthenticationRefused) as error:
        _wait(sender, entry, error)
        return SendResult(
            entry.reference, entry.operation, Outcome.QUEUED, anomaly, error.message, anomaly.data_item
        )
    uow = sender.uow()
    with uow:
        stored = uow.anomalies.get(entry.reference, perimeter=None, for_update=True)
        stored.ror_task_id = submitted.task_id
        stored.ror_version = submitted.version
        stored.ror_reference = submitted.identifier.value if submitted.identifier else None
        stored.ror_identifier_system = submitted.identifier.system if submitted.identifier else None
        stored.ror_state = RorState.SENT
        if not fresh:
            stored.events.append(
                SentToRorNational(
                    stored.reference,
                    stored.shown_reference,
                    stored.declarant_email,
                    stored.resource_id,
                    stored.data_item,
                )
            )
        uow.anomalies.save(stored)
        uow.ror_journal.done(entry.id, at=sender.clock.now())
        uow.commit()
    return SendResult(entry.reference, entry.operation, Outcome.SENT, stored, data_item=stored.data_item)


def _refused(
    sender: Sender, entry: JournalEntry, anomaly: Anomaly, error: RorNationalRefused, *, fresh: bool
) -> SendResult:
    reason = refusal_reason(error)
    uow = sender.uow()
    with uow:
        uow.ror_journal.refuse(entry.id, error=reason, at=sender.clock.now())
        if fresh:
            uow.anomalies.discard(entry.reference)
        else:
            stored = uow.anomalies.get(entry.reference, perimeter=None, for_update=True)
            stored.ror_state = RorState.REFUSED
            stored.events.append(
                RefusedByRorNational(stored.reference, "declaration", reason, stored.declarant_email)
            )
            uow.anomalies.save(stored)
        uow.commit()
    return SendResult(entry.reference, entry.operation, Outcome.REFUSED, anomaly, reason, anomaly.data_item)


def _actor(entry: JournalEntry) -> Actor:
    payload = entry.payload
    return Actor(
        role=Role(payload.get("role", Role.DECLARANT.value)),
        name=payload.get("actor", ""),
        system=payload.get("system", ""),
    )


def _cancel(sender: Sender, entry: JournalEntry) -> SendResult:
    with sender.uow() as uow:
        anomaly = uow.anomalies.get(entry.reference, perimeter=None)
    if anomaly.ror_task_id is None or anomaly.status is Status.CANCELLED:
        with sender.uow() as uow:
            uow.ror_journal.done(entry.id, at=sender.clock.now())
            uow.commit()
        return SendResult(entry.reference, entry.operation, Outcome.GONE, anomaly)
    try:
        submitted = sender.ror.set_status(anomaly.ror_task_id, Status.CANCELLED)
    except RorNationalRefused as error:
        reason = refusal_reason(error)
        uow = sender.uow()
        with uow:
            uow.ror_journal.refuse(entry.id, error=reason, at=sender.clock.now())
            stored = uow.anomalies.get(entry.reference, perimeter=None)
            stored.events.append(
                RefusedByRorNational(stored.shown_reference, "annulation", reason, entry.payload.get("actor"))
            )
            uow.anomalies.save(stored)
            uow.commit()
        return SendResult(entry.reference, entry.operation, Outcome.REFUSED, anomaly, reason)
    except (RorNationalUnavailable, RorNationalAuthenticationRefused) as error:
        _wait(sender, entry, error)
        return SendResult(entry.reference, entry.operation, Outcome.QUEUED, anomaly, error.message)
    stored = _record_cancellation(
        sender, entry.reference, submitted, by=_actor(entry), comment=entry.payload.get("comment", "")
    )
    with sender.uow() as uow:
        uow.ror_journal.done(entry.id, at=sender.clock.now())
        uow.commit()
    return SendResult(entry.reference, entry.operation, Outcome.SENT, stored)


def _record_cancellation(
    sender: Sender, reference: str, submitted: Submitted, *, by: Actor, comment: str
) -> Anomaly:
    uow = sender.uow()
    with uow:
        stored = uow.anomalies.get(reference, perimeter=None, for_update=True)
        if stored.status is not Status.CANCELLED:
            stored.move_to(Status.CANCELLED, by=by, at=sender.clock.now(), comment=comment)
        stored.ror_version = submitted.version or stored.ror_version
        uow.anomalies.save(stored)
        uow.commit()
    return stored


def _send(sender: Sender, entries: Sequence[JournalEntry], *, fresh: bool) -> list[SendResult]:
    results = []
    for entry in entries:
        if entry.operation is JournalOperation.SUBMIT:
            results.append(_submit(sender, entry, fresh=fresh))
        else:
            results.append(_cancel(sender, entry))
    return results


def send_declaration(sender: Sender, *, references: Sequence[str]) -> list[SendResult]:
    """Send the POSTs of a declaration just made (its anomalies' SUBMIT entries), one per item, in order.
    Items the ROR refuses are discarded; those it cannot take now wait in the journal."""
    with sender.uow() as uow:
        ids = _entry_ids(uow, references)
    leased = {e.reference: e for e in _lease(sender, ids=ids, limit=max(1, len(ids)))}
    results = []
    for reference in references:
        entry = leased.get(reference)
        if entry is None:  # another sender took it meanwhile: it stays pending or is already sent
            with sender.uow() as uow:
                try:
                    anomaly: Anomaly | None = uow.anomalies.get(reference, perimeter=None)
                except AnomalyNotFound:
                    anomaly = None
            outcome = (
                Outcome.SENT if anomaly is not None and anomaly.ror_state is RorState.SENT else Outcome.QUEUED
            )
            results.append(SendResult(reference, JournalOperation.SUBMIT, outcome, anomaly))
            continue
        results.extend(_send(sender, [entry], fresh=True))
    return results


def _entry_ids(uow: UnitOfWork, references: Sequence[str]) -> list[int]:
    return uow.ror_journal.pending_ids(references, JournalOperation.SUBMIT)


def send_due(sender: Sender, *, limit: int = BATCH) -> list[SendResult]:
    """Send what the journal holds that is due now (the scheduler, `ror-bot ror push`)."""
    return _send(sender, _lease(sender, ids=None, limit=limit), fresh=False)


QUEUED_LINE = (
    "« En attente d'envoi au ROR national » : il ne répond pas pour l'instant ; les anomalies marquées "
    "« en attente » lui seront envoyées automatiquement et leur référence du ROR national vous sera "
    "envoyée par message privé."
)


def declaration_report(results: Sequence[SendResult]) -> str:
    """What the declarant reads once the POSTs were tried: the SPEC §4 confirmation of what is kept (the
    ROR's references; « en attente » for what waits), one line if anything waits, one per refusal."""
    kept = [r.anomaly for r in results if r.outcome in KEPT and r.anomaly]
    refused = [r for r in results if r.outcome is Outcome.REFUSED]
    lines = []
    if kept:
        lines.append(confirmation_text(kept))
    else:
        lines.append("Aucune anomalie n'a été créée.")
    if any(r.outcome is Outcome.QUEUED for r in results):
        lines.append(QUEUED_LINE)
    lines += [f"{REFUSAL_PREFIX} : la donnée « {r.data_item} » ({r.reason.rstrip('.')})." for r in refused]
    return "\n".join(lines)
