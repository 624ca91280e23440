"""The same user-facing scenarios in both modes (issue 8): standalone (our database is the system of
record) and connected (the stand-in ROR national is). A user declares, lists, reads and cancels the same
way; only the references differ (the ROR's in connected mode)."""

import re
from collections.abc import Iterator

import pytest

from devtools.fake_slack import FakeSlack
from tests.e2e.conftest import SlackHttp, connected_settings, serving
from tests.e2e.connected_helpers import confirmation_dm, submit_declaration
from tests.e2e.helpers import buttons, seen

REFERENCE = re.compile(r"^(ANO_\d{12}) pour la ressource 1110000056", re.MULTILINE)


@pytest.fixture(params=["autonome", "connecté"])
def slack(request: pytest.FixtureRequest, fake_slack: FakeSlack, database_url: str) -> Iterator[SlackHttp]:
    ror = {} if request.param == "autonome" else connected_settings(request.getfixturevalue("standin"))
    with serving(fake_slack, database_url, **ror) as (http, _context):
        yield http


def _declared(slack: SlackHttp) -> str:
    submit_declaration(slack, ("Adresse établissement", "Le numéro de rue manque."))
    text = confirmation_dm(slack).params["text"]
    assert text.startswith("Les anomalies suivantes ont été créées :\n")
    assert "en attente" not in text
    (reference,) = REFERENCE.findall(text)
    return reference


def test_a_declaration_is_confirmed_with_one_reference_per_item(slack: SlackHttp) -> None:
    reference = _declared(slack)

    assert reference.startswith("ANO_")


def test_the_declared_anomaly_is_listed_with_its_reference(slack: SlackHttp) -> None:
    reference = _declared(slack)

    slack.command("anomalies")

    listing = seen(slack.fake.next("response_url").params)
    assert reference in listing
    assert "Adresse établissement" in listing


def test_its_detail_shows_the_reference_and_the_description(slack: SlackHttp) -> None:
    reference = _declared(slack)

    slack.command(f"voir {reference}")

    detail = seen(slack.fake.next("response_url").params)
    assert f"Anomalie {reference}" in detail
    assert "Le numéro de rue manque." in detail
    assert "Système déclarant" in detail


def test_it_is_cancelled_after_confirmation_and_then_shows_annulee(slack: SlackHttp) -> None:
    reference = _declared(slack)

    slack.command(f"annuler {reference}")
    confirm = buttons(slack.fake.next("response_url").params["blocks"])["Confirmer l'annulation"]
    slack.fake.clear()
    slack.click(confirm["action_id"], confirm["value"])
    done = seen(slack.fake.next("response_url").params)
    slack.command(f"voir {reference}")
    detail = seen(slack.fake.next("response_url").params)

    assert f"L'anomalie {reference} est annulée" in done
    assert "Annulée" in detail


def test_a_member_of_another_region_does_not_find_it(slack: SlackHttp) -> None:
    reference = _declared(slack)

    slack.command(f"voir {reference}", user="ULEA")

    assert f"Aucune anomalie {reference} n'est accessible dans votre périmètre." in seen(
        slack.fake.next("response_url").params
    )
