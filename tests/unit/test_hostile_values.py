"""Every text the product stores follows one rule (issue 12 §3, §8, §9): trimmed, no longer than its field,
no control characters (NUL, bidi overrides such as RLO, escapes, tabs) — in declarations, comments, group
names, e-mails, filters and imported resources alike. Hostile import files get a French reason each."""

import json

import pytest

from domain.anomaly import MAX_COMMENT, MAX_PROPOSED_VALUE
from domain.errors import InvalidDeclaration, InvalidEmail, InvalidFilter, InvalidIdentifier, InvalidText
from domain.fhir.directory_import import parse_directory
from domain.fhir.reading import TOO_DEEP
from domain.filters import parse_filter_text
from domain.habilitation import MAX_EMAIL, MAX_GROUP_NAME, Perimeter, normalise_email
from domain.identifiers import parse_structure_id
from domain.services import (
    DeclarationRequest,
    DeclaredItem,
    add_member,
    cancel_anomaly,
    create_group,
    declare_anomalies,
    list_groups,
    record_outcome,
    transition_anomaly,
)
from domain.statuses import Status
from domain.text import check_text, printable
from tests.unit.conftest import NARBONNE, RECIPIENT, SYSTEM
from tests.unit.test_fhir_directory_import import bundle, healthcare_service, ndjson, organization

ADRESSE = "Adresse établissement"
# Characters no stored text may hold, with the code the message names.
FORBIDDEN = {
    "NUL": ("\x00", "0000"),
    "RLO": ("\u202e", "202E"),
    "LRI": ("\u2066", "2066"),
    "ESC": ("\x1b", "001B"),
    "TAB": ("\t", "0009"),
    "ZWSP": ("\u200b", "200B"),
    "lone surrogate": ("\ud800", "D800"),
}


# --- the rule ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(FORBIDDEN))
def test_a_control_character_anywhere_is_refused_naming_its_code(name) -> None:
    char, code = FORBIDDEN[name]

    with pytest.raises(InvalidText) as caught:
        check_text(f"avant{char}après", subject="Le nom", max_length=100)

    assert caught.value.message == (
        f"Le nom contient un caractère de contrôle interdit (U+{code}) : retirez-le."
    )


def test_line_breaks_are_kept_only_where_a_text_may_span_lines() -> None:
    assert check_text(" a\r\nb\rc ", subject="La description", max_length=10, multiline=True) == "a\nb\nc"
    with pytest.raises(InvalidText, match=r"\(U\+000A\)"):
        check_text("a\nb", subject="Le nom", max_length=10)


def test_emoji_sequences_accents_and_typography_are_ordinary_text() -> None:
    text = "Équipe 👩‍⚕️ « soins » — 100 % ok"

    assert check_text(text, subject="Le nom", max_length=100) == text


def test_the_length_is_counted_after_trimming_and_a_megabyte_is_refused_at_once() -> None:
    assert check_text("  " + "x" * 10 + "  ", subject="Le nom", max_length=10) == "x" * 10
    with pytest.raises(InvalidText) as caught:
        check_text("\x00" * 1_000_000, subject="Le nom", max_length=500)
    assert caught.value.message == "Le nom compte 1000000 caractères : 500 au plus."


def test_hostile_text_quoted_in_a_message_is_shown_printable_and_short() -> None:
    assert printable("a\x00b\u202ec") == "a\ufffdb\ufffdc"
    assert printable("x" * 1000, 10) == "x" * 9 + "…"


# --- declarations: the proposed value -----------------------------------------------------------------------


def _declare(uow, clock, member, proposed: str):
    request = DeclarationRequest(
        structure_id=NARBONNE, offer_id=None, items=(DeclaredItem(ADRESSE, "Le numéro manque.", proposed),)
    )
    return declare_anomalies(request=request, member=member, uow=uow, clock=clock, system=SYSTEM)


@pytest.mark.parametrize(
    ("proposed", "message"),
    [
        ("<" * 501, f"La valeur proposée compte 501 caractères : {MAX_PROPOSED_VALUE} au plus."),
        ("x" * 10_000, f"La valeur proposée compte 10000 caractères : {MAX_PROPOSED_VALUE} au plus."),
        (
            "12 rue\x00 du Port",
            "La valeur proposée contient un caractère de contrôle interdit (U+0000) : "
            "seuls les retours à la ligne sont acceptés.",
        ),
        (
            "12 rue \u202etroP ud",
            "La valeur proposée contient un caractère de contrôle interdit (U+202E) : "
            "seuls les retours à la ligne sont acceptés.",
        ),
    ],
)
def test_a_proposed_value_breaking_the_rules_is_refused_on_its_field_and_nothing_is_declared(
    uow, clock, occitanie_member, proposed, message
) -> None:
    with pytest.raises(InvalidDeclaration) as caught:
        _declare(uow, clock, occitanie_member, proposed)

    assert caught.value.errors == {f"valeur_proposee:{ADRESSE}": message}
    assert uow.anomalies.rows == {}


def test_the_longest_proposed_value_is_stored_trimmed(uow, clock, occitanie_member) -> None:
    (anomaly,) = _declare(uow, clock, occitanie_member, "  " + "<" * MAX_PROPOSED_VALUE + "  ")

    assert anomaly.proposed_value == "<" * MAX_PROPOSED_VALUE


def test_a_bad_description_and_a_bad_proposed_value_are_both_reported_at_once(
    uow, clock, occitanie_member
) -> None:
    request = DeclarationRequest(
        structure_id=NARBONNE, offer_id=None, items=(DeclaredItem(ADRESSE, "", "\x00"),)
    )
    with pytest.raises(InvalidDeclaration) as caught:
        declare_anomalies(request=request, member=occitanie_member, uow=uow, clock=clock, system=SYSTEM)

    assert set(caught.value.errors) == {f"description:{ADRESSE}", f"valeur_proposee:{ADRESSE}"}


# --- comments of status changes -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("comment", "message"),
    [
        (
            "c" * (MAX_COMMENT + 1),
            f"Le commentaire compte {MAX_COMMENT + 1} caractères : {MAX_COMMENT} au plus.",
        ),
        (
            "corrigé\x00",
            "Le commentaire contient un caractère de contrôle interdit (U+0000) : "
            "seuls les retours à la ligne sont acceptés.",
        ),
    ],
)
def test_a_comment_breaking_the_rules_is_refused_and_the_status_does_not_change(
    uow_with_recipient, clock, sent_anomaly, occitanie_member, comment, message
) -> None:
    moves = [
        lambda: cancel_anomaly(
            reference=sent_anomaly.reference,
            member=occitanie_member,
            uow=uow_with_recipient,
            clock=clock,
            system=SYSTEM,
            comment=comment,
        ),
        lambda: record_outcome(
            reference=sent_anomaly.reference,
            recipient_email=RECIPIENT,
            target=Status.CORRECTED,
            uow=uow_with_recipient,
            clock=clock,
            system=SYSTEM,
            comment=comment,
        ),
        lambda: transition_anomaly(
            reference=sent_anomaly.reference,
            target=Status.REFUSED,
            uow=uow_with_recipient,
            clock=clock,
            comment=comment,
        ),
    ]
    for move in moves:
        with pytest.raises(InvalidText) as caught:
            move()
        assert caught.value.message == message

    assert uow_with_recipient.anomalies.rows[sent_anomaly.reference].status is Status.SENT_TO_RECIPIENT


def test_a_multi_line_comment_is_kept(uow_with_recipient, clock, sent_anomaly) -> None:
    anomaly = record_outcome(
        reference=sent_anomaly.reference,
        recipient_email=RECIPIENT,
        target=Status.CORRECTED,
        uow=uow_with_recipient,
        clock=clock,
        system=SYSTEM,
        comment="Corrigé.\r\nMerci !",
    )

    assert anomaly.history[-1].comment == "Corrigé.\nMerci !"


# --- groups and e-mails -------------------------------------------------------------------------------------


def test_a_group_name_longer_than_its_field_is_refused_and_no_group_is_created(uow) -> None:
    with pytest.raises(InvalidText) as caught:
        create_group(name="G" * 300, perimeter=Perimeter.everywhere(), uow=uow)

    assert caught.value.message == f"Le nom du groupe compte 300 caractères : {MAX_GROUP_NAME} au plus."
    assert list_groups(uow=uow) == []


@pytest.mark.parametrize("name", sorted(FORBIDDEN))
def test_a_group_name_with_a_control_character_is_refused(uow, name) -> None:
    with pytest.raises(InvalidText, match=f"U\\+{FORBIDDEN[name][1]}"):
        create_group(name=f"Éditeur{FORBIDDEN[name][0]}Occitanie", perimeter=Perimeter.everywhere(), uow=uow)

    assert list_groups(uow=uow) == []


def test_the_longest_group_name_is_accepted(uow) -> None:
    assert create_group(name="G" * MAX_GROUP_NAME, perimeter=Perimeter.everywhere(), uow=uow).name == (
        "G" * MAX_GROUP_NAME
    )


def test_an_email_longer_than_320_characters_is_refused_without_being_echoed() -> None:
    address = "a" * 320 + "@editeur.fr"

    with pytest.raises(InvalidText) as caught:
        normalise_email(address)

    assert caught.value.message == f"L'adresse e-mail compte 331 caractères : {MAX_EMAIL} au plus."


@pytest.mark.parametrize("name", ["NUL", "RLO", "ESC"])
def test_an_email_with_a_control_character_is_refused(uow, name) -> None:
    create_group(name="Éditeur", perimeter=Perimeter.everywhere(), uow=uow)

    with pytest.raises(InvalidText, match=f"U\\+{FORBIDDEN[name][1]}"):
        add_member(group_name="Éditeur", email=f"alice{FORBIDDEN[name][0]}@editeur.fr", uow=uow)

    assert list_groups(uow=uow)[0].members == set()


def test_a_malformed_email_is_still_named_in_the_message() -> None:
    with pytest.raises(InvalidEmail) as caught:
        normalise_email(" Alice@Editeur ")

    assert caught.value.message == "« Alice@Editeur » n'est pas une adresse e-mail valide."


# --- identifiers and filters --------------------------------------------------------------------------------


def test_an_overlong_structure_id_is_refused_without_being_echoed() -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        parse_structure_id("0" + "1" * 5000)

    assert caught.value.message == "L'ID National Structure compte 5001 caractères : 40 au plus."


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("nom=" + "a" * 501, "Le filtre « nom » compte 501 caractères : 500 au plus."),
        (
            "nom=hôtel\x00dieu",
            "Le filtre « nom » contient un caractère de contrôle interdit (U+0000) : retirez-le.",
        ),
        ("id=" + "1" * 41, "Le filtre « id » compte 41 caractères : 40 au plus."),
        (
            "id=1110000056\u202e",
            "Le filtre « id » contient un caractère de contrôle interdit (U+202E) : retirez-le.",
        ),
    ],
)
def test_text_filters_follow_the_rule_too(text, message) -> None:
    with pytest.raises(InvalidFilter) as caught:
        parse_filter_text(text)

    assert caught.value.message == message


# --- imported resources -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hostile", "reason"),
    [
        (
            {"name": "CH NARBONNE\x00"},
            "Le nom contient un caractère de contrôle interdit (U+0000) : retirez-le.",
        ),
        ({"name": "N" * 1_000_000}, "Le nom compte 1000000 caractères : 500 au plus."),
        (
            {"name": "CH \u202eENNOBRAN"},
            "Le nom contient un caractère de contrôle interdit (U+202E) : retirez-le.",
        ),
        (
            {"address": [{"line": ["Boulevard\x00"], "postalCode": "11100", "city": "NARBONNE"}]},
            "L'adresse contient un caractère de contrôle interdit (U+0000) : "
            "seuls les retours à la ligne sont acceptés.",
        ),
        (
            {"contact": [{"telecom": [{"system": "phone", "value": "0" * 6000}]}]},
            "La donnée « Contact établissement » compte 6000 caractères : 5000 au plus.",
        ),
    ],
)
def test_a_resource_with_a_hostile_text_is_rejected_with_its_reason_and_the_rest_loads(
    hostile, reason
) -> None:
    result = parse_directory(
        ndjson(organization(**hostile), organization(id="org-2", structure_id="1110000064"))
    )

    assert [r.resource_id for r in result.resources] == ["1110000064"]
    (rejection,) = result.rejected
    assert (rejection.position, rejection.reason) == (1, reason)


def test_an_identifier_system_longer_than_its_field_rejects_the_offer() -> None:
    system = "urn:" + "x" * 300
    offer = healthcare_service(identifier=[{"system": system, "value": "91/11359"}])

    result = parse_directory(bundle(organization(), offer))

    assert [r.resource_id for r in result.resources] == ["1110000056"]
    assert result.rejected[0].reason == "Le système de l'identifiant compte 304 caractères : 200 au plus."


def test_an_offer_with_a_hostile_name_is_rejected_and_its_structure_kept() -> None:
    result = parse_directory(bundle(organization(), healthcare_service(name="Gériatrie\x1b[31m")))

    assert [r.resource_id for r in result.resources] == ["1110000056"]
    assert result.rejected[0].reason.startswith("Le nom contient un caractère de contrôle interdit (U+001B)")


def test_a_hostile_recipient_rejects_the_resource_with_a_short_reason() -> None:
    result = parse_directory(bundle(organization(recipient="a" * 400 + "@x.fr")))

    assert result.resources == []
    assert result.rejected[0].reason == (
        "Destinataire invalide : L'adresse e-mail compte 405 caractères : 320 au plus."
    )


def test_json_nested_200000_deep_is_one_french_reason_not_a_recursion_error() -> None:
    deep = "[" * 200_000 + "]" * 200_000

    for text in (deep, '{"resourceType": "Bundle", "entry": ' + deep + "}", ndjson(organization()) + deep):
        result = parse_directory(text)
        assert [r.reason for r in result.rejected] == [TOO_DEEP]


def test_two_entries_with_the_same_fhir_id_keep_the_first_and_reject_the_second_with_its_place() -> None:
    result = parse_directory(
        bundle(organization(), organization(id="org-narbonne", structure_id="1110000064", name="AUTRE"))
    )

    assert [r.resource_id for r in result.resources] == ["1110000056"]
    (rejection,) = result.rejected
    assert rejection.position == 2
    assert rejection.reason == (
        "Id FHIR Organization/org-narbonne en double : déjà présent (entrée 1), seule la première est chargée."
    )


def test_the_same_fhir_id_on_two_resource_types_is_no_duplicate() -> None:
    result = parse_directory(
        bundle(
            organization(id="x1"), healthcare_service(id="x1", provided_by={"reference": "Organization/x1"})
        )
    )

    assert result.rejected == []
    assert len(result.resources) == 2


def test_a_fhir_id_that_is_no_fhir_id_is_rejected_and_never_echoed_raw() -> None:
    result = parse_directory(ndjson(organization(id="org\x00" + "x" * 5000)))

    (rejection,) = result.rejected
    assert rejection.reason.startswith("Id FHIR invalide")
    assert "\x00" not in str(rejection)
    assert len(str(rejection)) < 300


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        (
            {"resourceType": "Bundle", "entry": {"resource": organization()}},
            '« entry » du Bundle doit être une liste d\'entrées [{"resource": …}, …], pas un objet.',
        ),
        (
            {"entry": {"resource": organization()}},
            'Bundle sans « resourceType » : un Bundle FHIR commence par "resourceType": "Bundle".',
        ),
        (
            {"entry": [{"resource": organization()}]},
            'Bundle sans « resourceType » : un Bundle FHIR commence par "resourceType": "Bundle".',
        ),
        (
            {"resourceType": "Bundle", "entry": "x"},
            '« entry » du Bundle doit être une liste d\'entrées [{"resource": …}, …], pas un texte.',
        ),
    ],
)
def test_a_bundle_whose_entries_cannot_be_read_says_why(document, reason) -> None:
    result = parse_directory(json.dumps(document))

    assert result.resources == []
    assert [r.reason for r in result.rejected] == [reason]


def test_a_bundle_without_entries_is_a_search_that_found_nothing_not_a_rejection() -> None:
    for document in (
        {"resourceType": "Bundle", "type": "searchset", "total": 0},
        {"resourceType": "Bundle", "entry": []},
    ):
        assert parse_directory(json.dumps(document)) == parse_directory(
            json.dumps({"resourceType": "Bundle"})
        )
        assert parse_directory(json.dumps(document)).rejected == []


def test_an_unsupported_resource_type_is_quoted_printable_and_short() -> None:
    result = parse_directory(ndjson({"resourceType": "X\x00" * 1000}))

    (rejection,) = result.rejected
    assert "\x00" not in str(rejection)
    assert len(str(rejection)) < 300


def test_a_hostile_reference_to_a_structure_is_quoted_printable_and_short() -> None:
    offer = healthcare_service(provided_by={"reference": "Organization/\x1b[2J" + "x" * 5000})

    result = parse_directory(bundle(organization(), offer))

    (rejection,) = result.rejected
    assert rejection.reason.startswith("Structure de l'offre inconnue : Organization/\ufffd[2J")
    assert "\x1b" not in str(rejection)
    assert len(str(rejection)) < 300
