"""ROR identifiers (SPEC §3) and anomaly references (SPEC §4), with the French messages users read."""

import pytest

from domain.catalogue import ResourceKind
from domain.errors import InvalidIdentifier, InvalidReference
from domain.identifiers import (
    Reference,
    guess_resource_kind,
    normalise_reference_prefix,
    parse_offer_id,
    parse_resource_id,
    parse_rpps,
    parse_structure_id,
)


def message_of(call, *args, **kwargs) -> str:
    with pytest.raises(InvalidIdentifier) as caught:
        call(*args, **kwargs)
    return caught.value.message


# --- ID National Structure -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "1110000056",  # 1 + FINESS of Narbonne
        "12A0000015",  # FINESS of Corse-du-Sud
        "12B0000015",  # FINESS of Haute-Corse
        "19A0000012",  # FINESS of Guadeloupe (overseas coded 9A)
        "19F0000012",  # FINESS of Mayotte
        "2123456789",  # 2 + SIREN (9 digits)
        "312345678900017",  # 3 + SIRET (14 digits)
        "0123456789",  # 0 + ADELI cabinet
        "410101234567",  # 4 + RPPS cabinet
    ],
)
def test_every_identifier_type_of_the_spec_is_a_valid_id_national_structure(text) -> None:
    assert parse_structure_id(text) == text


def test_spaces_are_ignored_and_finess_letters_are_upper_cased() -> None:
    assert parse_structure_id(" 1 110 000 056 ") == "1110000056"
    assert parse_structure_id("12a0000015") == "12A0000015"


def test_an_empty_structure_id_asks_for_one_with_an_example() -> None:
    assert (
        message_of(parse_structure_id, "  ") == "Saisissez l'ID National Structure (par exemple 1110000056)."
    )


@pytest.mark.parametrize("text", ["5110000056", "9110000056", "A110000056", "F110000056"])
def test_a_structure_id_must_start_with_the_digit_of_its_type(text) -> None:
    assert message_of(parse_structure_id, text) == (
        f"L'ID National Structure « {text} » doit commencer par le chiffre du type d'identifiant "
        "(1 FINESS, 2 SIREN, 3 SIRET, 0 ou 4 cabinet)."
    )


@pytest.mark.parametrize("text", ["111000005", "1", "2123", "3123456"])
def test_a_structure_id_shorter_than_ten_characters_is_too_short(text) -> None:
    assert message_of(parse_structure_id, text) == (
        f"L'ID National Structure « {text} » est trop court : au moins 10 caractères attendus."
    )


@pytest.mark.parametrize("text", ["11100000567", "1110000X56", "12C0000015", "19G0000012"])
def test_type_1_must_be_followed_by_a_nine_character_finess(text) -> None:
    assert message_of(parse_structure_id, text) == (
        f"L'ID National Structure « {text} » doit être 1 suivi d'un numéro FINESS de 9 caractères "
        "(département puis 7 chiffres)."
    )


@pytest.mark.parametrize("text", ["21234567890", "212345678A"])
def test_type_2_must_be_followed_by_a_nine_digit_siren(text) -> None:
    assert message_of(parse_structure_id, text) == (
        f"L'ID National Structure « {text} » doit être 2 suivi d'un SIREN de 9 chiffres."
    )


@pytest.mark.parametrize("text", ["31234567890001", "3123456789000171", "31234567890001A"])
def test_type_3_must_be_followed_by_a_fourteen_digit_siret(text) -> None:
    assert message_of(parse_structure_id, text) == (
        f"L'ID National Structure « {text} » doit être 3 suivi d'un SIRET de 14 chiffres."
    )


@pytest.mark.parametrize(("text", "kind"), [("012345678A", "0"), ("4ABCDEFGHIJ", "4")])
def test_cabinet_types_0_and_4_must_be_followed_by_digits_only(text, kind) -> None:
    assert message_of(parse_structure_id, text) == (
        f"L'ID National Structure « {text} » doit être {kind} suivi de chiffres uniquement."
    )


def test_the_error_names_the_form_field_it_belongs_to() -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        parse_structure_id("5", field="structure-id")

    assert caught.value.field == "structure-id"


# --- ID Offre ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["91/11359", "94/1", " 11 / 1234 ", "01/123456789012"])
def test_an_offer_id_is_an_old_region_code_a_slash_and_a_number(text) -> None:
    assert parse_offer_id(text) == "".join(text.split())


@pytest.mark.parametrize(
    "text", ["9111359", "91-11359", "91/", "/11359", "91/113A59", "911/11359", "91/1234567890123"]
)
def test_an_offer_id_without_the_region_slash_number_shape_is_refused_with_an_example(text) -> None:
    assert message_of(parse_offer_id, text) == (
        f"L'ID Offre « {text} » doit avoir la forme <code région>/<numéro>, par exemple 91/11359."
    )


@pytest.mark.parametrize("prefix", ["00", "05", "76", "84", "99"])
def test_an_offer_id_must_start_with_an_old_insee_region_code(prefix) -> None:
    assert message_of(parse_offer_id, f"{prefix}/11359") == (
        f"L'ID Offre « {prefix}/11359 » commence par {prefix}, qui n'est pas un code de région."
    )


def test_offer_id_errors_belong_to_the_offre_field() -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        parse_offer_id("nope")

    assert caught.value.field == "offre"


# --- RPPS ---------------------------------------------------------------------------------------------


def test_an_rpps_is_eleven_digits() -> None:
    assert parse_rpps("10003456789") == "10003456789"
    assert parse_rpps(" 100 0345 6789 ") == "10003456789"


@pytest.mark.parametrize("text", ["1000345678", "100034567890", "1000345678A"])
def test_anything_but_eleven_digits_is_not_an_rpps(text) -> None:
    assert message_of(parse_rpps, text) == f"Le numéro RPPS « {text} » doit compter exactement 11 chiffres."


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        (ResourceKind.STRUCTURE, "1110000056"),
        (ResourceKind.OFFRE, "91/11359"),
        (ResourceKind.PROFESSIONNEL, "10003456789"),
    ],
)
def test_a_resource_id_is_checked_by_the_rule_of_its_kind(kind, text) -> None:
    assert parse_resource_id(kind, text) == text


def test_a_resource_id_of_the_wrong_shape_for_its_kind_is_refused() -> None:
    with pytest.raises(InvalidIdentifier):
        parse_resource_id(ResourceKind.PROFESSIONNEL, "1110000056")
    with pytest.raises(InvalidIdentifier):
        parse_resource_id(ResourceKind.OFFRE, "1110000056")


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("1110000056", ResourceKind.STRUCTURE),
        ("312345678900017", ResourceKind.STRUCTURE),
        ("91/11359", ResourceKind.OFFRE),
        ("10003456789", ResourceKind.PROFESSIONNEL),  # real RPPS numbers start with 1
        ("81012345678", ResourceKind.PROFESSIONNEL),
        ("01234567890", ResourceKind.STRUCTURE),  # a cabinet (0 + ADELI-like digits)
    ],
)
def test_the_shape_of_an_identifier_tells_its_kind(text, kind) -> None:
    assert guess_resource_kind(text) is kind


# --- Anomaly references --------------------------------------------------------------------------------


def test_a_reference_is_ano_and_twelve_digits() -> None:
    reference = Reference.parse("ANO_100000000909")

    assert reference.number == 100_000_000_909
    assert str(reference) == "ANO_100000000909"


@pytest.mark.parametrize(
    "text", ["ano_100000000909", " ANO_100000000909 ", "100000000909", "Ano_1000 0000 0909"]
)
def test_a_reference_is_read_whatever_the_case_the_spaces_and_without_its_prefix(text) -> None:
    assert str(Reference.parse(text)) == "ANO_100000000909"


def test_small_numbers_are_written_on_twelve_digits() -> None:
    assert str(Reference(909)) == "ANO_000000000909"


def test_references_sort_by_number() -> None:
    assert sorted([Reference.parse("ANO_100000000910"), Reference.parse("ANO_100000000909")]) == [
        Reference(100_000_000_909),
        Reference(100_000_000_910),
    ]


@pytest.mark.parametrize(
    "text",
    ["ANO_10000000090", "ANO_1000000009091", "ANO-100000000909", "ANO_10000000090A", "TASK_100000000909", ""],
)
def test_anything_else_is_not_a_reference_and_the_message_shows_an_example(text) -> None:
    with pytest.raises(InvalidReference) as caught:
        Reference.parse(text)

    assert caught.value.message == (
        f"« {text} » n'est pas une référence d'anomalie : attendu ANO_ suivi de 12 chiffres "
        "(par exemple ANO_100000000909)."
    )


@pytest.mark.parametrize(
    ("text", "prefix"),
    [
        ("ANO_1000", "ANO_1000"),
        ("ano_1000", "ANO_1000"),
        ("1000", "ANO_1000"),
        ("ANO1000", "ANO_1000"),
        ("ANO_100000000909", "ANO_100000000909"),
    ],
)
def test_a_reference_prefix_gets_its_ano_prefix_back(text, prefix) -> None:
    assert normalise_reference_prefix(text) == prefix


@pytest.mark.parametrize("text", ["ANO_", "ANO_12A", "ANO_1000000009091", "XYZ"])
def test_a_reference_prefix_that_no_reference_can_start_with_is_refused(text) -> None:
    with pytest.raises(InvalidReference):
        normalise_reference_prefix(text)
