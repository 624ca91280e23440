"""The export reads every matching anomaly once, newest modification first, batch after batch (keyset on
the last modification and the number, ties included), on SQLite and PostgreSQL."""

from datetime import UTC, datetime, timedelta

import pytest

from domain.filters import parse_filter_words
from domain.services import (
    DeclarationRequest,
    DeclaredItem,
    declare_anomalies,
    export_anomalies,
    list_anomalies,
)
from storage import Store
from storage.repositories import anomalies as repository
from tests.builders import a_member, narbonne
from tests.fakes import FixedClock

ITEMS = ("Adresse établissement", "Contact établissement", "Tarifs", "Nom de la structure")


def _seed(store: Store) -> None:
    with store.uow() as uow:
        uow.directory.upsert(narbonne())
        uow.commit()
    start = datetime(2026, 1, 14, 22, 0, tzinfo=UTC)
    for day in range(4):  # four anomalies per moment: ties on the last modification
        request = DeclarationRequest("1110000056", None, tuple(DeclaredItem(label, "x") for label in ITEMS))
        clock = FixedClock(start + timedelta(hours=day))
        declare_anomalies(request=request, member=a_member({"76"}), uow=store.uow(), clock=clock, system="t")


@pytest.mark.parametrize("words", [[], ["donnee=Tarifs"], ["du=15/01/2026"]])
def test_the_export_walks_batches_in_listing_order(store: Store, monkeypatch, words: list[str]) -> None:
    _seed(store)
    monkeypatch.setattr(repository, "EXPORT_BATCH", 3)
    flt = parse_filter_words(words)
    member = a_member({"76"})

    exported = [a.reference for a in export_anomalies(flt=flt, member=member, uow=store.reader())]
    listed = list_anomalies(flt=flt, member=member, uow=store.reader(), page=1, size=200)

    assert exported == [a.reference for a in listed.items]
    assert len(exported) == len(set(exported)) == listed.total > 0


def test_the_export_sees_nothing_outside_the_perimeter(store: Store) -> None:
    _seed(store)
    elsewhere = a_member({"84"})

    assert list(export_anomalies(flt=parse_filter_words([]), member=elsewhere, uow=store.reader())) == []
