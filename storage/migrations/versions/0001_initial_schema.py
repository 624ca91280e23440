"""initial schema

Revision ID: 0001
Revises:
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

FIRST_REFERENCE_NUMBER = 100_000_000_001
REFERENCE_SEQUENCE = "anomaly_reference_seq"


revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        # Trigram index of anomaly_names: "name contains" without scanning (issue 5).
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_table(
        "anomalies",
        sa.Column("number", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("status", sa.String(length=2), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("resource_id", sa.String(length=40), nullable=False),
        sa.Column("structure_id", sa.String(length=40), nullable=True),
        sa.Column("structure_name", sa.String(length=500), nullable=False),
        sa.Column("structure_name_folded", sa.String(length=500), nullable=False),
        sa.Column("name_id", sa.Integer(), nullable=False),
        sa.Column("offer_name", sa.String(length=500), nullable=True),
        sa.Column("region", sa.String(length=2), nullable=True),
        sa.Column("departement", sa.String(length=3), nullable=True),
        sa.Column("data_item", sa.String(length=100), nullable=False),
        sa.Column("present_value", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("thematique", sa.String(length=2), nullable=False),
        sa.Column("action", sa.String(length=3), nullable=False),
        sa.Column("fhir_path", sa.Text(), nullable=False),
        sa.Column("rule", sa.String(length=100), nullable=True),
        sa.Column("proposed_value", sa.Text(), nullable=True),
        sa.Column("declaring_system", sa.String(length=200), nullable=False),
        sa.Column("declarant_id", sa.String(length=36), nullable=False),
        sa.Column("declarant_email", sa.String(length=320), nullable=True),
        sa.Column("group_name", sa.String(length=200), nullable=True),
        sa.Column("recipient", sa.String(length=320), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("number"),
    )
    with op.batch_alter_table("anomalies", schema=None) as batch_op:
        batch_op.create_index(
            "ix_anomalies_dep_updated",
            ["departement", "updated_at", "number", "status", "kind", "data_item", "region", "name_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_anomalies_item_updated", ["data_item", "updated_at", "number"], unique=False
        )
        batch_op.create_index(
            "ix_anomalies_name_updated",
            ["name_id", "updated_at", "number", "status", "region", "departement", "kind", "data_item"],
            unique=False,
        )
        batch_op.create_index("ix_anomalies_region_updated", ["region", "updated_at", "number"], unique=False)
        batch_op.create_index("ix_anomalies_resource", ["resource_id", "status"], unique=False)
        batch_op.create_index("ix_anomalies_status_updated", ["status", "updated_at", "number"], unique=False)
        batch_op.create_index("ix_anomalies_updated", ["updated_at", "number"], unique=False)

    op.create_table(
        "anomaly_names",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("folded", sa.String(length=500), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("folded"),
    )
    if bind.dialect.name == "postgresql":
        op.create_index(
            "ix_anomaly_names_trgm",
            "anomaly_names",
            ["folded"],
            postgresql_using="gin",
            postgresql_ops={"folded": "gin_trgm_ops"},
        )
    op.create_table(
        "anomaly_counts",
        sa.Column("region", sa.String(length=2), nullable=False),
        sa.Column("departement", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=2), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("data_item", sa.String(length=100), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("region", "departement", "status", "kind", "data_item"),
    )
    op.create_index("ix_anomaly_counts_dep", "anomaly_counts", ["departement", "status"])
    op.create_index("ix_anomaly_counts_status", "anomaly_counts", ["status"])
    op.create_table(
        "declarations",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("references", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "directory_resources",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("resource_id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("structure_id", sa.String(length=40), nullable=True),
        sa.Column("structure_name", sa.String(length=500), nullable=False),
        sa.Column("offer_name", sa.String(length=500), nullable=True),
        sa.Column("region", sa.String(length=2), nullable=True),
        sa.Column("departement", sa.String(length=3), nullable=True),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "resource_id", name="uq_resource_kind_id"),
    )
    with op.batch_alter_table("directory_resources", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_directory_resources_resource_id"), ["resource_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_directory_resources_structure_id"), ["structure_id"], unique=False
        )

    op.create_table(
        "habilitation_groups",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("national", sa.Boolean(), nullable=False),
        sa.Column("regions", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "outbox",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("kind", sa.String(length=50), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_pending", ["delivered_at", "next_attempt_at"], unique=False)

    op.create_table(
        "reference_counter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("next_value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "anomaly_history",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("anomaly_number", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("previous", sa.String(length=2), nullable=True),
        sa.Column("status", sa.String(length=2), nullable=False),
        sa.Column("actor", sa.String(length=320), nullable=False),
        sa.Column("role", sa.String(length=1), nullable=False),
        sa.Column("system", sa.String(length=200), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["anomaly_number"],
            ["anomalies.number"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("anomaly_history", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_anomaly_history_anomaly_number"), ["anomaly_number"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_anomaly_history_at"), ["at"], unique=False)

    op.create_table(
        "habilitation_members",
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["habilitation_groups.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("email"),
    )
    with op.batch_alter_table("habilitation_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_habilitation_members_group_id"), ["group_id"], unique=False)
    if bind.dialect.name == "postgresql":
        op.execute(sa.schema.CreateSequence(sa.Sequence(REFERENCE_SEQUENCE, start=FIRST_REFERENCE_NUMBER)))
    counter = sa.table(
        "reference_counter", sa.column("id", sa.Integer), sa.column("next_value", sa.BigInteger)
    )
    op.bulk_insert(counter, [{"id": 1, "next_value": FIRST_REFERENCE_NUMBER}])


def downgrade() -> None:
    with op.batch_alter_table("habilitation_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_habilitation_members_group_id"))

    op.drop_table("habilitation_members")
    with op.batch_alter_table("anomaly_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_anomaly_history_at"))
        batch_op.drop_index(batch_op.f("ix_anomaly_history_anomaly_number"))

    op.drop_table("anomaly_history")
    op.drop_table("reference_counter")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_pending")

    op.drop_table("outbox")
    op.drop_table("habilitation_groups")
    with op.batch_alter_table("directory_resources", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_directory_resources_structure_id"))
        batch_op.drop_index(batch_op.f("ix_directory_resources_resource_id"))

    op.drop_table("directory_resources")
    op.drop_table("declarations")
    op.drop_index("ix_anomaly_counts_status", table_name="anomaly_counts")
    op.drop_index("ix_anomaly_counts_dep", table_name="anomaly_counts")
    op.drop_table("anomaly_counts")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_anomaly_names_trgm", table_name="anomaly_names")
    op.drop_table("anomaly_names")
    with op.batch_alter_table("anomalies", schema=None) as batch_op:
        batch_op.drop_index("ix_anomalies_updated")
        batch_op.drop_index("ix_anomalies_status_updated")
        batch_op.drop_index("ix_anomalies_resource")
        batch_op.drop_index("ix_anomalies_region_updated")
        batch_op.drop_index("ix_anomalies_name_updated")
        batch_op.drop_index("ix_anomalies_item_updated")
        batch_op.drop_index("ix_anomalies_dep_updated")

    op.drop_table("anomalies")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(sa.schema.DropSequence(sa.Sequence(REFERENCE_SEQUENCE)))
