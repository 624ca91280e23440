"""The tables, one module per part of the schema; everything is importable from here."""

from storage.models.anomalies import (
    FIRST_REFERENCE_NUMBER,
    REFERENCE_SEQUENCE,
    AnomalyCountRow,
    AnomalyNameRow,
    AnomalyRow,
    DeclarationRow,
    HistoryRow,
    ReferenceCounterRow,
)
from storage.models.base import Base
from storage.models.directory import DirectorySyncRow, ResourceRow
from storage.models.groups import GroupRow, MemberRow
from storage.models.imports import ImportKeyRow
from storage.models.outbox import OutboxRow
from storage.models.replays import ReplayKeyRow
from storage.models.ror_journal import RorJournalRow
from storage.models.subscriptions import DigestRunRow, SubscriptionRow

__all__ = [
    "FIRST_REFERENCE_NUMBER",
    "REFERENCE_SEQUENCE",
    "AnomalyCountRow",
    "AnomalyNameRow",
    "AnomalyRow",
    "Base",
    "DeclarationRow",
    "DigestRunRow",
    "DirectorySyncRow",
    "GroupRow",
    "HistoryRow",
    "ImportKeyRow",
    "MemberRow",
    "OutboxRow",
    "ReferenceCounterRow",
    "ReplayKeyRow",
    "ResourceRow",
    "RorJournalRow",
    "SubscriptionRow",
]
