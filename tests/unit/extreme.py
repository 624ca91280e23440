"""Extreme data for the Slack view builders: the longest texts and the most items users can produce."""

from datetime import UTC, datetime, timedelta

from domain.anomaly import Anomaly, HistoryEntry
from domain.catalogue import Action, ResourceKind, Thematique, data_items_of
from domain.directory import Resource
from domain.services import ResourceCard
from domain.services.directory import PresentValue
from domain.statuses import Role, Status

HOSTILE = "<!channel> & <@U0PIRATE> <https://evil.example|cliquez ici> > fin"
NAME_100 = ("CENTRE HOSPITALIER INTERCOMMUNAL <!here> & " * 4)[:100]
DESCRIPTION_800 = (HOSTILE + " ") * 20
DESCRIPTION_800 = DESCRIPTION_800[:800]
NOW = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)


def hostile_anomaly(
    number: int = 100_000_000_909, *, status: Status = Status.BLOCKED_NO_RECIPIENT, history: int = 60
) -> Anomaly:
    entries = [
        HistoryEntry(
            NOW + timedelta(minutes=i),
            Status.CREATED if i else None,
            status,
            HOSTILE * 2,
            Role.DECLARANT,
            "Bot Slack ROR Anomalies",
            DESCRIPTION_800,
        )
        for i in range(history)
    ]
    return Anomaly(
        reference=f"ANO_{number:012d}",
        status=status,
        kind=ResourceKind.OFFRE,
        resource_id="91/11359",
        structure_id="1110000056",
        structure_name=NAME_100,
        offer_name=NAME_100,
        region="76",
        departement="11",
        data_item="Actes spécifiques hors cabinet",
        present_value=DESCRIPTION_800 * 3,
        description=DESCRIPTION_800,
        thematique=Thematique.EXACTITUDE,
        action=Action.CORRECTION,
        fhir_path="HealthcareService.telecom",
        declaring_system="Bot Slack ROR Anomalies " + HOSTILE,
        declarant_id="6f1c7c52-2f43-4d7e-9a55-0f5d8c1e2a71",
        created_at=NOW,
        updated_at=NOW + timedelta(hours=3),
        declarant_email="alice@editeur.fr",
        recipient=None,
        rule=HOSTILE,
        proposed_value=DESCRIPTION_800,
        history=entries,
    )


def hostile_offer() -> Resource:
    return Resource(
        kind=ResourceKind.OFFRE,
        resource_id="91/11359",
        name=NAME_100,
        structure_id="1110000056",
        structure_name=NAME_100,
        offer_name=NAME_100,
        region="76",
        departement="11",
        address=HOSTILE * 5,
        recipient="porteur@" + "x" * 90 + ".fr",
        data={item.label: DESCRIPTION_800 for item in data_items_of(ResourceKind.OFFRE)},
    )


def hostile_card() -> ResourceCard:
    offer = hostile_offer()
    values = tuple(
        PresentValue(item, offer.present_value(item.label)) for item in data_items_of(ResourceKind.OFFRE)
    )
    return ResourceCard(resource=offer, structure=None, open_anomalies=1_000_000, present_values=values)
