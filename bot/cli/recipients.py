"""`ror-bot recipient set`: name the person responsible for a resource's data."""

import argparse

from bot.context import AppContext
from bot.presentation.anomalies import plural
from bot.settings import Surface
from domain.services import set_recipient


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    recipient = subparsers.add_parser("recipient", help="gérer les destinataires des anomalies")
    commands = recipient.add_subparsers(dest="recipient_command", metavar="ACTION")
    set_cmd = commands.add_parser(
        "set",
        help="désigner le destinataire d'une ressource ; ses anomalies bloquées lui sont envoyées",
        epilog="exemples :\n  ror-bot recipient set 1110000056 referent@ch-narbonne.fr\n"
        "  ror-bot recipient set 91/11359 porteur.offre@ch-narbonne.fr",
    )
    set_cmd.add_argument(
        "resource_id", metavar="ID_RESSOURCE", help="ID National Structure, ID Offre ou RPPS"
    )
    set_cmd.add_argument("email", metavar="EMAIL", help="adresse e-mail du destinataire")
    set_cmd.set_defaults(func=run_set)


def run_set(args: argparse.Namespace) -> int:
    context = AppContext.start(surface=Surface.CLI)
    resource, moved = set_recipient(
        resource_id=args.resource_id,
        email=args.email,
        uow=context.uow(),
        clock=context.clock,
        system=context.system,
    )
    print(f"Destinataire de {resource.resource_id} (« {resource.name} ») : {resource.recipient}.")
    sent = plural(len(moved), "anomalie bloquée envoyée", "anomalies bloquées envoyées")
    print(f"{sent} au destinataire.")
    return 0
