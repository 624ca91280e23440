"""The SQL store answers exactly as the domain's reference semantics, on SQLite and PostgreSQL."""

import itertools
import random
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from domain.catalogue import ResourceKind
from domain.errors import AnomalyNotFound, InvalidDeclaration
from domain.events import SentToRecipient, StatusChanged
from domain.filters import AnomalyFilter, matches, parse_filter_words
from domain.habilitation import Perimeter
from domain.services import (
    DeclarationRequest,
    DeclaredItem,
    add_member,
    cancel_anomaly,
    count_by_status,
    create_group,
    declare_anomalies,
    list_anomalies,
    resolve_member,
    set_recipient,
    show_anomaly,
)
from domain.statuses import Status
from storage import Store, open_store
from storage.models import OutboxRow
from tests.builders import a_member, geriatrie, lyon, narbonne
from tests.fakes import FixedClock

LEASE = timedelta(minutes=5)

PARIS = ZoneInfo("Europe/Paris")


def _seed(store: Store) -> None:
    with store.uow() as uow:
        for resource in (narbonne(), geriatrie(), lyon()):
            uow.directory.upsert(resource)
        uow.commit()


def _declare(
    store: Store,
    member=None,
    items=("Adresse établissement",),
    clock=None,
    structure="1110000056",
    offer=None,
    key=None,
):
    return declare_anomalies(
        request=DeclarationRequest(
            structure, offer, tuple(DeclaredItem(i, f"Erreur sur {i}") for i in items), key
        ),
        member=member or a_member({"76"}),
        uow=store.uow(),
        clock=clock or FixedClock(),
        system="Bot Slack ROR Anomalies",
    )


def test_a_declared_anomaly_reads_back_with_every_field_and_its_history(store: Store) -> None:
    _seed(store)
    created = _declare(store, items=("Adresse établissement", "Contact établissement"))

    shown = show_anomaly(reference=created[0].reference, member=a_member({"76"}), uow=store.reader())

    assert shown.reference == "ANO_100000000001"
    assert shown.status is Status.BLOCKED_NO_RECIPIENT
    assert shown.structure_name == "CH NARBONNE - HOTEL DIEU"
    assert shown.present_value == "Boulevard Dr Lacroix 11100 NARBONNE"
    assert shown.region == "76"
    assert shown.departement == "11"
    assert shown.created_at == datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
    assert shown.updated_at.tzinfo is not None
    assert [(h.previous, h.status) for h in shown.history] == [
        (None, Status.CREATED),
        (Status.CREATED, Status.BLOCKED_NO_RECIPIENT),
    ]


def test_references_are_ano_and_twelve_digits_and_never_handed_out_twice(store: Store) -> None:
    _seed(store)
    first = _declare(store, items=("Adresse établissement", "Contact établissement"))
    second = _declare(store, items=("Tarifs",))
    refs = [a.reference for a in first + second]
    assert len(set(refs)) == 3
    assert all(r.startswith("ANO_") and len(r) == 16 and r[4:].isdigit() for r in refs)


def test_an_out_of_perimeter_anomaly_is_not_found(store: Store) -> None:
    _seed(store)
    created = _declare(store)
    with pytest.raises(AnomalyNotFound):
        show_anomaly(reference=created[0].reference, member=a_member({"84"}), uow=store.reader())
    assert list_anomalies(flt=AnomalyFilter(), member=a_member({"84"}), uow=store.reader()).total == 0


def test_a_status_change_is_saved_with_a_new_history_entry(store: Store) -> None:
    _seed(store)
    created = _declare(store)
    clock = FixedClock(datetime(2026, 2, 1, 10, 0, tzinfo=UTC))
    cancel_anomaly(
        reference=created[0].reference, member=a_member({"76"}), uow=store.uow(), clock=clock, system="CLI"
    )

    shown = show_anomaly(reference=created[0].reference, member=a_member({"76"}), uow=store.reader())
    assert shown.status is Status.CANCELLED
    assert shown.updated_at == clock.now()
    assert len(shown.history) == 3
    assert shown.history[-1].actor == "alice@editeur.fr"


def test_a_replayed_declaration_key_creates_nothing_new(store: Store) -> None:
    _seed(store)
    first = _declare(store, key="view-1:abc")
    again = _declare(store, key="view-1:abc")
    assert [a.reference for a in again] == [a.reference for a in first]
    assert list_anomalies(flt=AnomalyFilter(), member=a_member({"76"}), uow=store.reader()).total == 1


def test_a_failed_declaration_leaves_nothing_behind(store: Store) -> None:
    _seed(store)
    request = DeclarationRequest(
        "1110000056", None, (DeclaredItem("Tarifs", "ok"), DeclaredItem("Horaires", "pas pour une structure"))
    )
    with pytest.raises(InvalidDeclaration):
        declare_anomalies(
            request=request, member=a_member({"76"}), uow=store.uow(), clock=FixedClock(), system="x"
        )
    assert list_anomalies(flt=AnomalyFilter(), member=a_member({"76"}), uow=store.reader()).total == 0


def test_directory_upsert_updates_a_resource_in_place(store: Store) -> None:
    _seed(store)
    changed = narbonne(recipient="referent@ch-narbonne.fr")
    changed.data["Tarifs"] = "Secteur 1"
    with store.uow() as uow:
        assert uow.directory.upsert(changed) is False
        uow.commit()
    with store.reader() as uow:
        found = uow.directory.get(ResourceKind.STRUCTURE, "1110000056")
        assert found is not None
        assert found.recipient == "referent@ch-narbonne.fr"
        assert found.data["Tarifs"] == "Secteur 1"
        assert uow.directory.count() == 3


def test_groups_keep_their_perimeter_and_members(store: Store) -> None:
    create_group(name="Éditeur Sud", perimeter=Perimeter.parse("76,93"), uow=store.uow())
    add_member(group_name="Éditeur Sud", email="Alice@Editeur.fr", uow=store.uow())
    member = resolve_member(email="alice@editeur.fr", uow=store.reader())
    assert member.group == "Éditeur Sud"
    assert member.perimeter == Perimeter.of_regions(["76", "93"])


def test_setting_a_recipient_sends_blocked_anomalies_and_stores_the_events(store: Store) -> None:
    _seed(store)
    created = _declare(store)
    _resource, moved = set_recipient(
        resource_id="1110000056",
        email="referent@ch-narbonne.fr",
        uow=store.uow(),
        clock=FixedClock(),
        system="CLI",
    )
    assert [a.reference for a in moved] == [created[0].reference]
    with store.uow() as uow:
        events = [m.event for m in uow.outbox.lease(now=datetime.now(UTC), lease=LEASE)]
    assert SentToRecipient(created[0].reference, "referent@ch-narbonne.fr") in events
    assert any(isinstance(e, StatusChanged) and e.current is Status.SENT_TO_RECIPIENT for e in events)


def test_outbox_messages_delivered_or_given_up_are_not_leased_again(store: Store) -> None:
    _seed(store)
    _declare(store, items=("Adresse établissement", "Tarifs"))
    now = datetime.now(UTC)
    with store.uow() as uow:
        first, second = uow.outbox.lease(now=now, lease=LEASE)
        uow.outbox.mark_delivered(first.id, at=now)
        uow.outbox.mark_failed(second.id, error="boom", retry_at=now + timedelta(minutes=5))
        uow.commit()
    with store.uow() as uow:
        assert uow.outbox.lease(now=now, lease=LEASE) == []
        retried = uow.outbox.lease(now=now + timedelta(minutes=6), lease=LEASE)
        assert [m.id for m in retried] == [second.id]
        assert retried[0].attempts == 2  # its first delivery, and this one


def _outbox_row(store: Store, message_id: int) -> Any:
    with store.uow() as uow:
        columns = (OutboxRow.attempts, OutboxRow.last_error, OutboxRow.claimed_until, OutboxRow.delivered_at)
        return uow.session.execute(select(*columns).where(OutboxRow.id == message_id)).one()


def test_a_leased_message_is_not_leased_again_until_its_lease_runs_out(store: Store) -> None:
    _seed(store)
    _declare(store)
    now = datetime.now(UTC)
    with store.uow() as uow:
        [leased] = uow.outbox.lease(now=now, lease=LEASE)
        uow.commit()
    with store.uow() as uow:
        assert uow.outbox.lease(now=now + LEASE - timedelta(seconds=1), lease=LEASE) == []
        [taken_over] = uow.outbox.lease(now=now + LEASE, lease=LEASE)  # the first deliverer crashed
        uow.commit()
    assert taken_over.id == leased.id
    assert taken_over.attempts == 2


def test_the_outbox_counts_each_delivery_once_and_keeps_the_last_real_error(store: Store) -> None:
    _seed(store)
    _declare(store)
    now = datetime.now(UTC)
    with store.uow() as uow:
        [message] = uow.outbox.lease(now=now, lease=LEASE)
        uow.outbox.mark_failed(message.id, error="ratelimited", retry_at=now + timedelta(minutes=2))
        uow.commit()
    row = _outbox_row(store, message.id)
    assert (row.attempts, row.last_error, row.claimed_until) == (1, "ratelimited", None)
    later = now + timedelta(minutes=2)
    with store.uow() as uow:
        [again] = uow.outbox.lease(now=later, lease=LEASE)
        uow.commit()
    row = _outbox_row(store, message.id)
    assert (row.attempts, row.last_error) == (2, "ratelimited")  # leasing is not an error
    assert row.claimed_until == later + LEASE
    with store.uow() as uow:
        uow.outbox.mark_delivered(again.id, at=later)
        uow.commit()
    row = _outbox_row(store, message.id)
    assert (row.attempts, row.delivered_at, row.claimed_until) == (2, later, None)


def _varied_dataset(store: Store) -> None:
    """Anomalies over three resources, all statuses, spread over days (incl. a Paris midnight edge)."""
    _seed(store)
    rng = random.Random(7)
    structure_items = ("Adresse établissement", "Contact établissement", "Tarifs", "Nom de la structure")
    base = datetime(2026, 1, 10, 22, 30, tzinfo=UTC)  # 23:30 in Paris
    national = a_member(None)
    for i in range(40):
        clock = FixedClock(base + timedelta(hours=7 * i))
        if i % 3 == 0:
            created = _declare(
                store,
                member=national,
                structure="1690000000",
                items=(rng.choice(structure_items),),
                clock=clock,
            )
        elif i % 3 == 1:
            created = _declare(store, member=national, offer="91/11359", items=("Horaires",), clock=clock)
        else:
            created = _declare(store, member=national, items=(rng.choice(structure_items),), clock=clock)
        if i % 4 == 0:
            clock.advance(hours=1)
            cancel_anomaly(
                reference=created[0].reference, member=national, uow=store.uow(), clock=clock, system="x"
            )


FILTERS = [
    [],
    ["region=76"],
    ["region=84"],
    ["dep=11", "statut=bloquee"],
    ["statut=ouverte"],
    ["statut=fermee"],
    ["statut=05,03"],
    ["ressource=offre"],
    ["ressource=structure", "donnee=Tarifs"],
    ["nom=hôtel"],
    ["nom=HOSPICES civils"],
    ["nom=100%_"],
    ["nom=ch"],  # shorter than a trigram: SQLite scans the names instead of its FTS5 index
    ["nom=rbo"],
    ['nom=dieu "x'],
    ["ref=ANO_10000000001"],
    ["ref=1000000000"],
    ["id=91/11359"],
    ["du=12/01/2026"],
    ["au=12/01/2026"],
    ["du=11/01/2026", "au=13/01/2026"],
    ["region=76", "statut=bloquee", "ressource=structure", "nom=narbonne", "du=01/01/2026", "au=31/12/2026"],
]


@pytest.mark.parametrize("words", FILTERS, ids=lambda w: " ".join(w) or "national")
def test_sql_listing_agrees_with_the_domain_semantics_of_every_filter(store: Store, words: list[str]) -> None:
    _varied_dataset(store)
    flt = parse_filter_words(words)
    for perimeter in (Perimeter.everywhere(), Perimeter.of_regions(["76"])):
        member = a_member(None) if perimeter.national else a_member({"76"})
        with store.reader() as uow:
            everything = list(uow.anomalies.iterate(AnomalyFilter(), perimeter=Perimeter.everywhere()))
        expected = [a.reference for a in everything if matches(flt, a, perimeter=perimeter, tz=PARIS)]
        pages = []
        page_number = 1
        while True:
            page = list_anomalies(flt=flt, member=member, uow=store.reader(), page=page_number, size=7)
            assert page.total == len(expected)
            pages += [a.reference for a in page.items]
            if not page.has_next:
                break
            page_number += 1
        assert pages == expected
        counts = count_by_status(member=member, uow=store.reader(), flt=flt)
        assert sum(counts.values()) == len(expected)


def test_a_page_past_the_end_is_empty_and_still_gives_the_total(store: Store) -> None:
    _varied_dataset(store)
    for words in ([], ["nom=hôtel"], ["statut=bloquee"]):
        flt = parse_filter_words(words)
        first = list_anomalies(flt=flt, member=a_member(None), uow=store.reader(), page=1, size=5)
        past = list_anomalies(flt=flt, member=a_member(None), uow=store.reader(), page=1000, size=5)
        assert past.items == []
        assert past.total == first.total


def test_listing_is_sorted_by_last_modification_newest_first(store: Store) -> None:
    _varied_dataset(store)
    page = list_anomalies(flt=AnomalyFilter(), member=a_member(None), uow=store.reader(), size=200)
    keys = [(a.updated_at, a.reference) for a in page.items]
    assert keys == sorted(keys, reverse=True)


def test_concurrent_declarations_get_distinct_references(store: Store) -> None:
    _seed(store)
    member = a_member({"76"})

    def declare(i: int) -> list[str]:
        created = declare_anomalies(
            request=DeclarationRequest(
                "1110000056",
                None,
                (DeclaredItem("Tarifs", f"n°{i}"), DeclaredItem("Nom de la structure", "x")),
            ),
            member=member,
            uow=store.uow(),
            clock=FixedClock(),
            system="x",
        )
        return [a.reference for a in created]

    with ThreadPoolExecutor(max_workers=8) as pool:
        refs = list(itertools.chain.from_iterable(pool.map(declare, range(8))))
    assert len(refs) == 16
    assert len(set(refs)) == 16


def test_opening_an_up_to_date_store_twice_changes_nothing(store: Store) -> None:
    again = open_store(store.url)
    try:
        assert again.is_up_to_date()
        assert again.ping()
    finally:
        again.dispose()


def _pending_events(store: Store) -> list:
    with store.uow() as uow:
        return [m.event for m in uow.outbox.lease(now=datetime.now(UTC), lease=LEASE, limit=1000)]


def test_committing_publishes_the_events_of_the_anomalies_the_unit_of_work_handed_out(store: Store) -> None:
    _seed(store)
    [anomaly] = _declare(store)
    before = len(_pending_events(store))
    with store.uow() as uow:
        found = uow.anomalies.get(anomaly.reference, perimeter=None, for_update=True)
        found.move_to(Status.CANCELLED, by=a_member({"76"}).as_actor("test"), at=datetime.now(UTC))
        uow.anomalies.save(found)
        uow.commit()  # no outbox.add here: the unit of work writes what the anomaly recorded
    events = _pending_events(store)[before:]
    assert events == [
        StatusChanged(
            anomaly.reference,
            Status.BLOCKED_NO_RECIPIENT,
            Status.CANCELLED,
            "alice@editeur.fr",
            "alice@editeur.fr",
        )
    ]


def test_a_unit_of_work_left_without_commit_publishes_nothing(store: Store) -> None:
    _seed(store)
    [anomaly] = _declare(store)
    before = len(_pending_events(store))
    with store.uow() as uow:
        found = uow.anomalies.get(anomaly.reference, perimeter=None, for_update=True)
        found.move_to(Status.CANCELLED, by=a_member({"76"}).as_actor("test"), at=datetime.now(UTC))
        uow.anomalies.save(found)
    assert len(_pending_events(store)) == before
    assert show_anomaly(reference=anomaly.reference, member=a_member({"76"}), uow=store.uow()).status is (
        Status.BLOCKED_NO_RECIPIENT
    )
