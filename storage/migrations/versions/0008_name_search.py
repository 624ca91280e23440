"""name search on SQLite: an FTS5 trigram index over the dictionary of folded structure names

`nom=` looks for names containing a text. PostgreSQL answers it from a pg_trgm GIN index (0001); SQLite
had to scan every distinct name. This adds an external-content FTS5 table with the trigram tokenizer over
anomaly_names, kept in step by triggers, so SQLite finds the names containing a text of three characters
or more through the index (storage.conditions). Nothing changes on PostgreSQL.

Revision ID: 0008
Revises: 0009
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_UPGRADE = (
    "CREATE VIRTUAL TABLE anomaly_names_fts USING fts5("
    "folded, content='anomaly_names', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER anomaly_names_fts_insert AFTER INSERT ON anomaly_names BEGIN "
    "INSERT INTO anomaly_names_fts (rowid, folded) VALUES (new.id, new.folded); END",
    "CREATE TRIGGER anomaly_names_fts_delete AFTER DELETE ON anomaly_names BEGIN "
    "INSERT INTO anomaly_names_fts (anomaly_names_fts, rowid, folded) VALUES ('delete', old.id, old.folded); END",
    "CREATE TRIGGER anomaly_names_fts_update AFTER UPDATE ON anomaly_names BEGIN "
    "INSERT INTO anomaly_names_fts (anomaly_names_fts, rowid, folded) VALUES ('delete', old.id, old.folded); "
    "INSERT INTO anomaly_names_fts (rowid, folded) VALUES (new.id, new.folded); END",
    "INSERT INTO anomaly_names_fts (anomaly_names_fts) VALUES ('rebuild')",
)
SQLITE_DOWNGRADE = (
    "DROP TRIGGER IF EXISTS anomaly_names_fts_update",
    "DROP TRIGGER IF EXISTS anomaly_names_fts_delete",
    "DROP TRIGGER IF EXISTS anomaly_names_fts_insert",
    "DROP TABLE IF EXISTS anomaly_names_fts",
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_UPGRADE:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_DOWNGRADE:
            op.execute(statement)
