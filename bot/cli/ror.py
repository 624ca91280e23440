"""`ror-bot ror check`: can this installation reach the ROR national? One French line per check
(jeton, base des anomalies, annuaire); exit 0 when all pass, 1 otherwise."""

import argparse
import sys

from bot.settings import Settings


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


def run_check(_args: argparse.Namespace) -> int:
    settings = Settings()
    if not settings.connected:
        print(
            "Erreur : ROR_ANOMALIES_URL n'est pas définie : l'application fonctionne en mode autonome, "
            "sans connexion au ROR national.",
            file=sys.stderr,
        )
        return 1
    connection = settings.ror_connection()
    from rornational.client import connect  # imported here: the HTTP stack is only loaded when needed

    with connect(connection) as ror:
        results = ror.check()
    for result in results:
        print(result.message)
    return 0 if all(result.ok for result in results) else 1
