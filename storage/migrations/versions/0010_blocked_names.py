"""blocked anomalies by name: a partial index for the digests' « bloquées » count of a name search

A digest filtering on a name (`nom=centre de santé`) counts the blocked anomalies of every matching name,
thousands of them. Probing the name index read every anomaly of those names (about 25 ms at a million
anomalies); this index holds only the blocked ones (storage.models.anomalies.BLOCKED_CONDITION), so each
probe finds a few entries. Same index on both databases.

Revision ID: 0010
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out here, not imported: a migration keeps the schema of its day.
CONDITION = "status IN ('04', '11')"


def upgrade() -> None:
    op.create_index(
        "ix_anomalies_blocked_name",
        "anomalies",
        ["name_id", "status", "region"],
        postgresql_where=sa.text(CONDITION),
        sqlite_where=sa.text(CONDITION),
    )


def downgrade() -> None:
    op.drop_index("ix_anomalies_blocked_name", table_name="anomalies")
