"""`ror-bot ror check`: can this installation reach the ROR national? One French line per check
(jeton, base des anomalies, annuaire); exit 0 when all pass, 1 otherwise.

`ror-bot ror sync`: follow the ROR national once (what the scheduler does every ROR_SYNC_SECONDS): one
French summary line (pages, Tasks lues, nouvelles, mises à jour, illisibles), each unreadable Task on
standard error."""

import argparse
import gc
import sys

from bot.context import AppContext
from bot.presentation.ror_sync import sync_summary
from bot.settings import Settings, Surface
from domain.ror_journal import JournalOperation
from domain.services.ror_sending import Outcome
from domain.services.ror_sync import sync_from_ror_national

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
    push = commands.add_parser(
        "push",
        help="envoyer au ROR national ce qui attend (déclarations, annulations)",
        description="Envoie au ROR national les déclarations et annulations en attente dont l'heure de "
        "nouvel essai est passée (le planificateur le fait toutes les ROR_PUSH_SECONDS secondes), et "
        "affiche une ligne par envoi.",
        epilog="exemple :\n  ror-bot ror push",
    )
    push.set_defaults(func=run_push)


_OUTCOMES = {
    Outcome.SENT: "envoyée",
    Outcome.QUEUED: "toujours en attente",
    Outcome.REFUSED: "refusée",
    Outcome.GONE: "plus nécessaire",
}
_OPERATIONS = {JournalOperation.SUBMIT: "Déclaration", JournalOperation.CANCEL: "Annulation"}


def run_push(_args: argparse.Namespace) -> int:
    """Exit 0 when nothing failed (what waits for its next attempt is not a failure), 1 if refused."""
    from bot.context import AppContext  # the store and the scheduler's job: only for this command
    from bot.notifications.scheduler import push_to_ror

    context = AppContext.start(surface=Surface.CLI)
    if not context.settings.connected:
        print(
            "Erreur : ROR_ANOMALIES_URL n'est pas définie : en mode autonome, rien n'est envoyé au ROR national.",
            file=sys.stderr,
        )
        return 1
    results = push_to_ror(context)
    for result in results:
        shown = result.anomaly.shown_reference if result.anomaly is not None else result.reference
        reason = f" ({result.reason.rstrip('.')})" if result.reason else ""
        print(f"{_OPERATIONS[result.operation]} de {shown} : {_OUTCOMES[result.outcome]}{reason}.")
    with context.store.reader() as uow:
        waiting = uow.ror_journal.count_pending()
    print(f"{len(results)} envoi(s) tenté(s) ; {waiting} opération(s) en attente d'envoi au ROR national.")
    return 1 if any(r.outcome is Outcome.REFUSED for r in results) else 0


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


def run_sync(_args: argparse.Namespace) -> int:
    settings = Settings()
    if not settings.connected:
        print(f"Erreur : {NOT_CONNECTED}", file=sys.stderr)
        return 1
    connection = settings.ror_connection()
    from rornational.client import connect  # the HTTP stack is only loaded when needed
    from rornational.read_ahead import PullInProcess

    context = AppContext.start(settings, surface=Surface.CLI)
    # The loaded modules (fhir.resources: hundreds of models and their schemas, some 120,000 objects) live
    # as long as this command; out of the collector's sight, the full collections the pages' allocations
    # trigger stop walking them all (about a tenth of the sync's CPU).
    gc.freeze()
    try:
        with connect(connection) as ror, PullInProcess(ror) as source:
            report = sync_from_ror_national(
                source=source, origin=connection.anomalies_url, uow=context.uow(), clock=context.clock
            )
    finally:
        context.store.dispose()
    for unreadable in report.unreadable:
        print(f"Illisible : Task {unreadable.task_id or '?'} — {unreadable.reason}", file=sys.stderr)
    print(sync_summary(report, connection.anomalies_url))
    return 0
