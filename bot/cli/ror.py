"""`ror-bot ror check`: can this installation reach the ROR national? One French line per check
(jeton, base des anomalies, annuaire); exit 0 when all pass, 1 otherwise.

`ror-bot ror sync`: follow the ROR national once (what the scheduler does every ROR_SYNC_SECONDS): one
French summary line (pages, Tasks lues, nouvelles, mises à jour, illisibles), each unreadable Task on
standard error."""

import argparse
import sys
from urllib.parse import urlsplit

from bot.context import AppContext
from bot.presentation.anomalies import plural
from bot.settings import Settings, Surface
from domain.services.ror_sync import RorSyncReport, sync_from_ror_national

NOT_CONNECTED = (
    "ROR_ANOMALIES_URL n'est pas définie : l'application fonctionne en mode autonome, "
    "sans connexion au ROR national."
)


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    ror = subparsers.add_parser("ror", help="connexion au ROR national (API FHIR)")
    commands = ror.add_subparsers(dest="ror_command", required=True, metavar="ACTION")
    check = commands.add_parser(
        "check",
        help="vérifier la connexion au ROR national : jeton, base des anomalies, annuaire",
        description="Obtient un jeton d'accès, interroge la base des anomalies puis l'annuaire du ROR "
        "national, et affiche une ligne par vérification.",
        epilog="exemples :\n  ror-bot ror check\n"
        "  set -a; . ./ror-standin.env; set +a; ror-bot ror check   # contre le ROR national de substitution",
    )
    check.set_defaults(func=run_check)
    sync = commands.add_parser(
        "sync",
        help="suivre le ROR national : statuts et anomalies déclarées ailleurs, depuis la dernière "
        "synchronisation",
        description="Récupère dans la base des anomalies du ROR national les Tasks modifiées depuis la "
        "dernière synchronisation (toutes, la première fois), pour le périmètre de chaque groupe "
        "d'habilitation : chaque nouveau statut devient une transition « par le ROR national », chaque "
        "anomalie déclarée ailleurs (formulaire du ROR, autres éditeurs) est importée. Le planificateur "
        "(ror-bot run, ror-bot scheduler) le fait toutes les ROR_SYNC_SECONDS secondes.",
        epilog="exemple :\n  ror-bot ror sync",
    )
    sync.set_defaults(func=run_sync)


def run_check(_args: argparse.Namespace) -> int:
    settings = Settings()
    if not settings.connected:
        print(f"Erreur : {NOT_CONNECTED}", file=sys.stderr)
        return 1
    connection = settings.ror_connection()
    from rornational.client import connect  # imported here: the HTTP stack is only loaded when needed

    with connect(connection) as ror:
        results = ror.check()
    for result in results:
        print(result.message)
    return 0 if all(result.ok for result in results) else 1


def sync_summary(report: RorSyncReport, origin: str) -> str:
    """The one line `ror-bot ror sync` prints, and the scheduler logs."""
    if not report.scopes:
        return (
            "Synchronisation depuis le ROR national : aucun groupe d'habilitation, aucun périmètre à suivre "
            "(ror-bot group create …)."
        )
    counts = [
        plural(report.pages, "page", "pages"),
        plural(report.read, "Task lue", "Tasks lues"),
        plural(report.new, "nouvelle anomalie", "nouvelles anomalies"),
        plural(report.updated, "mise à jour", "mises à jour"),
        plural(len(report.unreadable), "illisible", "illisibles"),
    ]
    if report.adopted:
        counts.insert(3, plural(report.adopted, "déclaration rapprochée", "déclarations rapprochées"))
    scopes = ", ".join("national" if s.national else f"région {s}" for s in report.scopes)
    return (
        f"Synchronisation depuis le ROR national ({urlsplit(origin).netloc or origin}, {scopes}) : "
        f"{', '.join(counts)}."
    )


def run_sync(_args: argparse.Namespace) -> int:
    settings = Settings()
    if not settings.connected:
        print(f"Erreur : {NOT_CONNECTED}", file=sys.stderr)
        return 1
    connection = settings.ror_connection()
    from rornational.client import connect  # the HTTP stack is only loaded when needed
    from rornational.read_ahead import ReadAhead

    context = AppContext.start(settings, surface=Surface.CLI)
    try:
        with connect(connection) as ror:
            report = sync_from_ror_national(
                source=ReadAhead(ror), origin=connection.anomalies_url, uow=context.uow(), clock=context.clock
            )
    finally:
        context.store.dispose()
    for unreadable in report.unreadable:
        print(f"Illisible : Task {unreadable.task_id or '?'} — {unreadable.reason}", file=sys.stderr)
    print(sync_summary(report, connection.anomalies_url))
    return 0
