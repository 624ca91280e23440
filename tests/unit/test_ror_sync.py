"""Following the ROR national (issue 8 item 5): Tasks changed since the watermark become local transitions
« par le ROR national », or imported anomalies when declared elsewhere; idempotent, resumable."""

from datetime import UTC, datetime

import pytest

from domain.anomaly import Anomaly, RorState
from domain.errors import RorSyncInterrupted
from domain.events import StatusChanged
from domain.filters import AnomalyFilter
from domain.habilitation import Group, Member, Perimeter
from domain.rornational import OTHER_DATA_ITEM, Watermark
from domain.services import list_anomalies
from domain.services.ror_sync import scope_origin, sync_from_ror_national, sync_scopes
from domain.statuses import Role, Status
from tests.fakes import FakeUnitOfWork, FixedClock
from tests.fakes_ror_tasks import FakeRorNational
from tests.unit.conftest import SYSTEM

ORIGIN = "https://ror.example/anomalies"


@pytest.fixture
def ror() -> FakeRorNational:
    return FakeRorNational(page_size=2)


@pytest.fixture
def groups(uow: FakeUnitOfWork) -> FakeUnitOfWork:
    uow.groups.add(Group("Éditeur Occitanie", Perimeter.of_regions(["76"]), {"alice@editeur.fr"}))
    uow.groups.add(Group("Éditeur Rhône-Alpes", Perimeter.of_regions(["84"]), {"bob@autre-editeur.fr"}))
    return uow


def sync(ror: FakeRorNational, uow: FakeUnitOfWork, clock: FixedClock, **kwargs: object):  # type: ignore[no-untyped-def]
    return sync_from_ror_national(source=ror, origin=ORIGIN, uow=uow, clock=clock, **kwargs)  # type: ignore[arg-type]


def listed(uow: FakeUnitOfWork, member: Member) -> list[Anomaly]:
    return list_anomalies(flt=AnomalyFilter(), member=member, uow=uow, size=200).items


def sent_to_ror(uow: FakeUnitOfWork, anomaly: Anomaly, task_id: str, version: str = "1") -> None:
    """What our sender records once the ROR national answered the POST."""
    stored = uow.anomalies.rows[anomaly.reference]
    stored.ror_task_id, stored.ror_version, stored.ror_state = task_id, version, RorState.SENT


def waiting_to_be_sent(uow: FakeUnitOfWork, anomaly: Anomaly) -> None:
    """A declaration in connected mode whose POST is still in the journal."""
    uow.anomalies.rows[anomaly.reference].ror_state = RorState.PENDING


def test_a_task_declared_elsewhere_in_76_is_imported_with_its_own_system_and_shown_to_76_only(
    ror, groups, clock, occitanie_member, aura_member
):
    task = ror.add(focus_value="1110000056", region="76", path="Organization.address", error_value="1 rue")

    report = sync(ror, groups, clock)

    (anomaly,) = listed(groups, occitanie_member)
    assert listed(groups, aura_member) == []
    assert (report.new, report.updated, report.unreadable) == (1, 0, [])
    assert anomaly.declaring_system == "IHM Déclaration ROR national"
    assert anomaly.ror_task_id == task.task_id
    assert anomaly.ror_reference == task.identifier.value
    assert anomaly.shown_reference == task.identifier.value
    assert anomaly.status is Status.SENT_TO_RECIPIENT
    # Place and name from our directory, which knows Narbonne.
    assert (anomaly.region, anomaly.departement) == ("76", "11")
    assert anomaly.structure_name == "CH NARBONNE - HOTEL DIEU"
    assert anomaly.data_item == "Adresse établissement"
    assert anomaly.present_value == "1 rue"
    assert anomaly.created_at == task.authored_on
    assert anomaly.updated_at == clock.now()
    assert [(h.status, h.actor, h.role) for h in anomaly.history] == [
        (Status.SENT_TO_RECIPIENT, "le ROR national", Role.SYSTEM)
    ]
    assert groups.outbox.events == []  # nobody here declared it: no DM


def test_a_resource_unknown_here_takes_its_region_from_the_task_and_an_unknown_path_is_other_data(
    ror, groups, clock, occitanie_member
):
    ror.add(focus_value="1340000000", region="76", path="Organization.extension('https://x/inconnue')")

    sync(ror, groups, clock)

    (anomaly,) = listed(groups, occitanie_member)
    assert (anomaly.region, anomaly.departement, anomaly.structure_name) == ("76", None, "1340000000")
    assert anomaly.data_item == OTHER_DATA_ITEM
    assert anomaly.fhir_path == "Organization.extension('https://x/inconnue')"


def test_a_new_business_status_of_our_task_is_a_transition_by_the_ror_national_with_the_declarants_dm(
    ror, groups, clock, declare, occitanie_member
):
    (anomaly,) = declare(("Adresse établissement", "Le numéro de rue manque."))
    assert anomaly.status is Status.BLOCKED_NO_RECIPIENT
    task = ror.add(focus_value="1110000056", system_requester=SYSTEM, business_status="04")
    sent_to_ror(groups, anomaly, task.task_id)
    ror.set_status(task.task_id, "08")  # 04 → 08: not in the local table; the ROR decides
    groups.outbox.events.clear()
    clock.advance(minutes=5)

    report = sync(ror, groups, clock)

    (shown,) = listed(groups, occitanie_member)
    assert (report.new, report.updated) == (0, 1)
    assert shown.reference == anomaly.reference
    assert shown.status is Status.CORRECTED
    assert shown.ror_version == "2"
    last = shown.history[-1]
    assert (last.previous, last.status, last.actor, last.at) == (
        Status.BLOCKED_NO_RECIPIENT,
        Status.CORRECTED,
        "le ROR national",
        clock.now(),
    )
    assert groups.outbox.events == [
        StatusChanged(
            task.identifier.value,
            Status.BLOCKED_NO_RECIPIENT,
            Status.CORRECTED,
            "le ROR national",
            "alice@editeur.fr",
        )
    ]


def test_syncing_again_changes_nothing_and_re_reads_only_an_overlap(ror, groups, clock, occitanie_member):
    for n in range(5):
        ror.add(focus_value=f"1{n:09d}", description=f"n°{n}")
    first = sync(ror, groups, clock)
    history = {a.reference: list(a.history) for a in listed(groups, occitanie_member)}

    second = sync(ror, groups, clock)

    assert first.new == 5
    assert (second.new, second.updated) == (0, 0)
    assert {a.reference: list(a.history) for a in listed(groups, occitanie_member)} == history
    (since,) = [since for since, scope in ror.pulls[-2:] if scope == Perimeter.of_regions(["76"])]
    mark = groups.directory.watermarks[scope_origin(ORIGIN, Perimeter.of_regions(["76"]))]
    assert since is not None
    assert since < mark
    assert mark == max(t.last_updated for t in ror.tasks.values())


def test_an_outage_mid_pull_keeps_the_pages_stored_and_the_watermark_and_the_next_sync_imports_nothing_twice(
    ror, groups, clock, occitanie_member
):
    for n in range(5):  # three pages of 2 in région 76's Organization search
        ror.add(focus_value=f"1{n:09d}", description=f"n°{n}")
    ror.down_at_page = 2

    with pytest.raises(RorSyncInterrupted) as interrupted:
        sync(ror, groups, clock)

    assert interrupted.value.pages == 1
    assert "repère inchangé" in interrupted.value.message
    assert len(listed(groups, occitanie_member)) == 2
    assert groups.directory.watermarks == {}
    ror.down_at_page = None
    again = sync(ror, groups, clock)
    assert again.new == 3
    assert len(listed(groups, occitanie_member)) == 5
    assert len({a.ror_task_id for a in listed(groups, occitanie_member)}) == 5


def test_a_national_group_pulls_everything_once_and_regional_groups_pull_each_of_their_regions():
    national = Group("National", Perimeter.everywhere())
    regional = [
        Group("A", Perimeter.of_regions(["76", "84"])),
        Group("B", Perimeter.of_regions(["84", "93"])),
    ]

    assert sync_scopes([*regional, national]) == [Perimeter.everywhere()]
    assert sync_scopes(regional) == [Perimeter.of_regions([r]) for r in ("76", "84", "93")]
    assert sync_scopes([]) == []


def test_a_task_seen_in_two_perimeters_pulls_is_imported_once(ror, uow, clock, national_member):
    task = ror.add(region="76")
    scopes = [Perimeter.everywhere(), Perimeter.of_regions(["76"])]

    report = sync(ror, uow, clock, scopes=scopes)

    assert [a.ror_task_id for a in listed(uow, national_member)] == [task.task_id]
    assert report.new == 1


def test_our_own_declaration_whose_post_answer_was_not_recorded_is_adopted_not_imported_again(
    ror, groups, clock, declare, occitanie_member
):
    (anomaly,) = declare(("Adresse établissement", "Le numéro de rue manque."))
    waiting_to_be_sent(groups, anomaly)
    task = ror.add(
        focus_value=anomaly.resource_id,
        system_requester=SYSTEM,
        description="Le numéro de rue manque.",
        authored_on=anomaly.created_at.replace(microsecond=0),
        path=anomaly.fhir_path,
        business_status="05",
    )

    report = sync(ror, groups, clock)

    (shown,) = listed(groups, occitanie_member)
    assert (report.new, report.adopted) == (0, 1)
    assert shown.reference == anomaly.reference
    assert (shown.ror_task_id, shown.ror_reference) == (task.task_id, task.identifier.value)
    assert shown.status is Status.SENT_TO_RECIPIENT
    assert shown.ror_state is RorState.SENT
    assert shown.shown_reference == task.identifier.value


def test_a_task_of_another_system_with_the_same_focus_is_not_taken_for_ours(
    ror, groups, clock, declare, occitanie_member
):
    (anomaly,) = declare(("Adresse établissement", "Le numéro de rue manque."))
    waiting_to_be_sent(groups, anomaly)
    ror.add(
        focus_value=anomaly.resource_id,
        description="Le numéro de rue manque.",
        authored_on=anomaly.created_at,
    )

    report = sync(ror, groups, clock)

    assert (report.new, report.adopted) == (1, 0)
    assert len(listed(groups, occitanie_member)) == 2


def test_a_task_with_an_unknown_status_is_reported_unreadable_and_the_rest_is_imported(
    ror, groups, clock, occitanie_member
):
    odd = ror.add(business_status="42")
    good = ror.add(focus_value="1110000056")

    report = sync(ror, groups, clock)

    assert [a.ror_task_id for a in listed(groups, occitanie_member)] == [good.task_id]
    assert [u.task_id for u in report.unreadable] == [odd.task_id]
    assert "statut métier inconnu « 42 »" in report.unreadable[0].reason


def test_a_task_another_instance_imported_meanwhile_is_followed_not_imported_again(
    ror, groups, clock, occitanie_member
):
    task = ror.add()
    sync(ror, groups, clock)
    ror.set_status(task.task_id, "08")
    # The other instance's copy is there, but this instance did not see it when it read the page.
    real = groups.anomalies.by_task_ids
    calls = []

    def second_read(ids, for_update=False):  # type: ignore[no-untyped-def]
        calls.append(ids)
        return real(ids, for_update=for_update) if len(calls) > 1 else {}

    groups.anomalies.by_task_ids = second_read  # type: ignore[method-assign]
    report = sync(ror, groups, clock)

    (shown,) = listed(groups, occitanie_member)
    assert (report.new, report.updated) == (0, 1)
    assert shown.status is Status.CORRECTED


def test_the_watermark_never_moves_back(ror, groups, clock):
    ror.add()
    sync(ror, groups, clock)
    key = scope_origin(ORIGIN, Perimeter.of_regions(["76"]))
    later = Watermark.of(datetime(2030, 1, 1, tzinfo=UTC))
    groups.directory.watermarks[key] = later

    sync(ror, groups, clock)

    assert groups.directory.watermarks[key] == later


def test_a_local_anomaly_of_standalone_days_is_never_taken_for_a_task(
    ror, groups, clock, declare, occitanie_member
):
    (anomaly,) = declare(("Adresse établissement", "Le numéro de rue manque."))  # no ROR state: standalone
    ror.add(
        focus_value=anomaly.resource_id,
        system_requester=SYSTEM,
        description="Le numéro de rue manque.",
        authored_on=anomaly.created_at,
    )

    report = sync(ror, groups, clock)

    assert (report.new, report.adopted) == (1, 0)


def test_imported_tasks_are_in_the_digests_of_their_perimeter_only(ror, groups, clock):
    from datetime import timedelta

    blocked = ror.add(region="76", business_status="04")
    changed = ror.add(region="76", focus_value="1340000000")
    ror.add(region="84", focus_value="1690000000")
    before = clock.now() - timedelta(minutes=1)

    sync(ror, groups, clock)

    occitanie, rhone_alpes = Perimeter.of_regions(["76"]), Perimeter.of_regions(["84"])
    queries = groups.digest_queries
    updated = queries.updated(AnomalyFilter(), perimeter=occitanie, since=before, until=clock.now(), limit=10)
    assert sorted(a.ror_task_id for a in updated.items) == sorted([blocked.task_id, changed.task_id])
    assert [a.ror_task_id for a in queries.blocked(AnomalyFilter(), perimeter=occitanie, limit=10).items] == [
        blocked.task_id
    ]
    assert queries.blocked(AnomalyFilter(), perimeter=rhone_alpes, limit=10).items == []
    elsewhere = queries.updated(
        AnomalyFilter(), perimeter=rhone_alpes, since=before, until=clock.now(), limit=10
    )
    assert len(elsewhere.items) == 1
