"""Pointing the ROR national client at the in-process stand-in (tests/integration)."""

from datetime import UTC, datetime
from typing import Any

from devtools.ror_standin import RorStandIn
from domain.catalogue import ResourceKind, data_item
from domain.rornational import TaskDraft
from rornational.config import RorConnection, RorHeaders

DECLARANT = "0f8fad5b-d9cb-469f-a165-70867728950e"


def connection_to(standin: RorStandIn, **changes: Any) -> RorConnection:
    expected = standin.expected_headers
    values: dict[str, Any] = {
        "anomalies_url": standin.anomalies_url,
        "fhir_url": standin.fhir_url,
        "auth_url": standin.auth_url,
        "client_id": standin.client_id,
        "client_secret": standin.client_secret,
        "headers": RorHeaders(
            profil_utilisateur_code=expected["Ror-Profil-Utilisateur-Code"],
            profil_utilisateur_system=expected["Ror-Profil-Utilisateur-System"],
            role_metier_code=expected["Ror-Role-Metier-Code"],
            role_metier_system=expected["Ror-Role-Metier-System"],
        ),
        "connect_timeout": 2.0,
        "read_timeout": 5.0,
    }
    return RorConnection(**{**values, **changes})


def a_draft(
    label: str = "Adresse établissement",
    *,
    kind: ResourceKind = ResourceKind.STRUCTURE,
    resource_id: str = "1110000056",
    description: str = "Le numéro de rue manque",
    authored_on: datetime | None = None,
) -> TaskDraft:
    return TaskDraft.for_item(
        data_item(kind, label),
        resource_id=resource_id,
        present_value="Boulevard Dr Lacroix 11100 NARBONNE",
        description=description,
        declaring_system="Bot Slack ROR Anomalies",
        declarant_id=DECLARANT,
        authored_on=authored_on or datetime(2026, 1, 15, 9, 30, 12, tzinfo=UTC),
    )
