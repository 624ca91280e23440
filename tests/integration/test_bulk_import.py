"""Bulk declaring (`ror-bot anomalies import`) on SQLite and PostgreSQL: every line held to a single
declaration's rules, refusals told per line, the same file imported twice creating nothing new, and the
listing's totals still exact."""

import io
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, text

from bot.import_files import FileFormat, read_lines
from domain.anomaly import Anomaly, RorState
from domain.events import AnomaliesImported, SentToRecipient
from domain.filters import AnomalyFilter, parse_filter_words
from domain.ror_journal import RetryPolicy
from domain.services import DeclarationRequest, DeclaredItem, declare_anomalies, list_anomalies, show_anomaly
from domain.services.bulk_import import ImportResult, import_anomalies
from domain.services.ror_sending import Outcome, Sender, send_due
from domain.statuses import Status
from storage import Store
from storage.maintenance import counts_are_exact
from storage.models import AnomalyRow, OutboxRow
from storage.repositories.outbox import from_payload
from tests.builders import a_member, geriatrie, lyon, narbonne, practitioner
from tests.e2e.cli_runner import seed
from tests.fakes import FixedClock

if TYPE_CHECKING:
    from devtools.ror_standin import RorStandIn
    from rornational.client import FhirRorNational

HEADER = "ressource,donnee,description,regle,valeur_proposee\n"
OCCITANIE = a_member({"76"})


def run(store: Store, content: str, member: Any = OCCITANIE, **kwargs: Any) -> ImportResult:
    lines = read_lines(io.StringIO(content), kwargs.pop("file_format", None))
    return import_anomalies(
        lines=lines,
        member=member,
        store=store.importer,
        clock=FixedClock(),
        system="Import qualité",
        **kwargs,
    )


def every_anomaly(store: Store) -> list[Anomaly]:
    return list(
        list_anomalies(flt=AnomalyFilter(), member=a_member(None), uow=store.reader(), size=200).items
    )


def counted(store: Store) -> int:
    with store.engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(AnomalyRow)) or 0)


def exact(store: Store) -> bool:
    with store.engine.connect() as connection:
        return counts_are_exact(connection)


def test_each_valid_line_becomes_an_anomaly_as_a_declaration_would_make_it(store: Store) -> None:
    seed(store, narbonne(), geriatrie(recipient="referent@ch-narbonne.fr"), practitioner())
    result = run(
        store,
        HEADER
        + "1110000056,Adresse établissement,Le numéro de rue manque,R-ADR-01,12 boulevard Dr Lacroix\n"
        + "91/11359,horaires,Fermé le samedi,R-HOR-02,\n"
        + '10003456782,PROFESSION,"Pédiatre,\npas généraliste",,\n',
    )

    assert (result.created, result.already_present, result.refused) == (3, 0, 0)
    assert (result.sent_to_recipients, result.blocked) == (1, 2)
    by_item = {a.data_item: a for a in every_anomaly(store)}
    address = show_anomaly(
        reference=by_item["Adresse établissement"].reference, member=OCCITANIE, uow=store.reader()
    )
    assert address.rule == "R-ADR-01"
    assert address.proposed_value == "12 boulevard Dr Lacroix"
    assert address.present_value == "Boulevard Dr Lacroix 11100 NARBONNE"
    assert address.structure_id == "1110000056"
    assert address.status is Status.BLOCKED_NO_RECIPIENT
    assert [h.status for h in address.history] == [Status.CREATED, Status.BLOCKED_NO_RECIPIENT]
    assert address.declaring_system == "Import qualité"
    assert address.declarant_email == "alice@editeur.fr"
    offer = by_item["Horaires"]
    assert (offer.status, offer.recipient, offer.structure_id) == (
        Status.SENT_TO_RECIPIENT,
        "referent@ch-narbonne.fr",
        "1110000056",
    )
    assert by_item["Profession"].description == "Pédiatre,\npas généraliste"
    assert by_item["Profession"].rule is None
    assert exact(store)


def test_refused_lines_are_told_with_their_number_and_reason_and_block_nothing(store: Store) -> None:
    seed(store, narbonne(), lyon())
    result = run(
        store,
        HEADER
        + "1110000056,Adresse établissement,Bonne ligne,,\n"  # 2
        + "1690000000,Tarifs,Hors du périmètre,,\n"  # 3
        + "12345,Tarifs,Identifiant faux,,\n"  # 4
        + "1110000056,Couleur,Donnée inconnue,,\n"  # 5
        + "1110000056,Tarifs,,,\n"  # 6
        + "1110000056,Tarifs,Contrôle \x1b[31m,,\n"  # 7
        + "1110000056,Tarifs,Trop de colonnes,,,\n"  # 8
        + "1110000056,Tarifs,Règle trop longue,"
        + "R" * 101
        + ",\n"  # 9
        + "1110000056,Tarifs,Autre bonne ligne,,\n",  # 10
    )

    assert (result.created, result.refused) == (2, 7)
    assert [(e.line, e.message) for e in result.errors] == [
        (3, "Aucune structure d'identifiant 1690000000 n'est accessible dans votre périmètre."),
        (4, "L'ID National Structure « 12345 » est trop court : au moins 10 caractères attendus."),
        (
            5,
            "« Couleur » n'est pas une donnée pouvant être déclarée en anomalie pour une ressource de type Structure.",
        ),
        (6, "Décrivez l'anomalie (entre 1 et 800 caractères)."),
        (
            7,
            "La description contient un caractère de contrôle interdit (U+001B) : seuls les retours à la ligne sont acceptés.",
        ),
        (8, "6 colonnes au lieu de 5 (séparateur « , »)."),
        (9, "La règle compte 101 caractères : 100 au plus."),
    ]
    assert str(result.errors[0]).startswith("Ligne 3 : Aucune structure")
    assert counted(store) == 2


def test_importing_the_same_file_twice_creates_nothing_new(store: Store) -> None:
    seed(store, narbonne(), geriatrie())
    content = (
        HEADER
        + "1110000056,Adresse établissement,Le numéro manque,R1,\n"
        + "1110000056,Adresse établissement,Le numéro manque,R2,\n"  # another rule: another anomaly
        + "91/11359,Horaires,Fermé le samedi,,\n"
        + "91/11359,Horaires,Fermé le samedi,,\n"  # the same line twice in one file
    )
    first = run(store, content)
    again = run(store, content.replace("Fermé le samedi,,", "  Fermé le samedi  ,,"), batch_size=2)

    assert (first.created, first.already_present) == (3, 1)
    assert (again.created, again.already_present, again.refused) == (0, 4, 0)
    assert counted(store) == 3
    assert exact(store)


def test_an_offer_of_a_structure_outside_the_perimeter_is_refused_like_a_declaration(store: Store) -> None:
    seed(store, narbonne(), geriatrie())
    national_offer_only = a_member({"76"})
    result = run(store, HEADER + "91/11359,Horaires,Fermé le samedi,,\n", member=a_member({"84"}))
    assert [e.message for e in result.errors] == [
        "Aucune offre d'identifiant 91/11359 n'est accessible dans votre périmètre."
    ]
    assert (
        run(store, HEADER + "91/11359,Horaires,Fermé le samedi,,\n", member=national_offer_only).created == 1
    )


def test_an_empty_directory_is_said_so_on_each_line(store: Store) -> None:
    result = run(store, HEADER + "1110000056,Tarifs,x,,\n")
    assert result.refused == 1
    assert "annuaire" in result.errors[0].message.lower()


def test_listing_totals_match_the_rows_after_imports_and_single_declarations(store: Store) -> None:
    seed(store, narbonne(), geriatrie(recipient="referent@ch-narbonne.fr"), lyon())
    national = a_member(None)
    rows = [
        f"{resource},{item},Contrôle {n},R{n % 3},\n"
        for n in range(60)
        for resource, item in (
            ("1110000056", "Tarifs"),
            ("91/11359", "Horaires"),
            ("1690000000", "Nom de la structure"),
        )
    ]
    run(store, HEADER + "".join(rows), member=national, batch_size=7)
    declare_anomalies(
        request=DeclarationRequest("1110000056", None, (DeclaredItem("Tarifs", "À la main"),)),
        member=national,
        uow=store.uow(),
        clock=FixedClock(),
        system="x",
    )
    run(store, HEADER + "".join(rows[:50]), member=national)

    assert counted(store) == 181
    assert exact(store)
    for words in ([], ["statut=bloquee"], ["region=84"], ["ressource=offre", "donnee=Horaires"], ["dep=11"]):
        flt = parse_filter_words(words)
        with store.engine.connect() as connection:
            clause = {
                (): "1=1",
                ("statut=bloquee",): "status IN ('04', '11')",
                ("region=84",): "region = '84'",
                ("ressource=offre", "donnee=Horaires"): "kind = 'Offre' AND data_item = 'Horaires'",
                ("dep=11",): "departement = '11'",
            }[tuple(words)]
            truth = connection.scalar(text(f"SELECT count(*) FROM anomalies WHERE {clause}"))
        assert list_anomalies(flt=flt, member=national, uow=store.reader()).total == truth


def test_recipients_hear_of_each_anomaly_and_the_declarant_once(store: Store) -> None:
    seed(store, narbonne(recipient="referent@ch-narbonne.fr"), lyon(recipient=None))
    content = (
        HEADER + "".join(f"1110000056,Tarifs,Contrôle {n},,\n" for n in range(5)) + "1690000000,Tarifs,x,,\n"
    )
    run(store, content, member=a_member(None), batch_size=2)

    with store.engine.connect() as connection:
        events = [
            from_payload(k, p) for k, p in connection.execute(select(OutboxRow.kind, OutboxRow.payload))
        ]
    assert sum(isinstance(e, SentToRecipient) for e in events) == 5
    summaries = [e for e in events if isinstance(e, AnomaliesImported)]
    assert summaries == [
        AnomaliesImported(
            declarant_email="alice@editeur.fr",
            created=6,
            already_present=0,
            refused=0,
            sent_to_recipients=5,
            blocked=1,
        )
    ]
    assert len(events) == 6  # nothing else: the routing at creation is never told to the declarant


def test_ndjson_lines_are_imported_with_their_numbers(store: Store) -> None:
    seed(store, narbonne(), practitioner())
    content = (
        '{"ressource": "1110000056", "donnee": "Tarifs", "description": "Tarifs absents", "regle": "R7"}\n'
        "\n"
        "pas du json\n"
        '{"ressource": 10003456782, "Donnée en anomalie": "Identité", "description": "Nom mal orthographié"}\n'
        '["une", "liste"]\n'
        '{"ressource": "1110000056", "donnee": "Tarifs"}\n'
    )
    result = run(store, content, file_format=FileFormat.NDJSON)

    assert result.created == 2
    assert [(e.line, e.message) for e in result.errors] == [
        (3, "JSON illisible (colonne 1)."),
        (5, 'un objet JSON est attendu, par exemple {"ressource": "1110000056", …}.'),
        (
            6,
            "il manque la colonne description dans l'en-tête : les colonnes ressource, donnee et description sont obligatoires (regle et valeur_proposee sont facultatives).",
        ),
    ]


def test_two_concurrent_imports_of_one_file_create_each_anomaly_once(store: Store) -> None:
    seed(store, narbonne(), geriatrie())
    content = HEADER + "".join(f"1110000056,Tarifs,Contrôle {n},,\n" for n in range(300))
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda _: run(store, content, batch_size=50), range(2)))

    assert sum(r.created for r in results) == 300
    assert sum(r.already_present for r in results) == 300
    assert counted(store) == 300
    assert exact(store)


def test_in_connected_mode_the_import_queues_the_posts_and_the_journal_sends_them(
    store: Store, ror: "FhirRorNational", standin: "RorStandIn"
) -> None:
    seed(store, narbonne(recipient="referent@ch-narbonne.fr"), geriatrie())
    content = (
        HEADER + "1110000056,Tarifs,Tarifs absents,R-TAR-01,\n" + "91/11359,Horaires,Fermé le samedi,,\n"
    )
    clock = FixedClock()
    result = import_anomalies(
        lines=read_lines(io.StringIO(content), None),
        member=OCCITANIE,
        store=store.importer,
        clock=clock,
        system="Import qualité",
        connected=True,
    )

    assert (result.created, result.queued_for_ror) == (2, 2)
    assert result.summary().startswith(
        "Import terminé : 2 anomalies créées (2 en attente d'envoi au ROR national)"
    )
    assert standin.all_tasks() == []  # nothing POSTed inline
    waiting = every_anomaly(store)
    assert {(a.status, a.ror_state) for a in waiting} == {(Status.CREATED, RorState.PENDING)}
    with store.engine.connect() as connection:
        kinds = [k for (k,) in connection.execute(select(OutboxRow.kind))]
    assert kinds == ["AnomaliesImported"]  # no recipient is told before the ROR national has it

    sender = Sender(ror=ror, uow=store.uow, clock=clock, retry=RetryPolicy(base=timedelta(seconds=30)))
    results = send_due(sender, limit=1) + send_due(sender)  # a rate-limited sender resumes where it stopped

    assert [r.outcome for r in results] == [Outcome.SENT, Outcome.SENT]
    tasks = standin.all_tasks()
    assert sorted(t["description"] for t in tasks) == ["Fermé le samedi", "Tarifs absents"]
    assert {a.ror_state for a in every_anomaly(store)} == {RorState.SENT}
    assert send_due(sender) == []
    assert exact(store)
