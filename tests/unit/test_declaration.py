"""Declaring anomalies (SPEC §4): the walkthrough, routing, validation per field, atomicity, replays."""

import dataclasses
import uuid

import pytest

from domain.catalogue import Action, ResourceKind, Thematique
from domain.errors import InvalidDeclaration
from domain.events import SentToRecipient, StatusChanged
from domain.services import (
    DeclarationRequest,
    DeclaredItem,
    clean_description,
    confirmation_text,
    declare_anomalies,
    description_key,
)
from domain.statuses import Role, Status
from tests.builders import geriatrie

ADRESSE = "Adresse établissement"
CONTACT = "Contact établissement"
NOT_FOUND_STRUCTURE = "Aucune structure d'identifiant {} n'est accessible dans votre périmètre."
NOT_FOUND_OFFER = "Aucune offre d'identifiant {} n'est accessible dans votre périmètre."


def errors_of(declare, *items, **kwargs) -> dict[str, str]:
    with pytest.raises(InvalidDeclaration) as caught:
        declare(*items, **kwargs)
    return caught.value.errors


# --- the SPEC walkthrough --------------------------------------------------------------------------------


def test_a_member_of_occitanie_declares_two_anomalies_on_narbonne_and_reads_the_spec_confirmation(
    declare,
) -> None:
    created = declare((ADRESSE, "Le numéro de rue manque."), (CONTACT, "Le standard a changé."))

    assert [a.reference for a in created] == ["ANO_100000000000", "ANO_100000000001"]
    assert all(len(a.reference) == 16 and a.reference[4:].isdigit() for a in created)
    assert confirmation_text(created) == (
        "Les anomalies suivantes ont été créées :\n"
        "ANO_100000000000 pour la ressource 1110000056 - « CH NARBONNE - HOTEL DIEU » "
        "sur la donnée « Adresse établissement »\n"
        "ANO_100000000001 pour la ressource 1110000056 - « CH NARBONNE - HOTEL DIEU » "
        "sur la donnée « Contact établissement »"
    )


def test_without_a_recipient_the_anomalies_are_blocked_for_want_of_one(declare, uow) -> None:
    created = declare((ADRESSE, "Le numéro de rue manque."), (CONTACT, "Le standard a changé."))

    assert [a.status for a in created] == [Status.BLOCKED_NO_RECIPIENT] * 2
    assert [a.status for a in uow.anomalies.rows.values()] == [Status.BLOCKED_NO_RECIPIENT] * 2
    assert all(a.recipient is None for a in created)
    assert not [e for e in uow.outbox.events if isinstance(e, SentToRecipient)]


def test_with_a_recipient_the_anomalies_are_sent_and_the_recipient_is_notified(
    declare_with_recipient, uow_with_recipient
) -> None:
    created = declare_with_recipient(
        (ADRESSE, "Le numéro de rue manque."), (CONTACT, "Le standard a changé.")
    )

    assert [a.status for a in created] == [Status.SENT_TO_RECIPIENT] * 2
    assert all(a.recipient == "referent.finess@ch-narbonne.fr" for a in created)
    sent = [e for e in uow_with_recipient.outbox.events if isinstance(e, SentToRecipient)]
    assert sent == [
        SentToRecipient("ANO_100000000000", "referent.finess@ch-narbonne.fr"),
        SentToRecipient("ANO_100000000001", "referent.finess@ch-narbonne.fr"),
    ]


def test_an_anomaly_stores_every_field_of_the_spec(declare, occitanie_member, clock, system) -> None:
    anomaly = declare((ADRESSE, "  Le numéro de rue manque.  "))[0]

    assert (anomaly.kind, anomaly.resource_id, anomaly.structure_id) == (
        ResourceKind.STRUCTURE,
        "1110000056",
        "1110000056",
    )
    assert (anomaly.structure_name, anomaly.offer_name) == ("CH NARBONNE - HOTEL DIEU", None)
    assert (anomaly.region, anomaly.departement) == ("76", "11")
    assert anomaly.data_item == ADRESSE
    assert anomaly.present_value == "Boulevard Dr Lacroix 11100 NARBONNE"
    assert anomaly.description == "Le numéro de rue manque."
    assert (anomaly.thematique, anomaly.action) == (Thematique.EXACTITUDE, Action.CORRECTION)
    assert anomaly.fhir_path == "Organization.address"
    assert anomaly.rule is None
    assert anomaly.declaring_system == system
    assert anomaly.declarant_id == occitanie_member.declarant_id
    assert uuid.UUID(anomaly.declarant_id).version == 5
    assert (anomaly.declarant_email, anomaly.group_name) == ("alice@editeur.fr", "Éditeur Occitanie")
    assert anomaly.created_at == anomaly.updated_at == clock.now()


def test_the_declaration_writes_the_creation_and_the_routing_in_the_history(declare, clock, system) -> None:
    anomaly = declare((ADRESSE, "Le numéro de rue manque."))[0]

    assert [(h.previous, h.status, h.role, h.actor, h.system, h.at) for h in anomaly.history] == [
        (None, Status.CREATED, Role.DECLARANT, "alice@editeur.fr", system, clock.now()),
        (
            Status.CREATED,
            Status.BLOCKED_NO_RECIPIENT,
            Role.SYSTEM,
            "Routage automatique",
            system,
            clock.now(),
        ),
    ]


def test_the_declarant_hears_about_the_routing(declare, uow) -> None:
    declare((ADRESSE, "Le numéro de rue manque."))

    assert uow.outbox.events == [
        StatusChanged(
            "ANO_100000000000",
            Status.CREATED,
            Status.BLOCKED_NO_RECIPIENT,
            "Routage automatique",
            "alice@editeur.fr",
            "Aucun destinataire connu pour cette ressource",
        )
    ]


def test_an_item_the_directory_does_not_fill_is_stored_as_non_renseigne(declare) -> None:
    assert declare(("Tarifs", "Les tarifs manquent."))[0].present_value == "Non renseigné"


def test_offre_manquante_is_declared_as_an_exhaustivity_addition(declare) -> None:
    anomaly = declare(("offre manquante", "L'unité de soins palliatifs n'est pas décrite."))[0]

    assert anomaly.data_item == "Offre manquante"
    assert (anomaly.thematique, anomaly.action) == (Thematique.EXHAUSTIVITE, Action.AJOUT)


def test_an_anomaly_on_an_offer_names_the_offer_and_its_structure(declare) -> None:
    anomaly = declare(("Horaires", "Ouvert aussi le samedi matin."), offer="91/11359")[0]

    assert (anomaly.kind, anomaly.resource_id, anomaly.structure_id) == (
        ResourceKind.OFFRE,
        "91/11359",
        "1110000056",
    )
    assert (anomaly.offer_name, anomaly.structure_name) == (
        "Unité mobile de Gériatrie",
        "CH NARBONNE - HOTEL DIEU",
    )
    assert anomaly.present_value == "Lun-Ven 9h-17h"
    assert confirmation_text([anomaly]) == (
        "Les anomalies suivantes ont été créées :\n"
        "ANO_100000000000 pour la ressource 91/11359 - « Unité mobile de Gériatrie » sur la donnée « Horaires »"
    )


def test_ids_typed_with_spaces_are_found(declare) -> None:
    assert (
        declare(("Horaires", "x"), structure=" 1 110 000 056 ", offer=" 91/11359 ")[0].resource_id
        == "91/11359"
    )


def test_a_blank_offer_id_means_the_structure(declare) -> None:
    assert declare((ADRESSE, "x"), offer="   ")[0].kind is ResourceKind.STRUCTURE


def test_the_proposed_value_is_kept_trimmed_and_empty_means_none(declare_anomalies_request) -> None:
    created = declare_anomalies_request(
        DeclaredItem(ADRESSE, "Rue fausse.", proposed_value="  12 boulevard Dr Lacroix "),
        DeclaredItem(CONTACT, "Numéro faux.", proposed_value="   "),
    )

    assert [a.proposed_value for a in created] == ["12 boulevard Dr Lacroix", None]


@pytest.fixture
def declare_anomalies_request(uow, clock, occitanie_member, system):
    def run(*items: DeclaredItem):
        request = DeclarationRequest(structure_id="1110000056", offer_id=None, items=items)
        return declare_anomalies(
            request=request, member=occitanie_member, uow=uow, clock=clock, system=system
        )

    return run


def test_a_national_member_declares_anywhere(declare, national_member) -> None:
    anomaly = declare(
        ("Nom de la structure", "Nom incomplet."), member=national_member, structure="1690000000"
    )[0]

    assert (anomaly.region, anomaly.status) == ("84", Status.SENT_TO_RECIPIENT)


def test_references_keep_growing_across_declarations(declare) -> None:
    first = declare((ADRESSE, "x"))
    second = declare((ADRESSE, "y"))

    assert [a.reference for a in first + second] == ["ANO_100000000000", "ANO_100000000001"]


# --- atomicity ------------------------------------------------------------------------------------------


def test_one_bad_description_creates_nothing_and_consumes_no_reference(declare, uow) -> None:
    errors = errors_of(declare, (ADRESSE, "Le numéro manque."), (CONTACT, "x" * 801))

    assert list(errors) == ["description:Contact établissement"]
    assert uow.anomalies.rows == {}
    assert uow.outbox.events == []
    assert uow.commits == 0
    assert declare((ADRESSE, "Le numéro manque."))[0].reference == "ANO_100000000000"


def test_a_failure_while_storing_leaves_nothing_half_written(declare, uow, monkeypatch) -> None:
    added = []

    def add_then_fail(anomaly):
        if added:
            raise RuntimeError("disk full")
        added.append(anomaly)
        uow.anomalies.save(anomaly)

    monkeypatch.setattr(uow.anomalies, "add", add_then_fail)

    with pytest.raises(RuntimeError):
        declare((ADRESSE, "x"), (CONTACT, "y"))

    assert len(added) == 1
    assert uow.anomalies.rows == {}
    assert uow.outbox.events == []


# --- validation, per field ------------------------------------------------------------------------------


def test_the_same_item_twice_is_refused_whatever_its_spelling(declare, uow) -> None:
    errors = errors_of(declare, (ADRESSE, "x"), ("adresse ETABLISSEMENT", "y"))

    assert errors == {
        "donnees": "La donnée « Adresse établissement » est choisie deux fois : une anomalie par donnée."
    }
    assert uow.anomalies.rows == {}


def test_a_declaration_needs_at_least_one_item(declare) -> None:
    assert errors_of(declare) == {"donnees": "Choisissez au moins une donnée en anomalie."}


def test_an_item_of_another_kind_is_refused_on_the_donnees_field(declare) -> None:
    assert errors_of(declare, ("Identité", "x")) == {
        "donnees": "« Identité » n'est pas une donnée pouvant être déclarée en anomalie "
        "pour une ressource de type Structure."
    }
    assert "donnees" in errors_of(declare, ("Adresse offre", "x"))  # an offer item on a structure


@pytest.mark.parametrize("description", ["", "   ", "\n\n", " \t "])
def test_an_empty_description_is_refused_on_its_items_field(declare, description) -> None:
    assert errors_of(declare, (ADRESSE, description)) == {
        "description:Adresse établissement": "Décrivez l'anomalie (entre 1 et 800 caractères)."
    }


def test_a_description_of_800_characters_after_trimming_is_accepted(declare) -> None:
    text = "é" * 800

    assert declare((ADRESSE, f"  \n{text}\n  "))[0].description == text


def test_a_description_of_801_characters_is_refused_with_its_length(declare) -> None:
    assert errors_of(declare, (ADRESSE, "a" * 801)) == {
        "description:Adresse établissement": "La description compte 801 caractères : 800 au plus."
    }


def test_line_breaks_are_allowed_and_windows_ones_normalised(declare) -> None:
    anomaly = declare((ADRESSE, "Ligne 1\r\nLigne 2\rLigne 3\nLigne 4"))[0]

    assert anomaly.description == "Ligne 1\nLigne 2\nLigne 3\nLigne 4"


@pytest.mark.parametrize(
    ("char", "code"),
    [
        ("\t", "0009"),
        ("\x00", "0000"),
        ("\x1b", "001B"),
        ("\x7f", "007F"),
        ("\u202e", "202E"),
        ("\u200b", "200B"),
    ],
)
def test_control_characters_other_than_line_breaks_are_refused(declare, char, code) -> None:
    assert errors_of(declare, (ADRESSE, f"avant{char}après")) == {
        "description:Adresse établissement": f"La description contient un caractère de contrôle interdit (U+{code}) : "
        "seuls les retours à la ligne sont acceptés."
    }


def test_emoji_sequences_and_accents_are_ordinary_text(declare) -> None:
    text = "Équipe 👩‍⚕️ « soins » — 100 % ok"

    assert declare((ADRESSE, text))[0].description == text


def test_every_bad_item_gets_its_own_error_at_once(declare) -> None:
    errors = errors_of(declare, (ADRESSE, ""), (CONTACT, "a" * 900), ("Couleur", "x"))

    assert set(errors) == {
        "description:Adresse établissement",
        "description:Contact établissement",
        "donnees",
    }


def test_description_errors_are_keyed_by_the_catalogue_label(declare) -> None:
    errors = errors_of(declare, ("adresse etablissement", ""))

    assert list(errors) == [description_key("Adresse établissement")] == ["description:Adresse établissement"]


def test_clean_description_trims_and_counts_after_trimming() -> None:
    assert clean_description("  x  ") == "x"
    assert clean_description(" " * 50 + "y" * 800 + " " * 50) == "y" * 800
    with pytest.raises(ValueError, match="801 caractères"):
        clean_description("y" * 801)


# --- identifiers: malformed, unknown, out of perimeter ---------------------------------------------------


def test_a_malformed_structure_id_is_an_error_of_the_structure_field(declare) -> None:
    assert errors_of(declare, (ADRESSE, "x"), structure="5110000056") == {
        "structure": "L'ID National Structure « 5110000056 » doit commencer par le chiffre du type "
        "d'identifiant (1 FINESS, 2 SIREN, 3 SIRET, 0 ou 4 cabinet)."
    }


def test_malformed_structure_and_offer_ids_are_reported_together(declare) -> None:
    assert set(errors_of(declare, (ADRESSE, "x"), structure="11", offer="91-11359")) == {"structure", "offre"}


def test_an_unknown_structure_is_answered_as_not_found(declare, uow) -> None:
    assert errors_of(declare, (ADRESSE, "x"), structure="1110000099") == {
        "structure": NOT_FOUND_STRUCTURE.format("1110000099")
    }
    assert uow.anomalies.rows == {}


def test_a_structure_outside_the_perimeter_is_answered_exactly_as_if_it_did_not_exist(
    declare, aura_member, uow
) -> None:
    outside = errors_of(declare, (ADRESSE, "x"), member=aura_member, structure="1110000056")
    missing = errors_of(declare, (ADRESSE, "x"), member=aura_member, structure="1110000099")

    assert outside == {"structure": NOT_FOUND_STRUCTURE.format("1110000056")}
    assert outside["structure"].replace("1110000056", "X") == missing["structure"].replace("1110000099", "X")
    assert uow.anomalies.rows == {}


def test_an_unknown_offer_is_answered_as_not_found(declare) -> None:
    assert errors_of(declare, ("Horaires", "x"), offer="91/99999") == {
        "offre": NOT_FOUND_OFFER.format("91/99999")
    }


def test_an_offer_outside_the_perimeter_is_answered_as_not_found(declare, uow, occitanie_member) -> None:
    uow.directory.upsert(
        dataclasses.replace(geriatrie(), resource_id="82/12345", region="84", departement="69")
    )

    assert errors_of(declare, ("Horaires", "x"), offer="82/12345") == {
        "offre": NOT_FOUND_OFFER.format("82/12345")
    }


def test_an_offer_of_another_structure_is_refused_on_the_offre_field(declare, national_member) -> None:
    assert errors_of(
        declare, ("Horaires", "x"), member=national_member, structure="1690000000", offer="91/11359"
    ) == {"offre": "L'offre 91/11359 n'appartient pas à la structure 1690000000."}


def test_an_offer_of_a_structure_outside_the_perimeter_does_not_reveal_that_structure(
    declare, aura_member
) -> None:
    errors = errors_of(declare, ("Horaires", "x"), member=aura_member, offer="91/11359")

    assert errors == {
        "structure": NOT_FOUND_STRUCTURE.format("1110000056"),
        "offre": NOT_FOUND_OFFER.format("91/11359"),
    }


# --- replays ---------------------------------------------------------------------------------------------


def test_replaying_a_declaration_with_its_key_returns_the_same_anomalies_and_creates_nothing(
    declare, uow
) -> None:
    first = declare((ADRESSE, "x"), (CONTACT, "y"), key="view-V123")
    rows, events, next_number = dict(uow.anomalies.rows), list(uow.outbox.events), uow.anomalies.next_number

    again = declare((ADRESSE, "x"), (CONTACT, "y"), key="view-V123")

    assert [a.reference for a in again] == [a.reference for a in first]
    assert [a.status for a in again] == [a.status for a in first]
    assert uow.anomalies.rows.keys() == rows.keys()
    assert uow.outbox.events == events
    assert uow.anomalies.next_number == next_number


def test_another_key_is_another_declaration(declare, uow) -> None:
    declare((ADRESSE, "x"), key="view-1")
    declare((ADRESSE, "x"), key="view-2")

    assert len(uow.anomalies.rows) == 2


def test_a_refused_declaration_does_not_burn_its_key(declare, uow) -> None:
    errors_of(declare, (ADRESSE, ""), key="view-1")

    assert declare((ADRESSE, "x"), key="view-1")[0].reference == "ANO_100000000000"
    assert len(uow.anomalies.rows) == 1
