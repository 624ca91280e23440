"""FHIR data types rendered as the French text the ROR UI shows (Données présentes dans le ROR)."""

import pytest

from domain.fhir.values import (
    address_text,
    age_range,
    available_time,
    french_date,
    human_name,
    money,
    reference_id,
)

WEEK = ["mon", "tue", "wed", "thu", "fri"]


@pytest.mark.parametrize(
    ("slot", "shown"),
    [
        (
            {"daysOfWeek": WEEK, "availableStartTime": "09:00:00", "availableEndTime": "17:00:00"},
            "Lun-Ven 9h-17h",
        ),
        (
            {"daysOfWeek": ["sat"], "availableStartTime": "08:30:00", "availableEndTime": "12:00:00"},
            "Sam 8h30-12h",
        ),
        ({"daysOfWeek": [*WEEK, "sat", "sun"], "allDay": True}, "Lun-Dim 24h/24"),
        (
            {"daysOfWeek": ["mon", "wed", "fri"], "availableStartTime": "07:00", "availableEndTime": "19:00"},
            "Lun, Mer, Ven 7h-19h",
        ),
        ({"daysOfWeek": ["tue", "mon"]}, "Lun, Mar"),
        ({"allDay": True}, "24h/24"),
    ],
)
def test_opening_hours_read_as_days_and_hours(slot, shown):
    assert available_time(slot) == shown


@pytest.mark.parametrize(
    ("value_range", "shown"),
    [
        ({"low": {"value": 75, "code": "a"}, "high": {"value": 120, "code": "a"}}, "De 75 à 120 ans"),
        ({"low": {"value": 18}, "high": {"value": 90}}, "De 18 à 90 ans"),
        ({"low": {"value": 6, "code": "mo"}, "high": {"value": 3, "code": "a"}}, "De 6 mois à 3 ans"),
        ({"low": {"value": 18, "code": "a"}}, "À partir de 18 ans"),
        ({"high": {"value": 1, "code": "a"}}, "Jusqu'à 1 an"),
        ({}, ""),
    ],
)
def test_patient_ages_read_as_a_french_range(value_range, shown):
    assert age_range(value_range) == shown


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        ({"value": 68.4, "currency": "EUR"}, "68,40 €"),
        ({"value": 30, "currency": "EUR"}, "30 €"),
        ({"value": 12.5}, "12,50 €"),
        ({"value": "12"}, ""),
    ],
)
def test_amounts_read_with_a_decimal_comma_and_the_euro_sign(amount, shown):
    assert money(amount) == shown


def test_dates_read_day_first_and_partial_dates_stay_as_written():
    assert french_date("2024-01-03") == "03/01/2024"
    assert french_date("2024-01-03T10:00:00+01:00") == "03/01/2024"
    assert french_date("2024") == "2024"


def test_an_address_reads_street_postal_code_and_city():
    address = {"line": ["Boulevard Dr Lacroix"], "postalCode": "11100", "city": "NARBONNE"}

    assert address_text(address) == "Boulevard Dr Lacroix 11100 NARBONNE"
    assert (
        address_text({"line": ["Bâtiment B", "2 Rue Haute"], "city": "LYON"}) == "Bâtiment B 2 Rue Haute LYON"
    )
    assert address_text({"text": "Lieu-dit Kerbras"}) == "Lieu-dit Kerbras"


def test_a_name_reads_prefix_given_names_and_family_unless_written_whole():
    assert (
        human_name({"prefix": ["Dr"], "given": ["Claire", "Anne"], "family": "MARTIN"})
        == "Dr Claire Anne MARTIN"
    )
    assert human_name({"text": "Pr Jean DURAND", "family": "DURAND"}) == "Pr Jean DURAND"


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        ("Organization/abc", "abc"),
        ("https://ror.example.fr/fhir/Organization/abc", "abc"),
        ("Organization/abc/_history/2", "abc"),
        ("Location/abc", None),
        ("#contained", None),
        ("", None),
    ],
)
def test_references_are_resolved_only_to_the_expected_resource_type(reference, expected):
    assert reference_id({"reference": reference}, "Organization") == expected
