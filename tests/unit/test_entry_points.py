"""What every entry point shares once started: the store opened in ROR_TIMEZONE (the days of `du=` / `au=`),
a *Système déclarant* naming the entry point, and an empty directory explained rather than « not found »."""

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.context import AppContext
from bot.settings import Settings, Surface
from domain.errors import EmptyDirectory, InvalidDeclaration, ResourceNotFound
from domain.services import DeclarationRequest, DeclaredItem, declare_anomalies, find_resource, set_recipient
from tests.builders import a_member, lyon
from tests.fakes import FakeUnitOfWork, FixedClock


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    for variable in ("ROR_TIMEZONE", "ROR_SYSTEM_NAME", "ROR_CLI_SYSTEM_NAME", "ROR_NOTEBOOK_SYSTEM_NAME"):
        monkeypatch.delenv(variable, raising=False)
    return Settings(database_url=f"sqlite:///{tmp_path / 'ctx.db'}", ror_timezone="Pacific/Noumea")


def test_every_entry_point_opens_the_store_in_ror_timezone(settings: Settings) -> None:
    context = AppContext.start(settings)  # the Slack app, its workers, the scheduler, the CLI, notebooks

    assert context.store.tz == ZoneInfo("Pacific/Noumea")
    assert context.store.reader().tz == ZoneInfo("Pacific/Noumea")
    assert context.uow().tz == ZoneInfo("Pacific/Noumea")
    context.store.dispose()


def test_each_entry_point_names_itself_by_default(settings: Settings) -> None:
    names = {surface: settings.system_name(surface) for surface in Surface}

    assert names == {
        Surface.SLACK: "Bot Slack ROR Anomalies",
        Surface.CLI: "Ligne de commande ROR Anomalies",
        Surface.NOTEBOOK: "Notebook ROR Anomalies",
    }
    assert AppContext.start(settings).system == "Bot Slack ROR Anomalies"
    assert AppContext.start(settings, surface=Surface.CLI).system == "Ligne de commande ROR Anomalies"


def test_each_name_has_its_own_variable(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROR_SYSTEM_NAME", "Slack de l'éditeur")
    monkeypatch.setenv("ROR_CLI_SYSTEM_NAME", "Scripts de l'éditeur")
    monkeypatch.setenv("ROR_NOTEBOOK_SYSTEM_NAME", "Jupyter de l'éditeur")

    configured = Settings(database_url=settings.database_url)

    assert [configured.system_name(s) for s in Surface] == [
        "Slack de l'éditeur",
        "Scripts de l'éditeur",
        "Jupyter de l'éditeur",
    ]


def test_an_empty_directory_is_said_to_be_empty_with_the_commands_that_fill_it() -> None:
    with pytest.raises(InvalidDeclaration) as raised:
        find_resource(structure_id="1110000056", member=a_member({"76"}), uow=FakeUnitOfWork([]))

    message = raised.value.errors["structure"]
    assert message.startswith("L'annuaire des ressources est vide")
    for command in (
        "« ror-bot directory demo »",
        "« ror-bot directory import FICHIER »",
        "« ror-bot directory sync »",
    ):
        assert command in message


def test_the_declaration_form_shows_the_empty_directory_on_its_field() -> None:
    request = DeclarationRequest("1110000056", "91/11359", (DeclaredItem("Tarifs", "x"),))

    with pytest.raises(InvalidDeclaration) as raised:
        declare_anomalies(
            request=request, member=a_member({"76"}), uow=FakeUnitOfWork([]), clock=FixedClock(), system="t"
        )

    assert raised.value.errors["structure"].startswith("L'annuaire des ressources est vide")
    assert raised.value.errors["offre"].startswith("L'annuaire des ressources est vide")


def test_a_directory_holding_other_regions_still_answers_as_if_the_resource_did_not_exist() -> None:
    uow = FakeUnitOfWork([lyon()])

    with pytest.raises(InvalidDeclaration) as unknown:
        find_resource(structure_id="1110000056", member=a_member({"76"}), uow=uow)
    with pytest.raises(InvalidDeclaration) as outside:
        find_resource(structure_id="1690000000", member=a_member({"76"}), uow=uow)

    assert unknown.value.errors["structure"] == (
        "Aucune structure d'identifiant 1110000056 n'est accessible dans votre périmètre."
    )
    assert outside.value.errors["structure"] == unknown.value.errors["structure"].replace(
        "1110000056", "1690000000"
    )


def test_naming_a_recipient_in_an_empty_directory_says_it_is_empty() -> None:
    with pytest.raises(EmptyDirectory) as raised:
        set_recipient(
            resource_id="1110000056", email="r@ch.fr", uow=FakeUnitOfWork([]), clock=FixedClock(), system="t"
        )

    assert isinstance(raised.value, ResourceNotFound)  # still a « not found » for whoever catches those
