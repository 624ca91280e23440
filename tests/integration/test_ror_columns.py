"""Connected mode's columns (issue 8): an anomaly keeps its Task's id, version and reference, and is
found by either reference, or by its Task id."""

import pytest

from domain.anomaly import RorState
from domain.errors import AnomalyNotFound, InvalidReference
from domain.habilitation import Perimeter
from storage import Store
from tests.integration.test_storage import _declare, _seed


def _link(store: Store, reference: str, *, task_id: str, ror_reference: str | None) -> None:
    with store.uow() as uow:
        anomaly = uow.anomalies.get(reference, perimeter=None, for_update=True)
        anomaly.ror_task_id = task_id
        anomaly.ror_version = "3"
        anomaly.ror_reference = ror_reference
        anomaly.ror_identifier_system = "urn:oid:1.2.250.1.213.3.3.1" if ror_reference else None
        anomaly.ror_state = RorState.SENT
        uow.anomalies.save(anomaly)
        uow.commit()


def test_a_standalone_anomaly_has_no_task_and_shows_its_local_reference(store: Store) -> None:
    _seed(store)
    created = _declare(store)[0]

    with store.reader() as uow:
        anomaly = uow.anomalies.get(created.reference, perimeter=None)

    assert (anomaly.ror_task_id, anomaly.ror_reference, anomaly.ror_state) == (None, None, None)
    assert anomaly.shown_reference == created.reference


def test_the_task_fields_are_kept_and_both_references_find_the_anomaly(store: Store) -> None:
    _seed(store)
    created = _declare(store)[0]
    _link(store, created.reference, task_id="41", ror_reference="ANO_300000000041")

    with store.reader() as uow:
        by_local = uow.anomalies.get(created.reference, perimeter=None)
        by_ror = uow.anomalies.get("ANO_300000000041", perimeter=Perimeter.of_regions({"76"}))
        by_task = uow.anomalies.by_task_id("41")
        unknown_task = uow.anomalies.by_task_id("42")

    assert by_local.reference == by_ror.reference == created.reference
    assert by_task is not None
    assert by_task.reference == created.reference
    assert unknown_task is None
    assert (by_ror.ror_task_id, by_ror.ror_version, by_ror.ror_state) == ("41", "3", RorState.SENT)
    assert by_ror.ror_identifier_system == "urn:oid:1.2.250.1.213.3.3.1"
    assert by_ror.shown_reference == "ANO_300000000041"


def test_a_reference_of_another_form_than_ours_finds_the_anomaly_the_ror_gave_it(store: Store) -> None:
    _seed(store)
    created = _declare(store)[0]
    _link(store, created.reference, task_id="7", ror_reference="RORTASK-2026-7")

    with store.reader() as uow:
        found = uow.anomalies.get("RORTASK-2026-7", perimeter=None)
        with pytest.raises(InvalidReference):
            uow.anomalies.get("RORTASK-2026-8", perimeter=None)

    assert found.reference == created.reference


def test_the_ror_reference_is_refused_outside_the_perimeter(store: Store) -> None:
    _seed(store)
    created = _declare(store)[0]
    _link(store, created.reference, task_id="41", ror_reference="ANO_300000000041")

    with store.reader() as uow, pytest.raises(AnomalyNotFound):
        uow.anomalies.get("ANO_300000000041", perimeter=Perimeter.of_regions({"84"}))


def test_without_a_reference_the_technical_id_is_shown(store: Store) -> None:
    _seed(store)
    created = _declare(store)[0]
    _link(store, created.reference, task_id="41", ror_reference=None)

    with store.reader() as uow:
        anomaly = uow.anomalies.get(created.reference, perimeter=None)

    assert anomaly.shown_reference == "41"
