"""The derived tables behind fast listing (issue 5) never disagree with the anomalies themselves:
anomaly_counts (totals, counts by status) and anomaly_names (name search), on SQLite and PostgreSQL."""

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields
from zoneinfo import ZoneInfo

import pytest

from domain.errors import InvalidDeclaration
from domain.filters import AnomalyFilter, matches, parse_filter_words
from domain.habilitation import Perimeter
from domain.services import cancel_anomaly, count_by_status, list_anomalies, set_recipient
from storage import Store
from storage.conditions import COUNTABLE_FIELDS, count_conditions
from storage.maintenance import counts_are_exact, rebuild_derived
from tests.builders import a_member
from tests.fakes import FixedClock
from tests.integration.test_storage import _declare, _seed, _varied_dataset

PARIS = ZoneInfo("Europe/Paris")


def _counts_exact(store: Store) -> bool:
    with store.engine.connect() as connection:
        return counts_are_exact(connection)


def test_counters_follow_declarations_cancellations_and_routing(store: Store) -> None:
    _varied_dataset(store)
    set_recipient(
        resource_id="1110000056",
        email="referent@ch-narbonne.fr",
        uow=store.uow(),
        clock=FixedClock(),
        system="x",
    )
    assert _counts_exact(store)


@pytest.mark.parametrize(
    "words",
    [
        [],
        ["statut=bloquee"],
        ["region=76", "statut=ouverte"],
        ["ressource=offre", "donnee=Horaires"],
        ["dep=11,69"],
    ],
    ids=lambda w: " ".join(w) or "national",
)
def test_counts_by_status_from_the_counters_match_the_rows(store: Store, words: list[str]) -> None:
    _varied_dataset(store)
    flt = parse_filter_words(words)
    with store.reader() as uow:
        everything = list(uow.anomalies.iterate(AnomalyFilter(), perimeter=Perimeter.everywhere()))
    for perimeter in (Perimeter.everywhere(), Perimeter.of_regions(["76"])):
        member = a_member(None) if perimeter.national else a_member({"76"})
        expected = Counter(a.status for a in everything if matches(flt, a, perimeter=perimeter, tz=PARIS))
        assert count_by_status(member=member, uow=store.reader(), flt=flt) == dict(expected)
        assert list_anomalies(flt=flt, member=member, uow=store.reader()).total == sum(expected.values())


def test_a_failed_declaration_changes_no_counter(store: Store) -> None:
    _seed(store)
    _declare(store)
    with pytest.raises(InvalidDeclaration):
        _declare(store, items=("Adresse établissement", "Pas une donnée"))
    assert _counts_exact(store)
    assert list_anomalies(flt=AnomalyFilter(), member=a_member(None), uow=store.reader()).total == 1


def test_concurrent_writers_keep_the_counters_exact(store: Store) -> None:
    _seed(store)
    member = a_member({"76"})

    def work(i: int) -> None:
        created = _declare(
            store,
            member=member,
            items=("Tarifs", "Nom de la structure", "Adresse établissement")[: 1 + i % 3],
        )
        if i % 2:
            cancel_anomaly(
                reference=created[0].reference, member=member, uow=store.uow(), clock=FixedClock(), system="x"
            )

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(work, range(24)))
    assert _counts_exact(store)


def test_rebuilding_the_derived_tables_gives_the_same_answers(store: Store) -> None:
    _varied_dataset(store)
    member = a_member(None)
    before = [
        list_anomalies(flt=parse_filter_words(w), member=member, uow=store.reader())
        for w in ([], ["nom=hôtel"], ["statut=bloquee"])
    ]
    with store.engine.begin() as connection:
        rebuild_derived(connection)
    after = [
        list_anomalies(flt=parse_filter_words(w), member=member, uow=store.reader())
        for w in ([], ["nom=hôtel"], ["statut=bloquee"])
    ]
    assert [(p.total, [a.reference for a in p.items]) for p in before] == [
        (p.total, [a.reference for a in p.items]) for p in after
    ]
    assert _counts_exact(store)


@dataclass(frozen=True, slots=True)
class _FilterWithANewField(AnomalyFilter):
    colour: str | None = None


def test_a_filter_field_the_counters_do_not_hold_makes_totals_count_the_rows() -> None:
    assert count_conditions(_FilterWithANewField(), perimeter=None) == []
    assert count_conditions(_FilterWithANewField(colour="rouge"), perimeter=None) is None
    for words in (
        ["ref=ANO_1000"],
        ["nom=narbonne"],
        ["id=1110000056"],
        ["du=01/01/2026"],
        ["au=01/01/2026"],
    ):
        assert count_conditions(parse_filter_words(words), perimeter=None) is None, words


def test_the_counters_answer_exactly_the_fields_they_hold() -> None:
    assert {field.name for field in fields(AnomalyFilter)} >= COUNTABLE_FIELDS
    flt = parse_filter_words(["region=76", "dep=11", "statut=bloquee", "ressource=offre", "donnee=Tarifs"])
    assert len(count_conditions(flt, perimeter=None) or []) == 5
