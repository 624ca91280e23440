"""PostgreSQL plans a sync's statements on fresh statistics, and looks names up through their B-tree."""

from sqlalchemy import text

from storage import Store
from storage.repositories import anomalies as repository
from tests.builders import narbonne


def modified_since_analysis(store: Store) -> int:
    with store.engine.connect() as connection:
        return int(
            connection.scalar(
                text("SELECT n_mod_since_analyze FROM pg_stat_user_tables WHERE relname = 'anomalies'")
            )
        )


def test_a_table_grown_past_the_margin_since_its_statistics_is_analysed_once(postgres_store: Store) -> None:
    with postgres_store.engine.begin() as connection:
        connection.execute(text("ANALYZE anomalies"))
    with postgres_store.uow() as uow:
        uow.directory.upsert(narbonne())
        uow.commit()
    with postgres_store.engine.begin() as connection:
        # 1,500 rows written straight, as a sync's pages would, then this backend's counts made visible.
        connection.execute(
            text(
                "INSERT INTO anomaly_names (id, folded) VALUES (999001, 'bench') ON CONFLICT DO NOTHING;"
                "INSERT INTO anomalies (number, status, kind, resource_id, structure_name, "
                "structure_name_folded, name_id, data_item, present_value, description, thematique, action, "
                "fhir_path, declaring_system, declarant_id, created_at, updated_at) "
                "SELECT n, '01', 'Structure', '1110000056', 'X', 'x', 999001, 'Tarifs', '', 'd', '01', "
                "'MOD', 'p', 's', 'd', now(), now() FROM generate_series(900000000001, 900000001500) n"
            )
        )
    with postgres_store.engine.begin() as connection:
        connection.execute(text("SELECT pg_stat_force_next_flush()"))
    with postgres_store.engine.begin() as connection:
        connection.execute(text("SELECT pg_stat_force_next_flush()"))
    assert modified_since_analysis(postgres_store) >= 1500

    with postgres_store.engine.begin() as connection:
        repository._keep_statistics_fresh(connection)
    assert modified_since_analysis(postgres_store) == 0


def test_looking_up_many_names_leaves_bitmap_scans_as_they_were(postgres_store: Store) -> None:
    names = [f"structure {n}" for n in range(repository.MANY_NAMES + 4)]
    with postgres_store.engine.begin() as connection:
        found = repository._look_up_names(connection, names)
        setting = connection.scalar(text("SHOW enable_bitmapscan"))
    assert found == {}
    assert setting == "on"
