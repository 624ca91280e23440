"""One hierarchy of errors; each carries the French sentence shown to the user."""

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
    def __init__(self, number: int | str) -> None:
        super().__init__(f"Ce canal n'a pas d'abonnement n° {number}.")


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
