"""replay keys: the Slack requests already acted on, so a replayed request changes nothing

Revision ID: 0004
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "replay_keys",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_replay_keys_expires", "replay_keys", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_replay_keys_expires", table_name="replay_keys")
    op.drop_table("replay_keys")
