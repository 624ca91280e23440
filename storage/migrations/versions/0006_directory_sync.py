"""directory: the identifier system of each resource, and the watermark of the directory sync

Revision ID: 0006
Revises: 0003

`identifier_system` is written as a declared Task's `focus.identifier.system`; structures already loaded
get the ID National Structure's system, offers and professionals get theirs at their next import or sync.
`directory_sync` keeps, per directory base, the latest `meta.lastUpdated` a complete pull saw, as the
server wrote it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STRUCTURE_ID_SYSTEM = "urn:oid:1.2.250.1.71.4.2.2"


def upgrade() -> None:
    with op.batch_alter_table("directory_resources") as batch:
        batch.add_column(sa.Column("identifier_system", sa.String(length=200), nullable=True))
    op.execute(
        sa.text(
            "UPDATE directory_resources SET identifier_system = :system WHERE kind = 'Structure'"
        ).bindparams(system=STRUCTURE_ID_SYSTEM)
    )
    op.create_table(
        "directory_sync",
        sa.Column("origin", sa.String(length=500), nullable=False),
        sa.Column("watermark", sa.String(length=64), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("origin"),
    )


def downgrade() -> None:
    op.drop_table("directory_sync")
    with op.batch_alter_table("directory_resources") as batch:
        batch.drop_column("identifier_system")
