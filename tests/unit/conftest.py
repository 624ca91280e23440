"""Shared fixtures of the domain unit tests: an in-memory store holding the SPEC's example resources,
a fixed clock, members of Occitanie (76) and Auvergne-Rhône-Alpes (84), and a one-call declaration."""

from typing import Protocol

import pytest

from domain.anomaly import Anomaly
from domain.habilitation import Member
from domain.services import DeclarationRequest, DeclaredItem, declare_anomalies
from tests.builders import a_member, geriatrie, lyon, narbonne
from tests.fakes import FakeUnitOfWork, FixedClock

SYSTEM = "Bot Slack ROR Anomalies"
NARBONNE = "1110000056"
GERIATRIE = "91/11359"
LYON = "1690000000"
RECIPIENT = "referent.finess@ch-narbonne.fr"


class Declare(Protocol):
    def __call__(
        self,
        *items: tuple[str, str],
        member: Member | None = None,
        structure: str = NARBONNE,
        offer: str | None = None,
        key: str | None = None,
    ) -> list[Anomaly]: ...


@pytest.fixture
def system() -> str:
    """The *Système déclarant* this bot writes."""
    return SYSTEM


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def uow() -> FakeUnitOfWork:
    """Narbonne (76, no recipient), its geriatric offer (76, no recipient), Lyon (84, with a recipient)."""
    return FakeUnitOfWork([narbonne(), geriatrie(), lyon()])


@pytest.fixture
def uow_with_recipient() -> FakeUnitOfWork:
    return FakeUnitOfWork([narbonne(recipient=RECIPIENT), geriatrie(), lyon()])


@pytest.fixture
def occitanie_member() -> Member:
    return a_member(regions={"76"}, email="alice@editeur.fr", group="Éditeur Occitanie")


@pytest.fixture
def aura_member() -> Member:
    return a_member(regions={"84"}, email="bob@autre-editeur.fr", group="Éditeur Rhône-Alpes")


@pytest.fixture
def national_member() -> Member:
    return a_member(regions=None, email="carol@national.fr", group="Éditeur national")


def _declare_in(uow: FakeUnitOfWork, clock: FixedClock, default_member: Member) -> Declare:
    def declare(
        *items: tuple[str, str],
        member: Member | None = None,
        structure: str = NARBONNE,
        offer: str | None = None,
        key: str | None = None,
    ) -> list[Anomaly]:
        request = DeclarationRequest(
            structure_id=structure,
            offer_id=offer,
            items=tuple(DeclaredItem(label, description) for label, description in items),
            idempotency_key=key,
        )
        return declare_anomalies(
            request=request, member=member or default_member, uow=uow, clock=clock, system=SYSTEM
        )

    return declare


@pytest.fixture
def declare(uow: FakeUnitOfWork, clock: FixedClock, occitanie_member: Member) -> Declare:
    """Declare items `(label, description)` on Narbonne (or `structure`/`offer`) as the 76 member."""
    return _declare_in(uow, clock, occitanie_member)


@pytest.fixture
def declare_with_recipient(
    uow_with_recipient: FakeUnitOfWork, clock: FixedClock, occitanie_member: Member
) -> Declare:
    return _declare_in(uow_with_recipient, clock, occitanie_member)


@pytest.fixture
def blocked_anomaly(declare: Declare) -> Anomaly:
    """One anomaly on Narbonne, blocked for want of a recipient (04)."""
    return declare(("Adresse établissement", "Le numéro de rue manque."))[0]


@pytest.fixture
def sent_anomaly(declare_with_recipient: Declare) -> Anomaly:
    """One anomaly on Narbonne, sent to its recipient (05) — it lives in `uow_with_recipient`."""
    return declare_with_recipient(("Contact établissement", "Le standard a changé de numéro."))[0]
