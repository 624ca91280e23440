"""The listing filter (SPEC §4) and its `key=value` words (SPEC §5): every key, every error, its semantics."""

import dataclasses
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from domain.anomaly import Anomaly
from domain.catalogue import Action, ResourceKind, Thematique
from domain.errors import InvalidFilter
from domain.filters import AnomalyFilter, matches, parse_filter_text, parse_filter_words, split_words
from domain.habilitation import Perimeter
from domain.statuses import Status

S = Status
PARIS = ZoneInfo("Europe/Paris")
UTC_ZONE = ZoneInfo("UTC")
EVERYWHERE = Perimeter.everywhere()


def error_of(text: str) -> str:
    with pytest.raises(InvalidFilter) as caught:
        parse_filter_text(text)
    return caught.value.message


# --- every key of SPEC §5 ------------------------------------------------------------------------------


def test_the_spec_example_sets_every_field() -> None:
    flt = parse_filter_text(
        'region=76 dep=11 statut=bloquee,a_traiter ressource=offre nom="hotel dieu" ref=ANO_1000 '
        "du=01/01/2026 au=15/01/2026 id=91/11359 donnee=Horaires"
    )

    assert flt == AnomalyFilter(
        regions=frozenset({"76"}),
        departements=frozenset({"11"}),
        reference_prefix="ANO_1000",
        statuses=frozenset({S.BLOCKED_NO_RECIPIENT, S.BLOCKED_WRONG_RECIPIENT, S.TO_PROCESS}),
        kinds=frozenset({ResourceKind.OFFRE}),
        name_contains="hotel dieu",
        resource_ids=frozenset({"91/11359"}),
        data_items=frozenset({"Horaires"}),
        modified_from=date(2026, 1, 1),
        modified_to=date(2026, 1, 15),
    )


@pytest.mark.parametrize(
    ("word", "field", "value"),
    [
        ("region=76", "regions", frozenset({"76"})),
        ("dep=2a", "departements", frozenset({"2A"})),
        ("statut=04", "statuses", frozenset({S.BLOCKED_NO_RECIPIENT})),
        ("ressource=ps", "kinds", frozenset({ResourceKind.PROFESSIONNEL})),
        ("nom=Narbonne", "name_contains", "Narbonne"),
        ("ref=1000", "reference_prefix", "ANO_1000"),
        ("du=01/01/2026", "modified_from", date(2026, 1, 1)),
        ("au=15/01/2026", "modified_to", date(2026, 1, 15)),
        ("id=1110000056", "resource_ids", frozenset({"1110000056"})),
        ("donnee=adresse etablissement", "data_items", frozenset({"Adresse établissement"})),
    ],
)
def test_each_key_sets_its_own_field_and_nothing_else(word, field, value) -> None:
    assert parse_filter_words([word]) == dataclasses.replace(AnomalyFilter(), **{field: value})


@pytest.mark.parametrize(
    ("alias", "key"),
    [
        ("reg", "region"),
        ("Région", "region"),
        ("REGION", "region"),
        ("departement", "dep"),
        ("Département", "dep"),
        ("dept", "dep"),
        ("status", "statut"),
        ("resource", "ressource"),
        ("type", "ressource"),
        ("name", "nom"),
        ("établissement", "nom"),
        ("reference", "ref"),
        ("Référence", "ref"),
        ("id_ressource", "id"),
        ("donnée", "donnee"),
        ("item", "donnee"),
        ("from", "du"),
        ("depuis", "du"),
        ("to", "au"),
        ("jusqu_au", "au"),
    ],
)
def test_aliases_and_accented_or_upper_case_keys_mean_the_same_filter(alias, key) -> None:
    value = {
        "region": "76",
        "dep": "11",
        "statut": "04",
        "ressource": "offre",
        "nom": "dieu",
        "ref": "ANO_1",
        "id": "1110000056",
        "donnee": "Horaires",
        "du": "01/01/2026",
        "au": "01/01/2026",
    }[key]

    assert parse_filter_words([f"{alias}={value}"]) == parse_filter_words([f"{key}={value}"])


def test_several_values_are_separated_by_commas() -> None:
    flt = parse_filter_text(
        "region=76,84 dep=11,2B,974 statut=04,corrigee ressource=structure,offre id=1110000056,91/11359"
    )

    assert flt.regions == {"76", "84"}
    assert flt.departements == {"11", "2B", "974"}
    assert flt.statuses == {S.BLOCKED_NO_RECIPIENT, S.CORRECTED}
    assert flt.kinds == {ResourceKind.STRUCTURE, ResourceKind.OFFRE}
    assert flt.resource_ids == {"1110000056", "91/11359"}


def test_a_key_given_twice_adds_its_values_like_a_comma_list() -> None:
    assert parse_filter_text("statut=bloquee statut=05") == parse_filter_text("statut=bloquee,05")
    assert parse_filter_text("region=76 region=84").regions == {"76", "84"}


def test_a_single_valued_key_given_twice_with_two_values_is_refused() -> None:
    assert error_of("nom=dieu nom=lyon") == (
        "Le filtre « nom » est donné deux fois avec des valeurs différentes : gardez-en une."
    )
    assert parse_filter_text("nom=dieu nom=dieu").name_contains == "dieu"


def test_statut_accepts_codes_labels_slugs_and_groups_together() -> None:
    flt = parse_filter_words(["statut=01,À traiter,annulee,fermee"])

    assert flt.statuses == {
        S.CREATED,
        S.TO_PROCESS,
        S.CANCELLED,
        S.TOLERATED_PERMANENTLY,
        S.CORRECTED,
        S.REFUSED,
    }


def test_a_name_keeps_its_words_with_spacing_normalised_and_commas_untouched() -> None:
    assert parse_filter_words(["nom=  Hôtel   Dieu, site A "]).name_contains == "Hôtel Dieu, site A"


def test_dates_also_read_iso_and_dashes() -> None:
    assert parse_filter_words(["du=2026-01-02", "au=03-01-2026"]) == AnomalyFilter(
        modified_from=date(2026, 1, 2), modified_to=date(2026, 1, 3)
    )


def test_the_same_day_for_du_and_au_is_one_day() -> None:
    assert parse_filter_text("du=15/01/2026 au=15/01/2026").modified_to == date(2026, 1, 15)


def test_no_words_is_the_empty_filter() -> None:
    assert parse_filter_text("   ").is_empty
    assert parse_filter_words(["", "  "]) == AnomalyFilter()


# --- quoted values --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('nom="hotel dieu" statut=04', ["nom=hotel dieu", "statut=04"]),
        ("nom=« hôtel dieu » region=76", ["nom=hôtel dieu", "region=76"]),
        ("nom=«hôtel dieu»", ["nom=hôtel dieu"]),
        ("nom=“hôtel dieu” dep=11", ["nom=hôtel dieu", "dep=11"]),
        ("nom=‘hôtel dieu’", ["nom=hôtel dieu"]),
        ("nom='hotel dieu' dep=11", ["nom=hotel dieu", "dep=11"]),
        ('"nom=hotel dieu" dep=11', ["nom=hotel dieu", "dep=11"]),
        ("'nom=hôtel dieu'", ["nom=hôtel dieu"]),
        ('donnee="Date d\'ouverture"', ["donnee=Date d'ouverture"]),
        ("nom=l'hôpital dep=11", ["nom=l'hôpital", "dep=11"]),
        ("  region=76    dep=11  ", ["region=76", "dep=11"]),
        ("", []),
    ],
)
def test_split_words_keeps_quoted_values_with_spaces_whole(text, words) -> None:
    assert split_words(text) == words


def test_a_quoted_name_filters_on_the_whole_name() -> None:
    assert parse_filter_text('nom="hotel dieu"').name_contains == "hotel dieu"
    assert parse_filter_text("nom=« hôtel dieu »").name_contains == "hôtel dieu"


@pytest.mark.parametrize("text", ['nom="hotel dieu', "nom=« hôtel dieu", '"nom=hotel dieu'])
def test_an_unclosed_quote_is_an_error_not_a_guess(text) -> None:
    with pytest.raises(InvalidFilter) as caught:
        split_words(text)

    assert caught.value.message.startswith("Guillemet non fermé dans « ")


# --- errors: precise, never a silent ignore -------------------------------------------------------------


def test_an_unknown_key_is_named_with_the_possible_keys() -> None:
    assert error_of("couleur=rouge") == (
        "Filtre inconnu « couleur » : clés possibles region, dep, ref, statut, ressource, nom, id, donnee, du, au."
    )


def test_a_word_without_equals_sign_is_not_a_filter() -> None:
    assert error_of("region=76 bloquee") == (
        "« bloquee » n'est pas un filtre : écrivez clé=valeur, avec les clés "
        "region, dep, ref, statut, ressource, nom, id, donnee, du, au."
    )


def test_a_key_without_value_is_refused() -> None:
    assert error_of("statut=") == "Le filtre « statut » n'a pas de valeur."
    assert error_of('nom=""') == "Le filtre « nom » n'a pas de valeur."


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("statut=perdue", "« perdue » n'est pas un statut d'anomalie"),
        ("statut=04,perdue", "« perdue » n'est pas un statut d'anomalie"),
        ("ressource=hopital", "« hopital » n'est pas un type de ressource"),
        ("donnee=Couleur", "« Couleur » n'est pas une donnée pouvant être déclarée en anomalie"),
        ("region=99", "« 99 » n'est pas un code de région"),
        ("region=76,91", "« 91 » n'est pas un code de région"),
        ("dep=20", "« 20 » n'est pas un code de département"),
        ("dep=975", "« 975 » n'est pas un code de département"),
    ],
)
def test_an_unknown_value_is_named_in_the_error(text, start) -> None:
    assert error_of(text).startswith(start)


@pytest.mark.parametrize("text", ["ref=ANO_12A", "ref=ANO_1234567890123", "ref=XYZ"])
def test_a_reference_prefix_no_reference_can_have_is_refused(text) -> None:
    value = text.split("=", 1)[1]

    assert error_of(text) == f"« ref={value} » : préfixe de référence invalide, par exemple ref=ANO_1000."


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("du=31/02/2026", "du=31/02/2026"),
        ("au=29/02/2026", "au=29/02/2026"),
        ("du=32/01/2026", "du=32/01/2026"),
        ("au=15/13/2026", "au=15/13/2026"),
        ("du=hier", "du=hier"),
        ("du=15/01/26", "du=15/01/26"),
    ],
)
def test_an_impossible_date_is_refused_with_the_expected_format(text, shown) -> None:
    assert error_of(text) == f"« {shown} » : date impossible, attendu jj/mm/aaaa (par exemple 15/01/2026)."


def test_a_leap_day_is_a_real_date() -> None:
    assert parse_filter_text("du=29/02/2028").modified_from == date(2028, 2, 29)


def test_du_after_au_is_refused_naming_both_dates() -> None:
    assert error_of("du=16/01/2026 au=15/01/2026") == (
        "La date « du » (16/01/2026) est après la date « au » (15/01/2026)."
    )


# --- canonical words, text and description -------------------------------------------------------------

RICH = AnomalyFilter(
    regions=frozenset({"76", "84"}),
    departements=frozenset({"11", "2A", "974"}),
    reference_prefix="ANO_1000",
    statuses=frozenset({S.BLOCKED_NO_RECIPIENT, S.BLOCKED_WRONG_RECIPIENT, S.CORRECTED}),
    kinds=frozenset({ResourceKind.OFFRE, ResourceKind.PROFESSIONNEL}),
    name_contains="hôtel dieu",
    resource_ids=frozenset({"91/11359", "1110000056"}),
    data_items=frozenset({"Adresse établissement", "Date d'ouverture"}),
    modified_from=date(2026, 1, 1),
    modified_to=date(2026, 1, 15),
)


@pytest.mark.parametrize(
    "flt",
    [
        RICH,
        AnomalyFilter(),
        AnomalyFilter(name_contains="CH NARBONNE - HOTEL DIEU"),
        AnomalyFilter(name_contains="l'hôpital de jour"),
        AnomalyFilter(name_contains='résidence "les pins"'),
        AnomalyFilter(name_contains='ehpad « le parc » "bis"'),
        AnomalyFilter(statuses=frozenset(Status)),
        AnomalyFilter(modified_to=date(2026, 12, 31)),
    ],
)
def test_parsing_the_canonical_words_of_a_filter_gives_it_back(flt) -> None:
    assert parse_filter_words(flt.to_words()) == flt


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ('nom="l\'hôpital de jour"', "l'hôpital de jour"),
        ('nom=«résidence "les pins"»', 'résidence "les pins"'),
        ('nom=“ehpad « le parc » "bis"”', 'ehpad « le parc » "bis"'),
    ],
)
def test_a_quoted_name_may_hold_other_quotes(text, name) -> None:
    assert parse_filter_text(text).name_contains == name


def test_the_canonical_words_are_sorted_and_use_codes_and_slugs() -> None:
    assert RICH.to_words() == [
        "region=76,84",
        "dep=11,2A,974",
        "ref=ANO_1000",
        "statut=04,08,11",
        "ressource=offre,ps",
        "nom=hôtel dieu",
        "id=1110000056,91/11359",
        "donnee=Adresse établissement,Date d'ouverture",
        "du=01/01/2026",
        "au=15/01/2026",
    ]


def test_the_description_of_a_filter_is_french() -> None:
    assert AnomalyFilter().describe() == "Toutes les anomalies"
    assert parse_filter_text("region=76 statut=04 nom=dieu").describe() == (
        "région 76 · statut Bloquée (destinataire manquant) · nom contient « dieu »"
    )


# --- Europe/Paris days ----------------------------------------------------------------------------------


def test_the_bounds_are_the_paris_days_in_utc_in_winter() -> None:
    start, end = parse_filter_text("du=15/01/2026 au=15/01/2026").modified_bounds(PARIS)

    assert start == datetime(2026, 1, 14, 23, 0, tzinfo=UTC)
    assert end == datetime(2026, 1, 15, 23, 0, tzinfo=UTC)


def test_the_bounds_are_the_paris_days_in_utc_in_summer() -> None:
    start, end = parse_filter_text("du=15/07/2026 au=15/07/2026").modified_bounds(PARIS)

    assert start == datetime(2026, 7, 14, 22, 0, tzinfo=UTC)
    assert end == datetime(2026, 7, 15, 22, 0, tzinfo=UTC)


def test_the_day_clocks_go_forward_lasts_twenty_three_hours() -> None:
    start, end = parse_filter_text("du=29/03/2026 au=29/03/2026").modified_bounds(PARIS)

    assert start == datetime(2026, 3, 28, 23, 0, tzinfo=UTC)
    assert end == datetime(2026, 3, 29, 22, 0, tzinfo=UTC)
    assert end - start == (datetime(2026, 1, 2, 23, tzinfo=UTC) - datetime(2026, 1, 2, tzinfo=UTC))


def test_the_day_clocks_go_back_lasts_twenty_five_hours() -> None:
    start, end = parse_filter_text("du=25/10/2026 au=25/10/2026").modified_bounds(PARIS)

    assert start == datetime(2026, 10, 24, 22, 0, tzinfo=UTC)
    assert end == datetime(2026, 10, 25, 23, 0, tzinfo=UTC)


def test_open_bounds_stay_open() -> None:
    assert AnomalyFilter().modified_bounds(PARIS) == (None, None)
    assert parse_filter_text("du=01/01/2026").modified_bounds(PARIS)[1] is None


# --- matches(): the reference semantics -----------------------------------------------------------------


def an_anomaly(**changes: object) -> Anomaly:
    at = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
    anomaly = Anomaly(
        reference="ANO_100000000909",
        status=S.BLOCKED_NO_RECIPIENT,
        kind=ResourceKind.STRUCTURE,
        resource_id="1110000056",
        structure_id="1110000056",
        structure_name="CH NARBONNE - HÔTEL DIEU",
        offer_name=None,
        region="76",
        departement="11",
        data_item="Adresse établissement",
        present_value="Non renseigné",
        description="x",
        thematique=Thematique.EXACTITUDE,
        action=Action.CORRECTION,
        fhir_path="Organization.address",
        declaring_system="Bot",
        declarant_id="0",
        created_at=at,
        updated_at=at,
    )
    return dataclasses.replace(anomaly, **changes)  # type: ignore[arg-type]


def hit(text: str, anomaly: Anomaly | None = None, perimeter: Perimeter = EVERYWHERE) -> bool:
    return matches(parse_filter_text(text), anomaly or an_anomaly(), perimeter=perimeter, tz=PARIS)


@pytest.mark.parametrize(
    "text", ['nom="hotel dieu"', "nom=HÔTEL", "nom=« narbonne - hotel »", 'nom="Hôtel   Dieu"', "nom=ch"]
)
def test_the_name_filter_is_a_case_and_accent_insensitive_contains(text) -> None:
    assert hit(text)


def test_a_name_that_is_not_contained_does_not_match() -> None:
    assert not hit("nom=lyon")
    assert not hit('nom="dieu hotel"')


@pytest.mark.parametrize(
    ("text", "expected"),
    [("ref=ANO_1000", True), ("ref=100000000909", True), ("ref=ano_10000000090", True), ("ref=ANO_2", False)],
)
def test_the_reference_filter_is_a_prefix(text, expected) -> None:
    assert hit(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("region=76", True),
        ("region=84", False),
        ("region=84,76", True),
        ("dep=11", True),
        ("dep=34", False),
        ("statut=bloquee", True),
        ("statut=envoyee", False),
        ("statut=ouverte", True),
        ("statut=fermee", False),
        ("ressource=structure", True),
        ("ressource=offre,ps", False),
        ("id=1110000056", True),
        ("id=91/11359", False),
        ('donnee="adresse établissement"', True),
        ("donnee=Horaires", False),
        ("region=76 dep=11 statut=04 ressource=structure id=1110000056", True),
        ("region=76 dep=34", False),
    ],
)
def test_each_criterion_must_hold_for_an_anomaly_to_match(text, expected) -> None:
    assert hit(text) is expected


@pytest.mark.parametrize(
    ("updated_at", "expected"),
    [
        (datetime(2026, 1, 14, 22, 59, 59, tzinfo=UTC), False),  # 14/01 23:59:59 in Paris
        (datetime(2026, 1, 14, 23, 0, tzinfo=UTC), True),  # 15/01 00:00 in Paris
        (datetime(2026, 1, 15, 22, 59, 59, tzinfo=UTC), True),  # 15/01 23:59:59 in Paris
        (datetime(2026, 1, 15, 23, 0, tzinfo=UTC), False),  # 16/01 00:00 in Paris
    ],
)
def test_du_and_au_are_inclusive_paris_days(updated_at, expected) -> None:
    assert hit("du=15/01/2026 au=15/01/2026", an_anomaly(updated_at=updated_at)) is expected


def test_an_anomaly_outside_the_perimeter_never_matches_even_with_an_empty_filter() -> None:
    assert not hit("", perimeter=Perimeter.of_regions(["84"]))
    assert hit("", perimeter=Perimeter.of_regions(["76"]))
    assert not hit("region=76", perimeter=Perimeter.of_regions(["84"]))


def test_an_anomaly_without_region_is_seen_only_nationally() -> None:
    orphan = an_anomaly(region=None)

    assert hit("", orphan, perimeter=EVERYWHERE)
    assert not hit("", orphan, perimeter=Perimeter.of_regions(["76"]))
    assert not hit("region=76", orphan)
