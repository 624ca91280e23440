"""`ror-bot recipient set`: name the person responsible for a resource's data."""

import argparse

from bot.cli.output import plural
from bot.context import AppContext
from domain.services import set_recipient


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    recipient = subparsers.add_parser("recipient", help="gérer les destinataires des anomalies")
    commands = recipient.add_subparsers(dest="recipient_command", required=True, metavar="ACTION")
    set_cmd = commands.add_parser(
        "set", help="désigner le destinataire d'une ressource ; ses anomalies bloquées lui sont envoyées"
    )
    set_cmd.add_argument(
        "resource_id", metavar="ID_RESSOURCE", help="ID National Structure, ID Offre ou RPPS"
    )
    set_cmd.add_argument("email", metavar="EMAIL")
    set_cmd.set_defaults(func=run_set)


def run_set(args: argparse.Namespace) -> int:
    context = AppContext.start()
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
