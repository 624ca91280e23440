"""Tables. Anomalies are keyed by their reference number, so a reference prefix is a key range.

Performance at national scale (issue 5, BENCHMARKS.md): every listing index ends with the newest-first
order (updated_at, number), names are searched in a small dictionary of folded names (anomaly_names,
trigram-indexed on PostgreSQL) rather than in a million rows, and totals that only depend on région,
département, statut, ressource and donnée are read from anomaly_counts, kept up to date by the
repository in the transaction that changes an anomaly."""

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from domain.statuses import BLOCKED
from storage.models.base import Base
from storage.types import UtcDateTime

# The blocked anomalies, written out: a partial index is used only by statements that state its condition
# (storage.conditions adds it, as literal SQL, to name searches within the blocked statuses).
BLOCKED_CONDITION = "status IN ({})".format(", ".join(f"'{status.value}'" for status in sorted(BLOCKED)))


class AnomalyRow(Base):
    __tablename__ = "anomalies"
    __table_args__ = (
        # Listing is always "newest modification first" within the perimeter's regions.
        Index("ix_anomalies_updated", "updated_at", "number"),
        Index("ix_anomalies_region_updated", "region", "updated_at", "number"),
        Index("ix_anomalies_status_updated", "status", "updated_at", "number"),
        # The narrowest usual criterion; its tail lets combined filters be checked inside the index.
        Index(
            "ix_anomalies_dep_updated",
            "departement",
            "updated_at",
            "number",
            "status",
            "kind",
            "data_item",
            "region",
            "name_id",
        ),
        Index("ix_anomalies_resource", "resource_id", "status"),
        # Connected mode: a Task is found by its id (sync) and the ROR's reference finds its anomaly.
        Index("uq_anomalies_ror_task_id", "ror_task_id", unique=True),
        Index("ix_anomalies_ror_reference", "ror_reference"),
        Index("ix_anomalies_item_updated", "data_item", "updated_at", "number"),
        # Name search: the tail checks status, place and item inside the index (digests, combined filters).
        Index(
            "ix_anomalies_name_updated",
            "name_id",
            "updated_at",
            "number",
            "status",
            "region",
            "departement",
            "kind",
            "data_item",
        ),
        # The blocked anomalies of the names a search found (a digest's « bloquées » count for `nom=`):
        # thousands of names probe this small index, a few entries each, instead of every anomaly of
        # those names in ix_anomalies_name_updated.
        Index(
            "ix_anomalies_blocked_name",
            "name_id",
            "status",
            "region",
            postgresql_where=text(BLOCKED_CONDITION),
            sqlite_where=text(BLOCKED_CONDITION),
        ),
    )

    number: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    status: Mapped[str] = mapped_column(String(2))
    kind: Mapped[str] = mapped_column(String(32))
    resource_id: Mapped[str] = mapped_column(String(40))
    structure_id: Mapped[str | None] = mapped_column(String(40))
    structure_name: Mapped[str] = mapped_column(String(500))
    # Case- and accent-folded name, so "contains" needs no per-row function.
    structure_name_folded: Mapped[str] = mapped_column(String(500))
    # The same folded name's entry in anomaly_names: "contains" searches the dictionary, then this key.
    name_id: Mapped[int] = mapped_column(Integer)
    offer_name: Mapped[str | None] = mapped_column(String(500))
    region: Mapped[str | None] = mapped_column(String(2))
    departement: Mapped[str | None] = mapped_column(String(3))
    data_item: Mapped[str] = mapped_column(String(100))
    present_value: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    thematique: Mapped[str] = mapped_column(String(2))
    action: Mapped[str] = mapped_column(String(3))
    fhir_path: Mapped[str] = mapped_column(Text)
    rule: Mapped[str | None] = mapped_column(String(100))
    proposed_value: Mapped[str | None] = mapped_column(Text)
    declaring_system: Mapped[str] = mapped_column(String(200))
    declarant_id: Mapped[str] = mapped_column(String(36))
    declarant_email: Mapped[str | None] = mapped_column(String(320))
    group_name: Mapped[str | None] = mapped_column(String(200))
    recipient: Mapped[str | None] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Connected mode (issue 8): the Task on the ROR national; NULL in standalone mode.
    ror_task_id: Mapped[str | None] = mapped_column(String(64))
    ror_version: Mapped[str | None] = mapped_column(String(64))
    ror_reference: Mapped[str | None] = mapped_column(String(200))
    ror_identifier_system: Mapped[str | None] = mapped_column(String(200))
    ror_state: Mapped[str | None] = mapped_column(String(16))


class AnomalyNameRow(Base):
    """Distinct folded structure names (about one per structure): a "contains" search scans these
    instead of every anomaly; PostgreSQL answers it from a trigram index."""

    __tablename__ = "anomaly_names"
    __table_args__ = (
        Index(
            "ix_anomaly_names_trgm",
            "folded",
            postgresql_using="gin",
            postgresql_ops={"folded": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    folded: Mapped[str] = mapped_column(String(500), unique=True)


class AnomalyCountRow(Base):
    """How many anomalies per (région, département, statut, ressource, donnée): totals and counts by
    status for filters on these columns only, without counting up to a million rows. '' stands for a
    missing région or département (keys must not be NULL). Kept exact by SqlAnomalies within the
    writing transaction; storage.maintenance rebuilds it after bulk loads."""

    __tablename__ = "anomaly_counts"
    __table_args__ = (
        Index("ix_anomaly_counts_dep", "departement", "status"),
        Index("ix_anomaly_counts_status", "status"),
    )

    region: Mapped[str] = mapped_column(String(2), primary_key=True)
    departement: Mapped[str] = mapped_column(String(3), primary_key=True)
    status: Mapped[str] = mapped_column(String(2), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    data_item: Mapped[str] = mapped_column(String(100), primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger)


class HistoryRow(Base):
    __tablename__ = "anomaly_history"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    anomaly_number: Mapped[int] = mapped_column(ForeignKey("anomalies.number"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    previous: Mapped[str | None] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(2))
    actor: Mapped[str] = mapped_column(String(320))
    role: Mapped[str] = mapped_column(String(1))
    system: Mapped[str] = mapped_column(String(200))
    comment: Mapped[str] = mapped_column(Text, default="")


class DeclarationRow(Base):
    __tablename__ = "declarations"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    references: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ReferenceCounterRow(Base):
    """SQLite has no sequences; its single writer makes a counter row just as safe."""

    __tablename__ = "reference_counter"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    next_value: Mapped[int] = mapped_column(BigInteger)


FIRST_REFERENCE_NUMBER = 100_000_000_001
REFERENCE_SEQUENCE = "anomaly_reference_seq"
