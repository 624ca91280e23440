"""Declaring on a health professional (Professionnel de Santé), identified by RPPS."""

import pytest

from domain.catalogue import ResourceKind
from domain.errors import InvalidDeclaration
from domain.services import DeclarationRequest, DeclaredItem, confirmation_text, declare_anomalies
from domain.statuses import Status
from tests.builders import a_member, narbonne, practitioner
from tests.fakes import FakeUnitOfWork, FixedClock


def _declare(uow: FakeUnitOfWork, rpps: str, *items: tuple[str, str], regions: set[str] | None = None):
    request = DeclarationRequest(
        "", None, tuple(DeclaredItem(label, text) for label, text in items), rpps=rpps
    )
    return declare_anomalies(
        request=request, member=a_member(regions or {"76"}), uow=uow, clock=FixedClock(), system="CLI"
    )


def test_a_member_declares_an_anomaly_on_a_professional_by_rpps() -> None:
    uow = FakeUnitOfWork([narbonne(), practitioner()])

    created = _declare(uow, "10003456782", ("Profession", "Il est pédiatre, pas généraliste."))

    assert len(created) == 1
    assert created[0].kind is ResourceKind.PROFESSIONNEL
    assert created[0].resource_id == "10003456782"
    assert created[0].present_value == "Médecin"
    assert created[0].status is Status.BLOCKED_NO_RECIPIENT
    assert "pour la ressource 10003456782 - « Dr Claire MARTIN » sur la donnée « Profession »" in (
        confirmation_text(created)
    )


def test_a_structure_item_is_refused_on_a_professional() -> None:
    uow = FakeUnitOfWork([practitioner()])
    with pytest.raises(InvalidDeclaration) as caught:
        _declare(uow, "10003456782", ("Tarifs", "x"))
    assert "donnees" in caught.value.errors


@pytest.mark.parametrize(
    ("rpps", "regions", "expected"),
    [("123", {"76"}, "11 chiffres"), ("10003456782", {"84"}, "Aucun professionnel")],
)
def test_a_bad_or_out_of_perimeter_rpps_is_a_field_error(rpps: str, regions: set[str], expected: str) -> None:
    uow = FakeUnitOfWork([practitioner()])
    with pytest.raises(InvalidDeclaration) as caught:
        _declare(uow, rpps, ("Identité", "x"), regions=regions)
    assert expected in caught.value.errors["rpps"]
    assert uow.anomalies.rows == {}
