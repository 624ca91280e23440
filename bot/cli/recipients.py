"""`ror-bot recipient set`: name the person responsible for a resource's data; `ror-bot recipient errors`:
the recipients found wrong (no Slack account, or who said so) whose anomalies wait blocked."""

import argparse

from bot.context import AppContext
from bot.presentation.anomalies import plural
from bot.settings import Surface
from domain.services import set_recipient
from domain.services.recipients import wrong_recipients


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
    errors = commands.add_parser(
        "errors",
        help="lister les destinataires erronés ou injoignables dont des anomalies sont bloquées",
        description="Liste, par ressource, les anomalies bloquées au statut « 11 Bloquée (destinataire "
        "erroné) » : destinataire sans compte Slack, ou qui a répondu ne pas être le bon. Corrigez avec "
        "`ror-bot recipient set ID_RESSOURCE ADRESSE`.",
        epilog="exemples :\n  ror-bot recipient errors\n"
        "  ror-bot recipient errors && ror-bot recipient set 91/11359 porteur.offre@ch-narbonne.fr",
    )
    errors.set_defaults(func=run_errors)


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


def run_errors(_args: argparse.Namespace) -> int:
    context = AppContext.start()
    found = wrong_recipients(uow=context.store.reader())
    if not found:
        print(
            "Aucun destinataire erroné : aucune anomalie n'est bloquée au statut « 11 Bloquée (destinataire erroné) »."
        )
        return 0
    print("Destinataires erronés ou injoignables (anomalies bloquées au statut 11) :")
    for wrong in found:
        since = wrong.since.astimezone(context.settings.timezone).strftime("%d/%m/%Y")
        blocked = plural(wrong.blocked, "anomalie bloquée", "anomalies bloquées")
        print(
            f"- {wrong.kind.label} {wrong.resource_id} (« {wrong.name} ») : {wrong.recipient or 'aucun'} — "
            f"{blocked} depuis le {since}"
        )
    print(
        "Pour corriger : ror-bot recipient set ID_RESSOURCE ADRESSE (les anomalies bloquées lui sont envoyées)."
    )
    return 0
