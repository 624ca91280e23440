"""ror national: each anomaly's Task on the ROR national, and the journal of what is still to be sent

Revision ID: 0007
Revises: 0004

Connected mode (issue 8). `anomalies` gains the Task's technical id, version and functional identifier
as the ROR returned them, and `ror_state` (pending / sent / refused; NULL in standalone mode).
`ror_journal` holds the operations still to be sent (POST of a declaration, PATCH of a status), with
their attempts, next attempt time (Retry-After honoured) and a lease, like the outbox.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN and a unique index, not batch_alter_table: on SQLite a batch copies and drops
    # `anomalies`, which the history and the journal reference (FOREIGN KEY constraint failed on any
    # database that already holds anomalies).
    op.add_column("anomalies", sa.Column("ror_task_id", sa.String(length=64), nullable=True))
    op.add_column("anomalies", sa.Column("ror_version", sa.String(length=64), nullable=True))
    op.add_column("anomalies", sa.Column("ror_reference", sa.String(length=200), nullable=True))
    op.add_column("anomalies", sa.Column("ror_identifier_system", sa.String(length=200), nullable=True))
    op.add_column("anomalies", sa.Column("ror_state", sa.String(length=16), nullable=True))
    op.create_index("uq_anomalies_ror_task_id", "anomalies", ["ror_task_id"], unique=True)
    op.create_index("ix_anomalies_ror_reference", "anomalies", ["ror_reference"])
    op.create_table(
        "ror_journal",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("anomaly_number", sa.BigInteger(), nullable=False),
        sa.Column("operation", sa.String(length=16), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["anomaly_number"], ["anomalies.number"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_ror_journal_due", "ror_journal", ["state", "next_attempt_at"])
    op.create_index("ix_ror_journal_anomaly", "ror_journal", ["anomaly_number"])


def downgrade() -> None:
    op.drop_index("ix_ror_journal_anomaly", table_name="ror_journal")
    op.drop_index("ix_ror_journal_due", table_name="ror_journal")
    op.drop_table("ror_journal")
    op.drop_index("ix_anomalies_ror_reference", table_name="anomalies")
    op.drop_index("uq_anomalies_ror_task_id", table_name="anomalies")
    for column in ("ror_state", "ror_identifier_system", "ror_reference", "ror_version", "ror_task_id"):
        op.drop_column("anomalies", column)
