"""Habilitation groups, perimeters and members (SPEC §2)."""

import uuid

import pytest

from domain.errors import (
    ACCESS_REQUEST_ADDRESS,
    GroupAlreadyExists,
    InvalidEmail,
    InvalidGroupName,
    InvalidPerimeter,
    MemberAlreadyInGroup,
    NotHabilitated,
    UnknownGroup,
)
from domain.filters import AnomalyFilter
from domain.habilitation import Member, Perimeter, normalise_email
from domain.services import (
    add_member,
    create_group,
    list_anomalies,
    list_groups,
    remove_member,
    resolve_member,
)
from domain.statuses import Role

# --- perimeters ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "regions"),
    [
        ("76", {"76"}),
        ("76,93", {"76", "93"}),
        (" 76 , 93 ,", {"76", "93"}),
        ("1,6", {"01", "06"}),
        ("76,76", {"76"}),
    ],
)
def test_a_perimeter_is_read_from_region_codes(text, regions) -> None:
    perimeter = Perimeter.parse(text)

    assert perimeter.regions == regions
    assert not perimeter.national


@pytest.mark.parametrize("text", ["national", "National", " NATIONAL "])
def test_national_is_a_perimeter_of_its_own(text) -> None:
    assert Perimeter.parse(text) == Perimeter.everywhere()
    assert Perimeter.parse(text).national


@pytest.mark.parametrize("text", ["99", "76,99", "91", "occitanie", "76;93"])
def test_a_perimeter_with_a_code_that_is_no_region_is_refused_naming_it(text) -> None:
    with pytest.raises(InvalidPerimeter) as caught:
        Perimeter.parse(text)

    assert "n'est pas un code de région (codes INSEE 2016, par exemple 76 ou 93)." in caught.value.message


@pytest.mark.parametrize("text", ["", " , "])
def test_an_empty_perimeter_is_refused(text) -> None:
    with pytest.raises(InvalidPerimeter) as caught:
        Perimeter.parse(text)

    assert caught.value.message == "Un périmètre compte au moins une région, ou bien « national »."


def test_a_regional_perimeter_contains_its_regions_only() -> None:
    perimeter = Perimeter.parse("76,93")

    assert perimeter.contains("76")
    assert perimeter.contains("93")
    assert not perimeter.contains("84")
    assert not perimeter.contains(None)
    assert Perimeter.everywhere().contains("84")
    assert Perimeter.everywhere().contains(None)


def test_a_perimeter_prints_as_it_is_typed_and_describes_itself_in_french() -> None:
    assert str(Perimeter.parse("93,76")) == "76,93"
    assert Perimeter.parse("93,76").describe() == "76 Occitanie, 93 Provence-Alpes-Côte d'Azur"
    assert (str(Perimeter.everywhere()), Perimeter.everywhere().describe()) == ("national", "national")


# --- e-mail addresses ---------------------------------------------------------------------------------------


def test_an_email_is_trimmed_and_lower_cased() -> None:
    assert normalise_email("  Alice.Martin@Editeur.FR ") == "alice.martin@editeur.fr"


@pytest.mark.parametrize(
    "text", ["alice", "alice@editeur", "@editeur.fr", "alice @editeur.fr", "a@b@c.fr", "<a@b.fr>", ""]
)
def test_something_that_is_no_email_is_refused(text) -> None:
    with pytest.raises(InvalidEmail) as caught:
        normalise_email(text)

    assert caught.value.message == f"« {text.strip()} » n'est pas une adresse e-mail valide."


# --- groups -------------------------------------------------------------------------------------------------


def test_an_operator_creates_a_group_with_its_perimeter(uow) -> None:
    group = create_group(name="  Éditeur   Occitanie ", perimeter=Perimeter.parse("76"), uow=uow)

    assert (group.name, group.perimeter, group.members) == ("Éditeur Occitanie", Perimeter.parse("76"), set())
    assert [g.name for g in list_groups(uow=uow)] == ["Éditeur Occitanie"]


def test_a_group_name_is_taken_only_once(uow) -> None:
    create_group(name="Éditeur", perimeter=Perimeter.parse("76"), uow=uow)

    with pytest.raises(GroupAlreadyExists) as caught:
        create_group(name=" Éditeur ", perimeter=Perimeter.everywhere(), uow=uow)

    assert caught.value.message == "Le groupe d'habilitation « Éditeur » existe déjà."
    assert list_groups(uow=uow)[0].perimeter == Perimeter.parse("76")


def test_a_group_needs_a_name(uow) -> None:
    with pytest.raises(InvalidGroupName):
        create_group(name="   ", perimeter=Perimeter.everywhere(), uow=uow)

    assert list_groups(uow=uow) == []


def test_members_are_added_by_normalised_email(uow) -> None:
    create_group(name="Éditeur", perimeter=Perimeter.parse("76"), uow=uow)

    group = add_member(group_name="Éditeur", email=" Alice@Editeur.FR", uow=uow)

    assert group.members == {"alice@editeur.fr"}
    assert list_groups(uow=uow)[0].members == {"alice@editeur.fr"}


def test_a_group_is_found_with_the_spacing_it_was_created_with(uow) -> None:
    create_group(name="Éditeur  Occitanie", perimeter=Perimeter.parse("76"), uow=uow)

    assert add_member(group_name="Éditeur   Occitanie ", email="a@b.fr", uow=uow).members == {"a@b.fr"}


def test_an_invalid_email_is_not_added(uow) -> None:
    create_group(name="Éditeur", perimeter=Perimeter.parse("76"), uow=uow)

    with pytest.raises(InvalidEmail):
        add_member(group_name="Éditeur", email="alice(at)editeur.fr", uow=uow)

    assert list_groups(uow=uow)[0].members == set()


def test_members_are_added_to_existing_groups_only(uow) -> None:
    with pytest.raises(UnknownGroup) as caught:
        add_member(group_name="Fantôme", email="a@b.fr", uow=uow)

    assert caught.value.message == "Aucun groupe d'habilitation ne s'appelle « Fantôme »."


def test_a_person_belongs_to_one_group_only(uow) -> None:
    create_group(name="Éditeur A", perimeter=Perimeter.parse("76"), uow=uow)
    create_group(name="Éditeur B", perimeter=Perimeter.parse("84"), uow=uow)
    add_member(group_name="Éditeur A", email="alice@editeur.fr", uow=uow)

    with pytest.raises(MemberAlreadyInGroup) as caught:
        add_member(group_name="Éditeur B", email="ALICE@editeur.fr", uow=uow)
    with pytest.raises(MemberAlreadyInGroup):
        add_member(group_name="Éditeur A", email="alice@editeur.fr", uow=uow)

    assert caught.value.message == "alice@editeur.fr est déjà membre du groupe « Éditeur A »."
    assert {g.name: g.members for g in list_groups(uow=uow)} == {
        "Éditeur A": {"alice@editeur.fr"},
        "Éditeur B": set(),
    }


# --- members ------------------------------------------------------------------------------------------------


@pytest.fixture
def habilitated(uow):
    create_group(name="Éditeur Occitanie", perimeter=Perimeter.parse("76,93"), uow=uow)
    add_member(group_name="Éditeur Occitanie", email="alice@editeur.fr", uow=uow)
    return uow


def test_a_member_acts_with_the_group_perimeter(habilitated) -> None:
    member = resolve_member(email=" Alice@Editeur.fr ", uow=habilitated)

    assert member == Member(
        email="alice@editeur.fr", group="Éditeur Occitanie", perimeter=Perimeter.parse("76,93")
    )


def test_the_declarant_id_is_a_stable_uuid_of_the_email(habilitated) -> None:
    first = resolve_member(email="alice@editeur.fr", uow=habilitated)
    again = resolve_member(email="ALICE@editeur.fr", uow=habilitated)
    other = Member(email="bob@editeur.fr", group="x", perimeter=Perimeter.everywhere())

    assert first.declarant_id == again.declarant_id != other.declarant_id
    assert uuid.UUID(first.declarant_id).version == 5


def test_a_member_acts_as_a_declarant(habilitated) -> None:
    actor = resolve_member(email="alice@editeur.fr", uow=habilitated).as_actor("Bot")

    assert (actor.role, actor.name, actor.system) == (Role.DECLARANT, "alice@editeur.fr", "Bot")


def test_someone_in_no_group_is_told_how_to_ask_for_access(habilitated) -> None:
    with pytest.raises(NotHabilitated) as caught:
        resolve_member(email="bob@autre.fr", uow=habilitated)

    message = caught.value.message
    assert ACCESS_REQUEST_ADDRESS == "monserviceclient.ror@esante.gouv.fr"
    assert "monserviceclient.ror@esante.gouv.fr" in message
    assert message.startswith("Votre adresse bob@autre.fr n'est rattachée à aucun groupe d'habilitation ROR")
    for needed in ("périmètre", "régions", "national", "adresses e-mail", "collègues"):
        assert needed in message


@pytest.mark.parametrize("email", [None, ""])
def test_someone_without_email_is_not_habilitated_either(habilitated, email) -> None:
    with pytest.raises(NotHabilitated) as caught:
        resolve_member(email=email, uow=habilitated)

    assert caught.value.message.startswith("Votre compte n'est rattaché à aucun groupe d'habilitation ROR")
    assert "monserviceclient.ror@esante.gouv.fr" in caught.value.message


def test_a_removed_member_loses_access_at_once(habilitated) -> None:
    member = resolve_member(email="alice@editeur.fr", uow=habilitated)
    assert list_anomalies(flt=AnomalyFilter(), member=member, uow=habilitated).total == 0

    remove_member(group_name="Éditeur Occitanie", email="ALICE@editeur.fr ", uow=habilitated)

    with pytest.raises(NotHabilitated):
        resolve_member(email="alice@editeur.fr", uow=habilitated)
    assert list_groups(uow=habilitated)[0].members == set()


def test_a_removed_member_may_join_another_group(habilitated) -> None:
    create_group(name="Autre", perimeter=Perimeter.everywhere(), uow=habilitated)
    remove_member(group_name="Éditeur Occitanie", email="alice@editeur.fr", uow=habilitated)

    add_member(group_name="Autre", email="alice@editeur.fr", uow=habilitated)

    assert resolve_member(email="alice@editeur.fr", uow=habilitated).perimeter.national


def test_removing_from_an_unknown_group_is_refused(uow) -> None:
    with pytest.raises(UnknownGroup):
        remove_member(group_name="Fantôme", email="a@b.fr", uow=uow)
