"""Régions and départements: the official ASS_X09 table, postal codes and FINESS numbers (SPEC §3)."""

from pathlib import Path

import pytest

from domain.errors import InvalidFilter
from domain.geography import (
    DEPARTEMENT_TO_REGION,
    OLD_REGIONS,
    OLD_TO_NEW_REGION,
    REGIONS,
    check_departement,
    check_region,
    departement_from_finess,
    departement_from_postal_code,
    region_of_departement,
)

# The table of reference/ror-codes.md, typed again here so that a slip in either copy shows.
ASS_X09 = """
01:84 02:32 03:84 04:93 05:93 06:93 07:84 08:44 09:76 10:44 11:76 12:76 13:93 14:28 15:84 16:75 17:75 18:24 19:75
2A:94 2B:94 21:27 22:53 23:75 24:75 25:27 26:84 27:28 28:24 29:53 30:76 31:76 32:76 33:75 34:76 35:53 36:24
37:24 38:84 39:27 40:75 41:24 42:84 43:84 44:52 45:24 46:76 47:75 48:76 49:52 50:28 51:44 52:44 53:52 54:44
55:44 56:53 57:44 58:27 59:32 60:32 61:28 62:32 63:84 64:75 65:76 66:76 67:44 68:44 69:84 70:27 71:27 72:52
73:84 74:84 75:11 76:28 77:11 78:11 79:75 80:32 81:76 82:76 83:93 84:93 85:52 86:75 87:75 88:44 89:27 90:27
91:11 92:11 93:11 94:11 95:11 971:01 972:02 973:03 974:04 976:06
"""
EXPECTED = dict(pair.split(":") for pair in ASS_X09.split())
REFERENCE_DOC = Path("/work/shared/reference/ror-codes.md")


def test_the_table_holds_the_101_departements_of_ass_x09_and_nothing_else() -> None:
    assert len(EXPECTED) == 101
    assert DEPARTEMENT_TO_REGION == EXPECTED


@pytest.mark.skipif(not REFERENCE_DOC.exists(), reason="shared reference not mounted")
def test_the_table_is_the_one_of_the_reference_document() -> None:
    text = REFERENCE_DOC.read_text(encoding="utf-8")
    section = text.split("## Département → région (ASS_X09)", 1)[1].split("(Corsican", 1)[0]

    assert dict(pair.split(":") for pair in section.split()) == DEPARTEMENT_TO_REGION


def test_each_departement_lies_in_its_official_region() -> None:
    assert {dep: region_of_departement(dep) for dep in EXPECTED} == EXPECTED
    assert region_of_departement("11") == "76"
    assert region_of_departement("2A") == region_of_departement("2B") == "94"


def test_every_region_has_at_least_one_departement() -> None:
    assert set(DEPARTEMENT_TO_REGION.values()) == set(REGIONS)


def test_the_eighteen_regions_carry_their_names() -> None:
    assert len(REGIONS) == 18
    assert (REGIONS["76"], REGIONS["84"], REGIONS["94"], REGIONS["06"]) == (
        "Occitanie",
        "Auvergne-Rhône-Alpes",
        "Corse",
        "Mayotte",
    )


def test_every_old_region_code_of_offer_ids_maps_to_a_current_region() -> None:
    assert set(OLD_TO_NEW_REGION) == set(OLD_REGIONS)
    assert set(OLD_TO_NEW_REGION.values()) <= set(REGIONS)
    assert OLD_TO_NEW_REGION["91"] == "76"  # Languedoc-Roussillon → Occitanie


def test_unknown_departements_have_no_region() -> None:
    assert region_of_departement("20") is None
    assert region_of_departement("975") is None
    assert region_of_departement("96") is None


@pytest.mark.parametrize(
    ("postal_code", "dep"),
    [
        ("11100", "11"),
        ("01000", "01"),
        ("75001", "75"),
        ("95000", "95"),
        ("20000", "2A"),  # Ajaccio
        ("20090", "2A"),
        ("20190", "2A"),
        ("20200", "2B"),  # Bastia
        ("20290", "2B"),
        ("20600", "2B"),
        ("97100", "971"),
        ("97200", "972"),
        ("97300", "973"),
        ("97400", "974"),
        ("97600", "976"),
        (" 11 100 ", "11"),
    ],
)
def test_a_postal_code_gives_its_departement_with_corsica_split_and_overseas_on_three_digits(
    postal_code, dep
) -> None:
    assert departement_from_postal_code(postal_code) == dep


@pytest.mark.parametrize("postal_code", ["97500", "98000", "1110", "111000", "2A000", "", "ABCDE"])
def test_a_postal_code_outside_the_table_or_malformed_gives_no_departement(postal_code) -> None:
    assert departement_from_postal_code(postal_code) is None


@pytest.mark.parametrize(
    ("finess", "dep"),
    [
        ("110000056", "11"),
        ("2A0000015", "2A"),
        ("2b0000015", "2B"),
        ("9A0000012", "971"),
        ("9B0000012", "972"),
        ("9C0000012", "973"),
        ("9D0000012", "974"),
        ("9F0000012", "976"),
    ],
)
def test_a_finess_number_gives_its_departement_with_overseas_coded_9a_to_9f(finess, dep) -> None:
    assert departement_from_finess(finess) == dep


def test_a_finess_number_outside_the_table_gives_no_departement() -> None:
    assert departement_from_finess("9E0000012") is None  # Saint-Pierre-et-Miquelon: not in ASS_X09
    assert departement_from_finess("200000012") is None
    assert departement_from_finess("970000012") is None


@pytest.mark.parametrize(("typed", "code"), [("76", "76"), (" 84 ", "84"), ("1", "01"), ("06", "06")])
def test_region_codes_are_checked_and_padded(typed, code) -> None:
    assert check_region(typed) == code


@pytest.mark.parametrize("typed", ["99", "91", "21", "Occitanie", "7"])
def test_a_region_that_does_not_exist_is_refused_with_an_example(typed) -> None:
    with pytest.raises(InvalidFilter) as caught:
        check_region(typed)

    assert caught.value.message.endswith("n'est pas un code de région (par exemple 76 pour l'Occitanie).")


@pytest.mark.parametrize(
    ("typed", "code"), [("11", "11"), ("2a", "2A"), ("2B", "2B"), ("974", "974"), ("9", "09")]
)
def test_departement_codes_are_checked_upper_cased_and_padded(typed, code) -> None:
    assert check_departement(typed) == code


@pytest.mark.parametrize("typed", ["20", "96", "975", "2C", "100"])
def test_a_departement_that_does_not_exist_is_refused_with_examples(typed) -> None:
    with pytest.raises(InvalidFilter) as caught:
        check_departement(typed)

    assert (
        caught.value.message
        == f"« {typed.upper()} » n'est pas un code de département (par exemple 11, 2A ou 974)."
    )
