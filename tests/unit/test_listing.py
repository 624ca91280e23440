"""Listing, showing, counting and exporting the anomalies of one's perimeter (SPEC §2, §4)."""

import pytest

from domain.errors import AnomalyNotFound, InvalidReference
from domain.filters import AnomalyFilter, parse_filter_text
from domain.services import cancel_anomaly, count_by_status, export_anomalies, list_anomalies, show_anomaly
from domain.statuses import Status

ADRESSE = "Adresse établissement"


@pytest.fixture
def three_in_occitanie_one_in_lyon(declare, clock, national_member):
    """Three anomalies on Narbonne an hour apart, then one on Lyon (84, sent to its recipient)."""
    created = []
    for label in (ADRESSE, "Contact établissement", "Tarifs"):
        created += declare((label, f"Problème sur {label}"))
        clock.advance(hours=1)
    created += declare(
        ("Nom de la structure", "Nom incomplet."), member=national_member, structure="1690000000"
    )
    return created


def refs(page) -> list[str]:
    return [a.reference for a in page.items]


def test_a_member_lists_only_the_anomalies_of_the_perimeter(
    three_in_occitanie_one_in_lyon, uow, occitanie_member, aura_member
) -> None:
    mine = list_anomalies(flt=AnomalyFilter(), member=occitanie_member, uow=uow)
    theirs = list_anomalies(flt=AnomalyFilter(), member=aura_member, uow=uow)

    assert {a.region for a in mine.items} == {"76"}
    assert mine.total == 3
    assert refs(theirs) == ["ANO_100000000003"]
    assert theirs.total == 1


def test_a_national_member_lists_everything(three_in_occitanie_one_in_lyon, uow, national_member) -> None:
    assert list_anomalies(flt=AnomalyFilter(), member=national_member, uow=uow).total == 4


def test_a_filter_on_a_region_outside_the_perimeter_shows_nothing(
    three_in_occitanie_one_in_lyon, uow, aura_member
) -> None:
    assert list_anomalies(flt=parse_filter_text("region=76"), member=aura_member, uow=uow).total == 0


def test_the_newest_modification_comes_first(three_in_occitanie_one_in_lyon, uow, occitanie_member) -> None:
    page = list_anomalies(flt=AnomalyFilter(), member=occitanie_member, uow=uow)

    assert refs(page) == ["ANO_100000000002", "ANO_100000000001", "ANO_100000000000"]
    assert [a.updated_at for a in page.items] == sorted((a.updated_at for a in page.items), reverse=True)


def test_a_status_change_brings_an_old_anomaly_back_to_the_top(
    three_in_occitanie_one_in_lyon, uow, occitanie_member, clock, system
) -> None:
    clock.advance(hours=1)
    cancel_anomaly(reference="ANO_100000000000", member=occitanie_member, uow=uow, clock=clock, system=system)

    assert (
        refs(list_anomalies(flt=AnomalyFilter(), member=occitanie_member, uow=uow))[0] == "ANO_100000000000"
    )


def test_pages_split_the_listing_and_the_total_counts_every_match(
    declare, clock, uow, occitanie_member
) -> None:
    for index in range(7):
        declare((ADRESSE, f"n° {index}"))
        clock.advance(minutes=1)

    first = list_anomalies(flt=AnomalyFilter(), member=occitanie_member, uow=uow, page=1, size=3)
    last = list_anomalies(flt=AnomalyFilter(), member=occitanie_member, uow=uow, page=3, size=3)

    assert (first.total, first.pages, first.has_next, first.has_previous) == (7, 3, True, False)
    assert refs(first) == ["ANO_100000000006", "ANO_100000000005", "ANO_100000000004"]
    assert (refs(last), last.has_next, last.has_previous) == (["ANO_100000000000"], False, True)


def test_page_and_size_out_of_range_are_brought_back_within_bounds(
    three_in_occitanie_one_in_lyon, uow, occitanie_member
) -> None:
    page = list_anomalies(flt=AnomalyFilter(), member=occitanie_member, uow=uow, page=0, size=0)

    assert (page.page, page.size, len(page.items)) == (1, 1, 1)
    assert list_anomalies(flt=AnomalyFilter(), member=occitanie_member, uow=uow, size=10_000).size == 200


def test_an_empty_listing_has_one_page(uow, occitanie_member) -> None:
    page = list_anomalies(flt=AnomalyFilter(), member=occitanie_member, uow=uow)

    assert (page.items, page.total, page.pages, page.has_next) == ([], 0, 1, False)


def test_filters_narrow_the_listing(three_in_occitanie_one_in_lyon, uow, national_member) -> None:
    def listed(text: str) -> list[str]:
        return refs(list_anomalies(flt=parse_filter_text(text), member=national_member, uow=uow))

    assert listed("statut=envoyee") == ["ANO_100000000003"]
    assert listed("statut=bloquee dep=11") == ["ANO_100000000002", "ANO_100000000001", "ANO_100000000000"]
    assert listed('donnee="contact etablissement"') == ["ANO_100000000001"]
    assert listed("nom=lyon") == ["ANO_100000000003"]
    assert listed("ref=ANO_10000000000") == [
        "ANO_100000000003",
        "ANO_100000000002",
        "ANO_100000000001",
        "ANO_100000000000",
    ]
    assert listed("ressource=offre") == []


def test_counts_by_status_cover_the_perimeter_only(
    three_in_occitanie_one_in_lyon, uow, occitanie_member, national_member
) -> None:
    assert count_by_status(member=occitanie_member, uow=uow) == {Status.BLOCKED_NO_RECIPIENT: 3}
    assert count_by_status(member=national_member, uow=uow) == {
        Status.BLOCKED_NO_RECIPIENT: 3,
        Status.SENT_TO_RECIPIENT: 1,
    }
    assert count_by_status(member=national_member, uow=uow, flt=parse_filter_text("region=84")) == {
        Status.SENT_TO_RECIPIENT: 1
    }


def test_an_export_yields_every_match_newest_first(
    three_in_occitanie_one_in_lyon, uow, occitanie_member
) -> None:
    exported = list(export_anomalies(flt=AnomalyFilter(), member=occitanie_member, uow=uow))

    assert [a.reference for a in exported] == ["ANO_100000000002", "ANO_100000000001", "ANO_100000000000"]


def test_a_member_sees_an_anomaly_of_the_perimeter_with_its_history(
    three_in_occitanie_one_in_lyon, uow, occitanie_member
) -> None:
    anomaly = show_anomaly(reference="ano_100000000000", member=occitanie_member, uow=uow)

    assert anomaly.reference == "ANO_100000000000"
    assert [h.status for h in anomaly.history] == [Status.CREATED, Status.BLOCKED_NO_RECIPIENT]


def test_a_member_of_84_is_told_a_76_anomaly_does_not_exist(
    three_in_occitanie_one_in_lyon, uow, aura_member
) -> None:
    with pytest.raises(AnomalyNotFound) as outside:
        show_anomaly(reference="ANO_100000000000", member=aura_member, uow=uow)
    with pytest.raises(AnomalyNotFound) as missing:
        show_anomaly(reference="ANO_199999999999", member=aura_member, uow=uow)

    assert outside.value.message == "Aucune anomalie ANO_100000000000 n'est accessible dans votre périmètre."
    assert outside.value.message.replace("100000000000", "N") == missing.value.message.replace(
        "199999999999", "N"
    )


def test_a_malformed_reference_is_refused_before_looking(uow, occitanie_member) -> None:
    with pytest.raises(InvalidReference):
        show_anomaly(reference="ANO_12", member=occitanie_member, uow=uow)
