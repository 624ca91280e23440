"""One hierarchy of errors; each carries the French sentence shown to the user."""

from collections.abc import Sequence
from typing import Protocol

ACCESS_REQUEST_ADDRESS = "monserviceclient.ror@esante.gouv.fr"


class Labelled(Protocol):
    """A code with its French label: a ResourceKind or a Status. (Errors name them without importing
    the modules that raise these errors.)"""

    @property
    def value(self) -> str: ...

    @property
    def label(self) -> str: ...


class RorError(Exception):
    """A mistake or refusal the user can understand and act on; `message` is French."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class DatabaseBusy(RorError):
    """The database stayed locked by another writer longer than a user can wait (SQLite's single writer)."""

    def __init__(self) -> None:
        super().__init__(
            "La base de données des anomalies est occupée par une autre opération : rien n'a été enregistré. "
            "Réessayez dans un instant."
        )


class NotHabilitated(RorError):
    def __init__(self, email: str | None) -> None:
        who = f"Votre adresse {email} n'est rattachée" if email else "Votre compte n'est rattaché"
        super().__init__(
            f"{who} à aucun groupe d'habilitation ROR : vous ne pouvez pas encore utiliser ce service. "
            f"Pour demander un accès, écrivez à l'équipe du programme ROR à l'ANS ({ACCESS_REQUEST_ADDRESS}) "
            "en précisant le périmètre souhaité (une ou plusieurs régions, ou national), les adresses e-mail "
            "des personnes à habiliter et si des collègues ont déjà un accès (pour rejoindre le même groupe)."
        )
        self.email = email


class InvalidIdentifier(RorError):
    """An identifier that cannot be right, whatever the directory holds. `field` names the input."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class ResourceNotFound(RorError):
    def __init__(self, field: str, kind: Labelled, resource_id: str) -> None:
        noun = {"Structure": "Aucune structure", "Offre": "Aucune offre"}.get(
            kind.value, "Aucun professionnel"
        )
        super().__init__(f"{noun} d'identifiant {resource_id} n'est accessible dans votre périmètre.")
        self.field = field
        self.kind = kind
        self.resource_id = resource_id


class EmptyDirectory(ResourceNotFound):
    """Nothing can be found because nothing was loaded yet: say so, and how to load it."""

    def __init__(self, field: str, kind: Labelled, resource_id: str) -> None:
        RorError.__init__(
            self,
            "L'annuaire des ressources est vide : aucune structure, offre ni professionnel de santé n'y est "
            "encore chargé. Un opérateur doit le charger avec « ror-bot directory demo » (annuaire de "
            "démonstration), « ror-bot directory import FICHIER » (ressources FHIR du ROR) ou "
            "« ror-bot directory sync » (depuis le ROR national).",
        )
        self.field = field
        self.kind = kind
        self.resource_id = resource_id


class OfferNotInStructure(RorError):
    def __init__(self, offer_id: str, structure_id: str) -> None:
        super().__init__(f"L'offre {offer_id} n'appartient pas à la structure {structure_id}.")
        self.field = "offre"


class AnomalyNotFound(RorError):
    def __init__(self, reference: str) -> None:
        super().__init__(f"Aucune anomalie {reference} n'est accessible dans votre périmètre.")
        self.reference = reference


class InvalidReference(RorError):
    def __init__(self, text: str) -> None:
        super().__init__(
            f"« {text} » n'est pas une référence d'anomalie : attendu ANO_ suivi de 12 chiffres "
            "(par exemple ANO_100000000909)."
        )


class InvalidText(RorError):
    """A text to store is too long for its field or holds a control character (domain.text)."""


class InvalidDeclaration(RorError):
    """Per-field problems of a declaration; keys are field names (`structure`, `offre`, `donnees`,
    or `description:<data item label>`)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(" ".join(errors.values()))
        self.errors = dict(errors)


class InvalidFilter(RorError):
    pass


class TransitionRefused(RorError):
    def __init__(self, reference: str, current: Labelled, target: Labelled, reason: str = "") -> None:
        detail = f" {reason}" if reason else ""
        super().__init__(
            f"L'anomalie {reference} est au statut « {current.label} » : "
            f"elle ne peut pas passer au statut « {target.label} ».{detail}"
        )
        self.reference = reference
        self.current = current
        self.target = target


class UnknownDataItem(RorError):
    def __init__(self, label: str, kind: Labelled | None) -> None:
        where = f" pour une ressource de type {kind.label}" if kind is not None else ""
        super().__init__(f"« {label} » n'est pas une donnée pouvant être déclarée en anomalie{where}.")


class UnknownResourceKind(RorError):
    def __init__(self, text: str) -> None:
        super().__init__(
            f"« {text} » n'est pas un type de ressource : valeurs possibles structure, offre, ps."
        )


class UnknownStatus(RorError):
    def __init__(self, text: str) -> None:
        super().__init__(
            f"« {text} » n'est pas un statut d'anomalie : utilisez un code (01 à 11), un libellé "
            "ou un mot-clé comme bloquee, ouverte, fermee, envoyee, corrigee."
        )


class UnknownGroup(RorError):
    def __init__(self, name: str) -> None:
        super().__init__(f"Aucun groupe d'habilitation ne s'appelle « {name} ».")


class GroupAlreadyExists(RorError):
    def __init__(self, name: str) -> None:
        super().__init__(f"Le groupe d'habilitation « {name} » existe déjà.")


class InvalidGroupName(RorError):
    def __init__(self) -> None:
        super().__init__("Donnez un nom au groupe d'habilitation (par exemple le nom de l'éditeur).")


class MemberAlreadyInGroup(RorError):
    def __init__(self, email: str, group: str) -> None:
        super().__init__(f"{email} est déjà membre du groupe « {group} ».")


class InvalidPerimeter(RorError):
    pass


class InvalidEmail(RorError):
    def __init__(self, text: str) -> None:
        super().__init__(f"« {text} » n'est pas une adresse e-mail valide.")


class NotRecipient(RorError):
    def __init__(self, reference: str) -> None:
        super().__init__(f"Vous n'êtes pas le destinataire de l'anomalie {reference}.")


class RecipientOnlyWhenSending(RorError):
    """An operator names a recipient with a move that does not send the anomaly to one."""

    def __init__(self, target: Labelled) -> None:
        super().__init__(
            "Un destinataire ne se désigne qu'avec l'envoi au destinataire (statut « 05 Envoyée au "
            f"destinataire ») : pas avec le passage au statut « {target.value} {target.label} »."
        )
        self.target = target


class InvalidSubscription(RorError):
    pass


class SubscriptionNotFound(RorError):
    """No subscription of this channel has this number (its id, which never changes); `existing` are the
    numbers it has, so the user can pick the right one."""

    def __init__(self, number: int | str, existing: Sequence[int] = ()) -> None:
        if existing:
            known = ", ".join(f"n° {n}" for n in existing)
            where = f"Ses abonnements : {known} (détails : /ror abonnements)."
        else:
            where = "Ce canal n'a aucun abonnement."
        super().__init__(f"L'abonnement n° {number} n'existe pas ou plus dans ce canal. {where}")
        self.number = number


class SubscriptionOfAnotherPerimeter(RorError):
    """A member whose perimeter does not cover a channel's subscription tries to change, remove or post it."""

    def __init__(self, number: int) -> None:
        super().__init__(
            f"L'abonnement n° {number} relève d'un autre périmètre que le vôtre : seuls les membres dont le "
            "périmètre le couvre peuvent le supprimer ou publier son récapitulatif."
        )
        self.number = number


class RorNationalError(RorError):
    """The ROR national (its FHIR API) could not do what was asked; `message` says why, in French."""


class RorNationalUnavailable(RorNationalError):
    """Down, slow, overloaded or unreachable: nothing was refused, try again later (after
    `retry_after` seconds when the ROR said so)."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RorNationalRefused(RorNationalError):
    """The ROR national answered and refused (4xx): retrying the same request will not help.
    `reason` is the ROR's own text (OperationOutcome), `status_code` its HTTP status."""

    def __init__(self, message: str, *, status_code: int, reason: str = "") -> None:
        super().__init__(message)
        self.status_code = status_code
        self.reason = reason


class RorNationalVersionConflict(RorNationalRefused):
    """The Task changed since the version we named (HTTP 409/412): read it again, then decide."""


class RorNationalNotFound(RorNationalRefused):
    """The ROR national has no such Task (HTTP 404/410)."""


class RorNationalAuthenticationRefused(RorNationalError):
    """Our credentials or configuration are refused (bad secret, certificate refused, token refused even
    after renewal, untrusted server certificate): an operator must act; retrying will not help."""


def _without_retry_note(message: str) -> str:
    """The adapter's lines end with « : nouvel essai plus tard. » (background retries): not for a user who
    is told what to do next."""
    text = message.removesuffix(".").removesuffix(" : nouvel essai plus tard").removesuffix(".")
    return text[:1].lower() + text[1:]


class CancellationQueued(RorError):
    """Connected mode: the ROR national could not take the cancellation now; it waits in the journal and
    the anomaly keeps its status until the ROR accepts it."""

    def __init__(self, reference: str, cause: str = "") -> None:
        why = f" ({_without_retry_note(cause)})" if cause else ""
        super().__init__(
            f"L'annulation de l'anomalie {reference} est en attente d'envoi au ROR national{why} : elle sera "
            "envoyée automatiquement, et le statut changera dès qu'il l'aura acceptée."
        )
        self.reference = reference


class RorCancellationRefused(RorError):
    """Connected mode: the ROR national refused to cancel; its reason is shown, not hidden."""

    def __init__(self, reference: str, reason: str) -> None:
        super().__init__(
            f"Le ROR national a refusé l'annulation de l'anomalie {reference} : {reason.rstrip('.')}. "
            "Son statut est inchangé."
        )
        self.reference = reference
        self.reason = reason


class DirectoryUnreachable(RorError):
    """A resource our directory does not hold yet could not be looked up in the ROR national's directory
    (down, slow, refused): unlike « inconnu », the resource may well exist."""

    def __init__(self, kind: Labelled, resource_id: str, cause: RorError) -> None:
        noun = {"Structure": "La structure", "Offre": "L'offre"}.get(kind.value, "Le professionnel")
        super().__init__(
            f"{noun} {resource_id} n'est pas encore dans notre annuaire et l'annuaire du ROR national n'a pas "
            f"pu être consulté ({_without_retry_note(cause.message)}) : réessayez dans un instant."
        )
        self.kind = kind
        self.resource_id = resource_id
        self.cause = cause


class DirectorySyncInterrupted(RorNationalError):
    """The directory pull stopped part-way because the ROR national failed. The pages already read are
    stored (each whole), the watermark has not moved: the next pull reads the same changes again."""

    def __init__(self, cause: RorError, pages: int, stored: int) -> None:
        done = (
            f"{pages} page{'s' if pages > 1 else ''} déjà enregistrée{'s' if pages > 1 else ''} "
            f"({stored} ressource{'s' if stored > 1 else ''} créée{'s' if stored > 1 else ''} ou mise"
            f"{'s' if stored > 1 else ''} à jour)"
            if pages
            else "rien n'a été enregistré"
        )
        super().__init__(
            f"Synchronisation de l'annuaire interrompue : {_without_retry_note(cause.message)} ; {done}, "
            "repère inchangé (la prochaine synchronisation reprendra ces changements)."
        )
        self.cause = cause
        self.pages = pages
        self.stored = stored


class RorSyncInterrupted(RorNationalError):
    """The pull of Tasks stopped part-way because the ROR national failed. The pages already read are
    stored (each whole), the watermark of the pull cut short has not moved: the next sync reads the same
    changes again (recognised by Task id + version, so nothing is imported twice)."""

    def __init__(self, cause: RorError, pages: int, stored: int) -> None:
        done = (
            f"{pages} page{'s' if pages > 1 else ''} déjà enregistrée{'s' if pages > 1 else ''} "
            f"({stored} anomalie{'s' if stored > 1 else ''} importée{'s' if stored > 1 else ''} ou mise"
            f"{'s' if stored > 1 else ''} à jour)"
            if pages
            else "rien n'a été enregistré"
        )
        super().__init__(
            f"Synchronisation des anomalies interrompue : {_without_retry_note(cause.message)} ; {done}, "
            "repère inchangé (la prochaine synchronisation reprendra ces changements)."
        )
        self.cause = cause
        self.pages = pages
        self.stored = stored


class UnreadableDirectoryResource(RorError):
    """The ROR national described the resource asked for, but the directory importer refused it."""

    def __init__(self, resource_id: str, reason: str) -> None:
        super().__init__(
            f"Le ROR national décrit la ressource {resource_id}, mais sa description n'a pas pu être lue : {reason}"
        )
        self.resource_id = resource_id
        self.reason = reason
