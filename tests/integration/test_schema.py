"""The migrations build exactly the tables and indexes storage.models declares (they are edited together)."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from storage import Store
from storage.models import Base


def test_the_migrated_schema_is_the_one_the_models_declare(store: Store) -> None:
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        differences = compare_metadata(context, Base.metadata)
    # The trigram index exists on PostgreSQL only (ddl_if), as the migration creates it.
    if store.dialect != "postgresql":
        differences = [
            d for d in differences if not (d[0] == "add_index" and d[1].name == "ix_anomaly_names_trgm")
        ]
        # SQLite's FTS5 trigram table over anomaly_names (0008) and its shadow tables: SQLite only.
        differences = [
            d
            for d in differences
            if not (d[0] == "remove_table" and d[1].name.startswith("anomaly_names_fts"))
        ]
    assert differences == []
