"""The notebook facade, on a real SQLite store: open, act as a member, search, declare, list, show, cancel."""

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.notebook import MemberSession, Workspace, open_store
from domain.errors import (
    AnomalyNotFound,
    InvalidDeclaration,
    InvalidFilter,
    NotHabilitated,
    TransitionRefused,
)
from tests.builders import geriatrie, lyon, narbonne

XSS = '<script>alert("x")</script> & <@channel>'


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    workspace = open_store(f"sqlite:///{tmp_path / 'nb.db'}")
    with workspace.context.store.uow() as uow:
        for resource in (narbonne(), geriatrie(), lyon()):
            uow.directory.upsert(resource)
        uow.commit()
    workspace.create_group("Éditeur Occitanie", regions=["76"])
    workspace.add_member("Éditeur Occitanie", "alice@editeur.fr")
    workspace.create_group("Éditeur ARA", regions="84")
    workspace.add_member("Éditeur ARA", "bob@editeur.fr")
    yield workspace
    workspace.context.store.dispose()


@pytest.fixture
def me(ws: Workspace) -> MemberSession:
    return ws.as_member("Alice@Editeur.fr")


def test_search_shows_the_resource_and_its_open_anomalies(me: MemberSession) -> None:
    card = me.search("1110000056")

    assert card.resource.name == "CH NARBONNE - HOTEL DIEU"
    assert card.open_anomalies == 0
    assert me.search("1110000056", "91/11359").resource.name == "Unité mobile de Gériatrie"


def test_declare_returns_the_spec_confirmation(me: MemberSession) -> None:
    declared = me.declare(
        structure="1110000056",
        items={
            "Adresse établissement": "Le numéro de rue manque",
            "Contact établissement": "Standard changé",
        },
    )

    assert len(declared) == 2
    text = str(declared)
    assert text.startswith("Les anomalies suivantes ont été créées :\n")
    assert f"{declared.references[0]} pour la ressource 1110000056 - « CH NARBONNE - HOTEL DIEU » " in text
    assert "<li>" in declared._repr_html_()
    assert me.search("1110000056").open_anomalies == 2


def test_a_bad_declaration_raises_with_its_field_errors(me: MemberSession) -> None:
    with pytest.raises(InvalidDeclaration) as caught:
        me.declare(structure="1110000056", items={"Adresse établissement": "   "})

    assert "description:Adresse établissement" in caught.value.errors
    assert me.anomalies().total == 0


def test_anomalies_accept_keywords_a_filter_string_or_words(me: MemberSession) -> None:
    me.declare(structure="1110000056", items={"Adresse établissement": "a", "Contact établissement": "b"})
    me.declare(structure="1110000056", offre="91/11359", items={"Horaires": "c"})

    assert me.anomalies().total == 3
    assert me.anomalies(statut="bloquee", region="76").total == 3
    assert me.anomalies(ressource="offre").total == 1
    assert me.anomalies('nom="hotel dieu" donnee=horaires').total == 1
    assert me.anomalies(["id=91/11359"]).total == 1
    assert me.anomalies(statut=["corrigee", "annulee"]).total == 0
    with pytest.raises(InvalidFilter):
        me.anomalies(couleur="bleu")


def test_a_listing_pages_iterates_and_walks_every_page(me: MemberSession) -> None:
    for n in range(5):
        me.declare(structure="1110000056", items={"Adresse établissement": f"n° {n}"})

    listing = me.anomalies(size=2)

    assert (listing.total, listing.page, listing.pages, len(listing)) == (5, 1, 3, 2)
    assert len(list(listing)) == 2
    assert listing.next().page == 2
    everything = list(listing.all())
    assert len({a.reference for a in everything}) == 5
    assert [a.updated_at for a in everything] == sorted((a.updated_at for a in everything), reverse=True)
    assert len(listing.to_dicts(all_pages=True)) == 5


def test_a_listing_converts_to_a_dataframe(me: MemberSession) -> None:
    pd = pytest.importorskip("pandas")
    me.declare(structure="1110000056", items={"Adresse établissement": "a", "Contact établissement": "b"})

    frame = me.anomalies(size=1).to_dataframe()
    full = me.anomalies(size=1).to_dataframe(all_pages=True)

    assert len(frame) == 1
    assert len(full) == 2
    assert list(full.columns)[:3] == ["reference", "statut_code", "statut"]
    assert set(full["statut"]) == {"Bloquée (destinataire manquant)"}
    assert isinstance(full["derniere_modification"].dtype, pd.DatetimeTZDtype)


def test_the_html_table_escapes_user_text(me: MemberSession, ws: Workspace) -> None:
    hostile = narbonne()
    hostile.name = hostile.structure_name = XSS
    with ws.context.store.uow() as uow:
        uow.directory.upsert(hostile)
        uow.commit()
    ref = me.declare(structure="1110000056", items={"Adresse établissement": XSS}).references[0]

    table = me.anomalies()._repr_html_()
    detail = me.show(ref)._repr_html_()

    assert "<table" in table
    assert "<th>Ref.</th>" in table
    assert ref in table
    assert "page 1/1 — 1 anomalie" in table
    for rendered in (table, detail):
        assert "<script>" not in rendered
        assert "&lt;script&gt;" in rendered


def test_show_and_cancel(me: MemberSession) -> None:
    ref = me.declare(structure="1110000056", items={"Adresse établissement": "a"}).references[0]

    shown = me.show(ref)
    cancelled = me.cancel(ref, comment="doublon")

    assert shown.reference == ref
    assert shown.status.code == "04"
    assert "Historique (fuseau Europe/Paris) :" in str(shown)
    assert cancelled.to_dict()["statut"] == "Annulée"
    assert cancelled.to_dict()["historique"][-1]["commentaire"] == "doublon"
    with pytest.raises(TransitionRefused, match="Annulée"):
        me.cancel(ref)


def test_the_perimeter_holds_in_notebooks_too(me: MemberSession, ws: Workspace) -> None:
    ref = me.declare(structure="1110000056", items={"Adresse établissement": "a"}).references[0]
    bob = ws.as_member("bob@editeur.fr")

    assert bob.anomalies().total == 0
    with pytest.raises(AnomalyNotFound):
        bob.show(ref)
    with pytest.raises(AnomalyNotFound):
        bob.cancel(ref)


def test_someone_in_no_group_is_not_habilitated(ws: Workspace) -> None:
    with pytest.raises(NotHabilitated):
        ws.as_member("mallory@ailleurs.fr")


def test_recipients_can_be_named_from_a_notebook(me: MemberSession, ws: Workspace) -> None:
    me.declare(structure="1110000056", items={"Adresse établissement": "a"})

    moved = ws.set_recipient("1110000056", "referent@ch-narbonne.fr")

    assert len(moved) == 1
    assert me.anomalies(statut="envoyee").total == 1


def test_without_pandas_the_error_names_the_extra(me: MemberSession, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)

    with pytest.raises(ImportError, match=r"extra « pandas »"):
        me.anomalies().to_dataframe()
