"""Anomaly statuses (TRE_R352): codes, both labels, slugs, groups and how users type them (SPEC §4, §5)."""

import pytest

from domain.errors import UnknownStatus
from domain.statuses import BLOCKED, FINAL, OPEN, STATUS_GROUPS, Status, parse_status

S = Status
# code, label shown in the ROR UI (feminine), NOS label (FHIR display), slug of SPEC §5
TABLE = [
    ("01", "Créée", "Créé", "creee"),
    ("02", "À traiter", "À traiter", "a_traiter"),
    ("03", "Annulée", "Annulé", "annulee"),
    ("04", "Bloquée (destinataire manquant)", "Bloqué (destinataire manquant)", "bloquee_manquant"),
    ("05", "Envoyée au destinataire", "Envoyé au destinataire", "envoyee"),
    ("06", "Tolérée temporairement", "Toléré temporairement", "toleree_temporairement"),
    ("07", "Tolérée définitivement", "Toléré définitivement", "toleree_definitivement"),
    ("08", "Corrigée", "Corrigé", "corrigee"),
    ("09", "Refusée", "Refusé", "refusee"),
    ("10", "À vérifier", "À vérifier", "a_verifier"),
    ("11", "Bloquée (destinataire erroné)", "Bloqué (destinataire erroné)", "bloquee_errone"),
]


def test_there_are_exactly_the_eleven_statuses_of_tre_r352() -> None:
    assert [s.code for s in Status] == [row[0] for row in TABLE]


@pytest.mark.parametrize(("code", "label", "nos_label", "slug"), TABLE)
def test_each_status_has_its_ui_label_its_nos_label_and_its_slug(code, label, nos_label, slug) -> None:
    status = Status(code)

    assert (status.label, status.nos_label, status.slug) == (label, nos_label, slug)


@pytest.mark.parametrize(("code", "label", "nos_label", "slug"), TABLE)
def test_a_status_is_recognised_by_its_code_either_label_or_its_slug(code, label, nos_label, slug) -> None:
    expected = frozenset({Status(code)})

    for typed in (code, label, nos_label, slug, label.upper(), slug.upper(), f"  {label.lower()} "):
        assert parse_status(typed) == expected, typed


@pytest.mark.parametrize(
    ("typed", "status"),
    [
        ("4", S.BLOCKED_NO_RECIPIENT),
        ("A TRAITER", S.TO_PROCESS),
        ("à traiter", S.TO_PROCESS),
        ("a-traiter", S.TO_PROCESS),
        ("A_Vérifier", S.TO_CHECK),
        ("bloquée (destinataire manquant)", S.BLOCKED_NO_RECIPIENT),
        ("BLOQUEE (DESTINATAIRE ERRONE)", S.BLOCKED_WRONG_RECIPIENT),
        ("Envoyee au destinataire", S.SENT_TO_RECIPIENT),
        ("tolérée_définitivement", S.TOLERATED_PERMANENTLY),
        ("Corrigé", S.CORRECTED),
    ],
)
def test_case_accents_and_separators_are_ignored(typed, status) -> None:
    assert parse_status(typed) == {status}


def test_the_group_bloquee_is_the_two_blocked_statuses() -> None:
    assert parse_status("bloquee") == {S.BLOCKED_NO_RECIPIENT, S.BLOCKED_WRONG_RECIPIENT} == BLOCKED
    assert parse_status("Bloquées") == BLOCKED


def test_the_group_ouverte_is_every_status_that_is_not_final() -> None:
    assert parse_status("ouverte") == {S("01"), S("02"), S("04"), S("05"), S("06"), S("10"), S("11")} == OPEN
    assert parse_status("OUVERTES") == OPEN


def test_the_group_fermee_is_the_four_final_statuses() -> None:
    assert parse_status("fermée") == {S.CANCELLED, S.TOLERATED_PERMANENTLY, S.CORRECTED, S.REFUSED} == FINAL
    assert parse_status("fermees") == FINAL


def test_the_groups_split_the_statuses_into_open_and_closed() -> None:
    assert frozenset(Status) == OPEN | FINAL
    assert not OPEN & FINAL
    assert BLOCKED <= OPEN
    assert set(STATUS_GROUPS) >= {"bloquee", "ouverte", "fermee"}


@pytest.mark.parametrize("status", list(Status))
def test_final_and_blocked_flags_follow_the_groups(status) -> None:
    assert status.is_final is (status.code in {"03", "07", "08", "09"})
    assert (status in BLOCKED) is (status.code in {"04", "11"})


@pytest.mark.parametrize("typed", ["12", "00", "bloque", "ouvert_ou_ferme", "envoyée à personne", "", "123"])
def test_anything_else_is_an_unknown_status_with_a_helpful_message(typed) -> None:
    with pytest.raises(UnknownStatus) as caught:
        parse_status(typed)

    assert caught.value.message == (
        f"« {typed} » n'est pas un statut d'anomalie : utilisez un code (01 à 11), un libellé "
        "ou un mot-clé comme bloquee, ouverte, fermee, envoyee, corrigee."
    )
