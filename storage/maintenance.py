"""Housekeeping of derived data: what a bulk load (benchmarks, imports) runs after writing anomaly rows
directly, and what an operator can run to check or repair the derived tables.

- anomaly_names: one row per distinct folded structure name; anomalies.name_id points into it;
- anomaly_counts: the number of anomalies per (région, département, statut, ressource, donnée).
"""

from sqlalchemy import Connection, text

COUNTS_FROM_ANOMALIES = (
    "SELECT COALESCE(region, ''), COALESCE(departement, ''), status, kind, data_item, count(*) "
    "FROM anomalies GROUP BY COALESCE(region, ''), COALESCE(departement, ''), status, kind, data_item"
)


def rebuild_derived_sql(dialect: str) -> list[str]:
    """Statements that recompute anomaly_names, anomalies.name_id and anomaly_counts from the rows."""
    analyze = ["ANALYZE anomaly_names", "ANALYZE anomaly_counts"] if dialect == "postgresql" else []
    return [
        "INSERT INTO anomaly_names (folded) SELECT DISTINCT a.structure_name_folded FROM anomalies a "
        "WHERE NOT EXISTS (SELECT 1 FROM anomaly_names n WHERE n.folded = a.structure_name_folded)",
        "UPDATE anomalies SET name_id = (SELECT id FROM anomaly_names WHERE folded = anomalies.structure_name_folded) "
        "WHERE NOT EXISTS (SELECT 1 FROM anomaly_names n WHERE n.id = anomalies.name_id)",
        *rebuild_counts_sql(),
        *analyze,
    ]


def rebuild_counts_sql() -> list[str]:
    return [
        "DELETE FROM anomaly_counts",
        f"INSERT INTO anomaly_counts (region, departement, status, kind, data_item, n) {COUNTS_FROM_ANOMALIES}",
    ]


def rebuild_derived(connection: Connection) -> None:
    """Inside the caller's transaction. On PostgreSQL writers wait while it runs (they apply their counter
    changes just before they commit, after the rebuild): the result is exact even with writers running.
    SQLite has one writer at a time anyway."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("LOCK TABLE anomaly_names, anomaly_counts IN SHARE ROW EXCLUSIVE MODE"))
    for statement in rebuild_derived_sql(connection.dialect.name):
        connection.execute(text(statement))


def counts_are_exact(connection: Connection) -> bool:
    """True when anomaly_counts holds exactly what counting the anomalies gives."""
    stored = set(
        connection.execute(
            text("SELECT region, departement, status, kind, data_item, n FROM anomaly_counts WHERE n <> 0")
        ).all()
    )
    counted = set(connection.execute(text(COUNTS_FROM_ANOMALIES)).all())
    return {tuple(r) for r in stored} == {tuple(r) for r in counted}
