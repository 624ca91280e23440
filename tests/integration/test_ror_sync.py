"""Following the ROR national against the stand-in, into SQLite and PostgreSQL (issue 8 item 5): pages past
200 Tasks, token expiry mid-sync, a crash mid-page then a resume, exact counters, and two instances syncing
at once on PostgreSQL."""

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from domain.anomaly import Anomaly, RorState
from domain.clock import SystemClock
from domain.events import StatusChanged
from domain.filters import AnomalyFilter
from domain.habilitation import Perimeter
from domain.services import create_group
from domain.services.ror_sync import RorSyncReport, scope_origin, sync_from_ror_national
from domain.statuses import Status
from storage import Store
from storage.models import AnomalyCountRow, AnomalyRow, HistoryRow, OutboxRow
from tests.builders import narbonne

TAG_76 = "76"


@pytest.fixture
def national(store: Store) -> Store:
    create_group(name="National", perimeter=Perimeter.everywhere(), uow=store.uow())
    return store


def add_tasks(standin: Any, count: int, *, region: str = TAG_76) -> list[dict[str, Any]]:
    return [
        standin.add_task(
            focus_type="Organization", focus_value=f"1{n:09d}", region=region, description=f"n°{n}"
        )
        for n in range(count)
    ]


def sync(store: Store, ror: Any, **kwargs: Any) -> RorSyncReport:
    return sync_from_ror_national(
        source=ror, origin=ror.anomalies_url, uow=store.uow(), clock=SystemClock(), **kwargs
    )


def all_anomalies(store: Store) -> list[Anomaly]:
    with store.reader() as uow:
        return list(uow.anomalies.iterate(AnomalyFilter(), perimeter=Perimeter.everywhere()))


def counters_are_exact(store: Store) -> None:
    """The counting table (read by listings' totals) says what count(*) says."""
    counts = select(AnomalyCountRow.status, func.sum(AnomalyCountRow.n)).group_by(AnomalyCountRow.status)
    rows = select(AnomalyRow.status, func.count()).group_by(AnomalyRow.status)
    with store.engine.connect() as db:
        counted = {status: int(n) for status, n in db.execute(counts) if n}
        real = {status: int(n) for status, n in db.execute(rows)}
    assert counted == real


def test_450_tasks_are_imported_over_three_pages_once_each_and_a_second_sync_adds_nothing(
    national, standin, ror
):
    created = add_tasks(standin, 450)

    report = sync(national, ror)
    again = sync(national, ror)

    anomalies = all_anomalies(national)
    assert (report.pages, report.read, report.new, report.unreadable) == (3, 450, 450, [])
    assert sorted(a.ror_task_id or "" for a in anomalies) == sorted(c["id"] for c in created)
    assert {a.declaring_system for a in anomalies} == {"IHM Déclaration ROR national"}
    assert (again.new, again.updated) == (0, 0)
    assert len(all_anomalies(national)) == 450
    counters_are_exact(national)
    with national.reader() as uow:
        mark = uow.directory.watermark(scope_origin(ror.anomalies_url, Perimeter.everywhere()))
    assert mark is not None
    assert mark.text == created[-1]["meta"]["lastUpdated"]


def test_a_status_set_on_the_ror_side_is_a_transition_by_the_ror_national_and_counters_follow(
    national, standin, ror
):
    (task,) = add_tasks(standin, 1)
    sync(national, ror)
    with national.uow() as uow:
        uow.directory.upsert(narbonne())
        uow.commit()

    standin.set_business_status(task["id"], "08")
    report = sync(national, ror)

    (anomaly,) = all_anomalies(national)
    assert report.updated == 1
    assert anomaly.status is Status.CORRECTED
    assert anomaly.ror_version == "2"
    with national.reader() as uow:
        shown = uow.anomalies.get(anomaly.reference, perimeter=None)
    assert [(h.previous, h.status, h.actor) for h in shown.history] == [
        (None, Status.SENT_TO_RECIPIENT, "le ROR national"),
        (Status.SENT_TO_RECIPIENT, Status.CORRECTED, "le ROR national"),
    ]
    counters_are_exact(national)
    with national.engine.connect() as db:
        kinds = db.execute(select(OutboxRow.kind)).scalars().all()
    assert kinds == [StatusChanged.__name__]


def test_a_token_expiring_mid_sync_is_renewed_and_every_task_imported_once(national, standin, ror):
    add_tasks(standin, 450)

    class Expiring:
        anomalies_url = ror.anomalies_url

        def changed_since(self, since: Any, *, scope: Perimeter) -> Iterator[Any]:
            for page in ror.changed_since(since, scope=scope):
                yield page
                standin.expire_tokens()

    report = sync(national, Expiring(), scopes=[Perimeter.everywhere()])

    assert report.new == 450
    assert standin.token_requests == 3
    assert len({a.ror_task_id for a in all_anomalies(national)}) == 450


class CrashingStore:
    """The store of a process that dies while writing its `crash_at`-th page: that transaction never
    commits (a rollback, as PostgreSQL and SQLite do for a connection that goes away)."""

    def __init__(self, store: Store, crash_at: int) -> None:
        self.store = store
        self.commits = 0
        self.crash_at = crash_at

    def uow(self) -> Any:
        outer = self
        uow = self.store.uow()
        real_commit = uow.commit

        def commit() -> None:
            outer.commits += 1
            if outer.commits == outer.crash_at:
                uow.session.flush()
                raise SystemExit("crash")
            real_commit()

        uow.commit = commit  # type: ignore[method-assign]
        return uow


def test_a_crash_mid_page_then_a_resume_imports_every_task_once(national, standin, ror):
    add_tasks(standin, 450)
    crashing = CrashingStore(national, crash_at=2)  # 1: pages 1, 2: page 2 (mid-write)

    with pytest.raises(SystemExit):
        sync_from_ror_national(source=ror, origin=ror.anomalies_url, uow=crashing.uow(), clock=SystemClock())

    assert len(all_anomalies(national)) == 200
    report = sync(national, ror)
    anomalies = all_anomalies(national)
    assert len(anomalies) == len({a.ror_task_id for a in anomalies}) == 450
    assert report.new == 250
    counters_are_exact(national)


def test_a_regional_group_imports_its_region_only(store, standin, ror):
    create_group(name="Occitanie", perimeter=Perimeter.of_regions(["76"]), uow=store.uow())
    mine = standin.add_task(focus_type="Organization", focus_value="1110000056", region="76")
    offer = standin.add_task(
        focus_type="HealthcareService", focus_value="91/11359", region="76", path="HealthcareService.telecom"
    )
    standin.add_task(focus_type="Organization", focus_value="1690000000", region="84")

    report = sync(store, ror)

    assert sorted(a.ror_task_id or "" for a in all_anomalies(store)) == sorted([mine["id"], offer["id"]])
    assert report.pages == 4  # one search per focus type
    assert {a.region for a in all_anomalies(store)} == {"76"}


def test_two_instances_syncing_at_once_on_postgresql_import_nothing_twice(postgres_store, standin, ror):
    create_group(name="National", perimeter=Perimeter.everywhere(), uow=postgres_store.uow())
    add_tasks(standin, 450)
    barrier = threading.Barrier(2)
    reports: list[RorSyncReport] = []
    errors: list[BaseException] = []

    def instance() -> None:
        from rornational.client import connect
        from storage import open_store
        from tests.standin_helpers import connection_to

        other = open_store(postgres_store.engine.url.render_as_string(hide_password=False))
        try:
            with connect(connection_to(standin)) as client:
                barrier.wait()
                reports.append(sync(other, client))
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            other.dispose()

    threads = [threading.Thread(target=instance) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    anomalies = all_anomalies(postgres_store)
    assert len(anomalies) == len({a.ror_task_id for a in anomalies}) == 450
    assert sum(r.new for r in reports) == 450
    with postgres_store.engine.connect() as db:
        assert db.execute(select(func.count()).select_from(HistoryRow)).scalar_one() == 450
    counters_are_exact(postgres_store)


def test_two_instances_recording_the_same_new_status_at_once_record_it_once(postgres_store, standin, ror):
    create_group(name="National", perimeter=Perimeter.everywhere(), uow=postgres_store.uow())
    created = add_tasks(standin, 300)
    sync(postgres_store, ror)
    for task in created:
        standin.set_business_status(task["id"], "08")
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def instance() -> None:
        from rornational.client import connect
        from storage import open_store
        from tests.standin_helpers import connection_to

        other = open_store(postgres_store.engine.url.render_as_string(hide_password=False))
        try:
            with connect(connection_to(standin)) as client:
                barrier.wait()
                sync(other, client)
        except BaseException as error:
            errors.append(error)
        finally:
            other.dispose()

    threads = [threading.Thread(target=instance) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    assert {a.status for a in all_anomalies(postgres_store)} == {Status.CORRECTED}
    with postgres_store.engine.connect() as db:
        assert db.execute(select(func.count()).select_from(HistoryRow)).scalar_one() == 600
        assert db.execute(select(func.count()).select_from(OutboxRow)).scalar_one() == 300
    counters_are_exact(postgres_store)


def test_our_pending_declaration_is_adopted_when_its_task_shows_up_first(national, standin, ror):
    from domain.services import DeclarationRequest, DeclaredItem, declare_anomalies
    from tests.builders import a_member

    with national.uow() as uow:
        uow.directory.upsert(narbonne())
        uow.commit()
    at = datetime(2026, 1, 15, 9, 30, 12, tzinfo=UTC)

    class At:
        def now(self) -> datetime:
            return at

    (mine,) = declare_anomalies(
        request=DeclarationRequest(
            structure_id="1110000056", offer_id=None, items=(DeclaredItem("Adresse établissement", "Rue ?"),)
        ),
        member=a_member(regions={"76"}),
        uow=national.uow(),
        clock=At(),
        system="Bot Slack ROR Anomalies",
    )
    with national.uow() as uow:  # as our sender leaves it until the POST is answered
        pending = uow.anomalies.get(mine.reference, perimeter=None, for_update=True)
        pending.ror_state = RorState.PENDING
        uow.anomalies.save(pending)
        uow.commit()
    standin.add_task(
        focus_type="Organization",
        focus_value="1110000056",
        region="76",
        description="Rue ?",
        system_requester="Bot Slack ROR Anomalies",
        authored_on="2026-01-15T09:30:12Z",
        path="Organization.address",
    )

    report = sync(national, ror)

    (anomaly,) = all_anomalies(national)
    assert (report.new, report.adopted) == (0, 1)
    assert anomaly.reference == mine.reference
    assert anomaly.ror_task_id is not None
    assert anomaly.ror_state is RorState.SENT
