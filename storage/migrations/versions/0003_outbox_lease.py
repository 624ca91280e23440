"""outbox lease: claimed_until; attempts and last_error made truthful

Revision ID: 0003
Revises: 0002

Leases used to be written as failures (attempts + 1, last_error « livraison en cours »), so each try
counted twice and a lease hid the last real error. A lease is now its own column; existing rows get the
number of tries they really had and lose the lease note.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LEASE_NOTE = "livraison en cours"


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True))
    # Each try was a lease (+1) and, when it failed, a failure (+1).
    op.execute("UPDATE outbox SET attempts = (attempts + 1) / 2")
    op.execute(
        sa.text("UPDATE outbox SET last_error = NULL WHERE last_error = :note").bindparams(note=LEASE_NOTE)
    )


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("claimed_until")
