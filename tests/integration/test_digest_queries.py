"""The questions a digest asks the store, on SQLite and PostgreSQL, checked against the filter's reference
semantics in Python (`domain.filters.matches`) over a generated dataset: name searches resolved once,
the blocked anomalies walked by date or found through the names, whichever the store picks."""

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from benchmarks.generate import DATASET_END, generate
from domain.anomaly import Anomaly
from domain.filters import AnomalyFilter, matches, parse_filter_text
from domain.habilitation import Perimeter
from domain.statuses import BLOCKED, Status
from domain.text import fold
from storage import Store, open_store
from storage.repositories import digests as digest_queries
from tests.conftest import throwaway_postgres_database

PARIS = ZoneInfo("Europe/Paris")
LIMIT = 10
FILTERS = (
    "nom=hôpital",
    'nom="centre de santé"',
    "nom=CLINIQUE statut=bloquee_manquant",
    "nom=ehpad region=76",
    "nom=pharmacie ressource=offre",
    "nom=introuvable-xyz",
    "region=84",
)
PERIMETERS = (Perimeter.everywhere(), Perimeter.of_regions(["76", "93"]))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def generated(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Store, list[Anomaly]]]:
    with ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path_factory.mktemp('digests') / 'ror.db'}"
        else:
            url = stack.enter_context(throwaway_postgres_database("ror_digests"))
        generate(url, scale=0.003, seed=7)
        store = open_store(url)
        stack.callback(store.dispose)
        with store.reader() as uow:
            every = list(uow.anomalies.iterate(AnomalyFilter(), perimeter=Perimeter.everywhere()))
        yield store, every


def newest_first(anomalies: list[Anomaly]) -> list[str]:
    ordered = sorted(anomalies, key=lambda a: (a.updated_at, a.reference_number), reverse=True)
    return [a.reference for a in ordered[:LIMIT]]


def expected(
    every: list[Anomaly],
    flt: AnomalyFilter,
    perimeter: Perimeter,
    keep: Callable[[Anomaly], bool] = lambda _a: True,
) -> tuple[list[str], Counter[Status]]:
    found = [a for a in every if matches(flt, a, perimeter=perimeter, tz=PARIS) and keep(a)]
    return newest_first(found), Counter(a.status for a in found)


@pytest.mark.parametrize("walk_from", [0, 10**9], ids=["walking-blocked-by-date", "through-the-names"])
@pytest.mark.parametrize("words", FILTERS)
@pytest.mark.parametrize("perimeter", PERIMETERS, ids=["national", "regions-76-93"])
def test_blocked_section_counts_and_first_items_match_the_reference_semantics(
    generated: tuple[Store, list[Anomaly]],
    words: str,
    perimeter: Perimeter,
    walk_from: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store, every = generated
    monkeypatch.setattr(digest_queries, "WALK_BLOCKED_FROM", walk_from)
    flt = parse_filter_text(words)
    narrowed = flt.with_statuses(flt.statuses & BLOCKED if flt.statuses else BLOCKED)
    items, counts = expected(every, narrowed, perimeter)
    with store.reader() as uow:
        found = uow.digest_queries.blocked(flt, perimeter=perimeter, limit=LIMIT)
    assert [a.reference for a in found.items] == items
    assert dict(found.counts) == {status: n for status, n in counts.items() if n}
    assert found.total == sum(counts.values())


@pytest.mark.parametrize("words", FILTERS)
def test_updated_section_of_a_week_matches_the_reference_semantics(
    generated: tuple[Store, list[Anomaly]], words: str
) -> None:
    store, every = generated
    flt = parse_filter_text(words)
    until = DATASET_END
    since = until - timedelta(days=60)
    perimeter = Perimeter.everywhere()
    items, counts = expected(every, flt, perimeter, keep=lambda a: since < a.updated_at <= until)
    with store.reader() as uow:
        found = uow.digest_queries.updated(flt, perimeter=perimeter, since=since, until=until, limit=LIMIT)
    assert [a.reference for a in found.items] == items
    assert dict(found.counts) == dict(counts)


def test_the_reference_dataset_holds_blocked_anomalies_of_the_searched_names(
    generated: tuple[Store, list[Anomaly]],
) -> None:
    """Guards the tests above against passing on empty answers."""
    _store, every = generated
    blocked = [a for a in every if a.status in BLOCKED]
    assert sum("hopital" in fold(a.structure_name) for a in blocked) >= LIMIT
    assert any("centre de sante" in fold(a.structure_name) for a in blocked)
