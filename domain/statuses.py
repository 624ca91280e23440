"""Anomaly statuses (TRE_R352) and who may move an anomaly from one to another (SPEC §4)."""

from enum import StrEnum

from domain.errors import UnknownStatus
from domain.text import fold

NOS_SYSTEM = "https://mos.esante.gouv.fr/NOS/TRE_R352-StatutMetierAnomalie/FHIR/TRE-R352-StatutMetierAnomalie"


class Status(StrEnum):
    CREATED = "01"
    TO_PROCESS = "02"
    CANCELLED = "03"
    BLOCKED_NO_RECIPIENT = "04"
    SENT_TO_RECIPIENT = "05"
    TOLERATED_TEMPORARILY = "06"
    TOLERATED_PERMANENTLY = "07"
    CORRECTED = "08"
    REFUSED = "09"
    TO_CHECK = "10"
    BLOCKED_WRONG_RECIPIENT = "11"

    @property
    def code(self) -> str:
        return self.value

    @property
    def label(self) -> str:
        """Feminine label, as the ROR UI shows it."""
        return _LABELS[self][0]

    @property
    def nos_label(self) -> str:
        """Label of the NOS table (FHIR display)."""
        return _LABELS[self][1]

    @property
    def slug(self) -> str:
        return _LABELS[self][2]

    @property
    def is_final(self) -> bool:
        return self in FINAL

    @property
    def fhir_task_status(self) -> str:
        return _FHIR_TASK_STATUS.get(self, "in-progress")


_LABELS: dict[Status, tuple[str, str, str]] = {
    Status.CREATED: ("Créée", "Créé", "creee"),
    Status.TO_PROCESS: ("À traiter", "À traiter", "a_traiter"),
    Status.CANCELLED: ("Annulée", "Annulé", "annulee"),
    Status.BLOCKED_NO_RECIPIENT: (
        "Bloquée (destinataire manquant)",
        "Bloqué (destinataire manquant)",
        "bloquee_manquant",
    ),
    Status.SENT_TO_RECIPIENT: ("Envoyée au destinataire", "Envoyé au destinataire", "envoyee"),
    Status.TOLERATED_TEMPORARILY: (
        "Tolérée temporairement",
        "Toléré temporairement",
        "toleree_temporairement",
    ),
    Status.TOLERATED_PERMANENTLY: (
        "Tolérée définitivement",
        "Toléré définitivement",
        "toleree_definitivement",
    ),
    Status.CORRECTED: ("Corrigée", "Corrigé", "corrigee"),
    Status.REFUSED: ("Refusée", "Refusé", "refusee"),
    Status.TO_CHECK: ("À vérifier", "À vérifier", "a_verifier"),
    Status.BLOCKED_WRONG_RECIPIENT: (
        "Bloquée (destinataire erroné)",
        "Bloqué (destinataire erroné)",
        "bloquee_errone",
    ),
}

_FHIR_TASK_STATUS = {
    Status.CREATED: "requested",
    Status.TO_PROCESS: "in-progress",
    Status.CANCELLED: "cancelled",
    Status.BLOCKED_NO_RECIPIENT: "on-hold",
    Status.BLOCKED_WRONG_RECIPIENT: "on-hold",
    Status.TOLERATED_PERMANENTLY: "completed",
    Status.CORRECTED: "completed",
    Status.REFUSED: "rejected",
}

FINAL = frozenset({Status.CANCELLED, Status.TOLERATED_PERMANENTLY, Status.CORRECTED, Status.REFUSED})
BLOCKED = frozenset({Status.BLOCKED_NO_RECIPIENT, Status.BLOCKED_WRONG_RECIPIENT})
OPEN = frozenset(s for s in Status if s not in FINAL)

STATUS_GROUPS: dict[str, frozenset[Status]] = {
    "bloquee": BLOCKED,
    "bloquees": BLOCKED,
    "ouverte": OPEN,
    "ouvertes": OPEN,
    "fermee": FINAL,
    "fermees": FINAL,
}


def parse_status(text: str) -> frozenset[Status]:
    """A code (`04`, `4`), a label (either gender), a slug or a group, case and accents ignored."""
    wanted = fold(text).replace("-", "_")
    if wanted.isdigit() and len(wanted) <= 2:
        wanted = wanted.zfill(2)
    if wanted in STATUS_GROUPS:
        return STATUS_GROUPS[wanted]
    for status in Status:
        label, nos_label, slug = _LABELS[status]
        if wanted in (status.value, slug, fold(label), fold(nos_label), fold(label).replace(" ", "_")):
            return frozenset({status})
    raise UnknownStatus(text.strip())


class Role(StrEnum):
    """Who acts on an anomaly (SPEC §4 transition table)."""

    DECLARANT = "D"
    RECIPIENT = "R"
    OPERATOR = "O"
    SYSTEM = "S"


_D, _R, _O, _S = Role.DECLARANT, Role.RECIPIENT, Role.OPERATOR, Role.SYSTEM
_RECIPIENT_OUTCOMES = (
    Status.CORRECTED,
    Status.REFUSED,
    Status.TOLERATED_TEMPORARILY,
    Status.TOLERATED_PERMANENTLY,
    Status.BLOCKED_WRONG_RECIPIENT,
)


def _transitions() -> dict[tuple[Status, Status], frozenset[Role]]:
    table: dict[tuple[Status, Status], frozenset[Role]] = {}
    cancellable = (
        Status.CREATED,
        Status.TO_PROCESS,
        Status.BLOCKED_NO_RECIPIENT,
        Status.SENT_TO_RECIPIENT,
        Status.TOLERATED_TEMPORARILY,
        Status.TO_CHECK,
        Status.BLOCKED_WRONG_RECIPIENT,
    )
    for source in cancellable:
        table[(source, Status.CANCELLED)] = frozenset({_D, _O})
    for source in (Status.BLOCKED_NO_RECIPIENT, Status.BLOCKED_WRONG_RECIPIENT):
        table[(source, Status.SENT_TO_RECIPIENT)] = frozenset({_O, _S})
    table[(Status.TO_PROCESS, Status.SENT_TO_RECIPIENT)] = frozenset({_S})
    for source in (Status.SENT_TO_RECIPIENT, Status.TO_CHECK):
        for target in _RECIPIENT_OUTCOMES:
            table[(source, target)] = frozenset({_R, _O})
    table[(Status.SENT_TO_RECIPIENT, Status.TO_CHECK)] = frozenset({_R, _O})
    for target in (Status.CORRECTED, Status.TOLERATED_PERMANENTLY, Status.SENT_TO_RECIPIENT):
        table[(Status.TOLERATED_TEMPORARILY, target)] = frozenset({_R, _O})
    # Routing at creation is the system's own move.
    table[(Status.CREATED, Status.SENT_TO_RECIPIENT)] = frozenset({_S})
    table[(Status.CREATED, Status.BLOCKED_NO_RECIPIENT)] = frozenset({_S})
    return table


TRANSITIONS = _transitions()


def allowed_roles(source: Status, target: Status) -> frozenset[Role]:
    return TRANSITIONS.get((source, target), frozenset())


def targets_for(source: Status, role: Role) -> tuple[Status, ...]:
    """Statuses `role` may move an anomaly in `source` to, in code order."""
    return tuple(t for t in Status if role in allowed_roles(source, t))
