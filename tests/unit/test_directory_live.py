"""A structure or an offer not known locally is fetched live from the ROR national when a user names it,
kept, and found as if it had always been known; unknown there too is « inconnu »; the ROR failing is said
as such (issue 8 item 7)."""

import pytest

from domain.catalogue import ResourceKind
from domain.errors import InvalidDeclaration
from domain.services.declaration import DeclarationRequest, DeclaredItem, declare_anomalies
from domain.services.directory import find_resource
from domain.services.directory_live import LiveDirectory
from tests.builders import a_member, lyon, narbonne
from tests.fakes import FakeUnitOfWork, FixedClock
from tests.fakes_ror import FakeRorDirectory, moment, offer, organization

UNKNOWN_STRUCTURE = "Aucune structure d'identifiant 1999999999 n'est accessible dans votre périmètre."


@pytest.fixture
def ror() -> FakeRorDirectory:
    return FakeRorDirectory(
        organization("110000056", "CH NARBONNE - HOTEL DIEU", updated=moment(1)),
        organization(
            "690000000", "HOSPICES CIVILS DE LYON", updated=moment(1), region="84", postal_code="69002"
        ),
        offer("91/11359", "Unité mobile de Gériatrie", of="110000056", updated=moment(1)),
        offer("91/1567", "Urgences", of="110000056", updated=moment(1)),
    )


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()


@pytest.fixture
def live(ror: FakeRorDirectory, uow: FakeUnitOfWork) -> LiveDirectory:
    return LiveDirectory(source=ror, uow=lambda: uow, clock=FixedClock(), system="Bot Slack")


def test_a_structure_only_the_ror_knows_is_fetched_with_its_offers_and_kept(ror, uow, live):
    card = find_resource(structure_id="1110000056", member=a_member(), uow=uow, live=live)

    assert card.resource.name == "CH NARBONNE - HOTEL DIEU"
    assert uow.directory.get(ResourceKind.OFFRE, "91/1567").structure_id == "1110000056"
    assert ror.fetches == [("Organization", "1110000056"), ("offers-of", "1110000056")]


def test_a_structure_fetched_once_is_then_known_without_asking_again(ror, uow, live):
    find_resource(structure_id="1110000056", member=a_member(), uow=uow, live=live)
    ror.fetches.clear()

    find_resource(structure_id="1110000056", offer_id="91/11359", member=a_member(), uow=uow, live=live)

    assert ror.fetches == []


def test_an_offer_only_the_ror_knows_is_fetched_with_its_structure(ror, uow, live):
    card = find_resource(
        structure_id="1110000056", offer_id="91/11359", member=a_member(), uow=uow, live=live
    )

    assert (card.resource.resource_id, card.structure.name) == ("91/11359", "CH NARBONNE - HOTEL DIEU")
    assert ror.fetches == [("HealthcareService", "91/11359")]


def test_a_known_resource_is_never_fetched(ror, live):
    uow = FakeUnitOfWork([narbonne()])
    local = LiveDirectory(source=ror, uow=lambda: uow, clock=FixedClock(), system="Bot Slack")

    find_resource(structure_id="1110000056", member=a_member(), uow=uow, live=local)

    assert ror.fetches == []


def test_an_identifier_that_cannot_be_right_is_not_asked_for(ror, uow, live):
    with pytest.raises(InvalidDeclaration, match="doit commencer par le chiffre du type"):
        find_resource(structure_id="9110000056", member=a_member(), uow=uow, live=live)

    assert ror.fetches == []


def test_a_structure_the_ror_does_not_know_either_is_unknown(ror):
    uow = FakeUnitOfWork([lyon()])
    live = LiveDirectory(source=ror, uow=lambda: uow, clock=FixedClock(), system="Bot Slack")

    with pytest.raises(InvalidDeclaration) as raised:
        find_resource(structure_id="1999999999", member=a_member(), uow=uow, live=live)

    assert raised.value.errors == {"structure": UNKNOWN_STRUCTURE}


def test_when_the_ror_cannot_be_reached_the_user_is_told_so_not_that_the_structure_is_unknown(ror, uow, live):
    ror.down = True

    with pytest.raises(InvalidDeclaration) as raised:
        find_resource(structure_id="1110000056", member=a_member(), uow=uow, live=live)

    assert raised.value.errors == {
        "structure": "La structure 1110000056 n'est pas encore dans notre annuaire et l'annuaire du ROR national "
        "n'a pas pu être consulté (le ROR national (annuaire) est indisponible (HTTP 503)) : réessayez dans "
        "un instant."
    }
    assert uow.directory.count() == 0


def test_an_offer_that_cannot_be_fetched_is_reported_on_the_offer_field(ror, uow, live):
    ror.down = True

    with pytest.raises(InvalidDeclaration) as raised:
        find_resource(structure_id="1110000056", offer_id="91/11359", member=a_member(), uow=uow, live=live)

    assert list(raised.value.errors) == ["offre"]
    assert raised.value.errors["offre"].startswith("L'offre 91/11359 n'est pas encore dans notre annuaire")


def test_a_fetched_structure_outside_the_perimeter_is_answered_as_unknown_but_kept(ror, uow, live):
    occitanie = a_member(regions={"76"})

    with pytest.raises(InvalidDeclaration) as raised:
        find_resource(structure_id="1690000000", member=occitanie, uow=uow, live=live)

    assert raised.value.errors == {
        "structure": "Aucune structure d'identifiant 1690000000 n'est accessible dans votre périmètre."
    }
    assert uow.directory.get(ResourceKind.STRUCTURE, "1690000000") is not None


def test_declaring_on_a_structure_only_the_ror_knows_fetches_it_then_declares(ror, uow, live):
    request = DeclarationRequest(
        "1110000056", None, (DeclaredItem("Nom de la structure", "Faute de frappe"),)
    )

    (created,) = declare_anomalies(
        request=request, member=a_member(), uow=uow, clock=FixedClock(), system="Bot Slack", live=live
    )

    assert (created.resource_id, created.structure_name) == ("1110000056", "CH NARBONNE - HOTEL DIEU")
    assert created.present_value == "CH NARBONNE - HOTEL DIEU"


def test_declaring_when_the_ror_is_down_creates_nothing_and_says_why(ror, uow, live):
    ror.down = True
    request = DeclarationRequest(
        "1110000056", None, (DeclaredItem("Nom de la structure", "Faute de frappe"),)
    )

    with pytest.raises(InvalidDeclaration, match="n'a pas pu être consulté"):
        declare_anomalies(
            request=request, member=a_member(), uow=uow, clock=FixedClock(), system="Bot Slack", live=live
        )

    assert uow.anomalies.rows == {}


def test_the_kept_resource_carries_the_identifier_system_a_declared_task_uses(uow, live):
    find_resource(structure_id="1110000056", offer_id="91/11359", member=a_member(), uow=uow, live=live)

    assert (
        uow.directory.get(ResourceKind.STRUCTURE, "1110000056").identifier_system
        == "urn:oid:1.2.250.1.71.4.2.2"
    )
    assert uow.directory.get(ResourceKind.OFFRE, "91/11359").identifier_system is None
