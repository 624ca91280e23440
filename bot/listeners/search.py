"""`/ror rechercher`: the resource card, and its *Voir les anomalies* button (*Déclarer une anomalie*
is handled by the declaration listener)."""

from bot.router import CommandCall, Router
from bot.views.search import resource_card_blocks, resource_card_text
from domain.catalogue import ResourceKind
from domain.identifiers import guess_resource_kind
from domain.services import find_practitioner, find_resource

USAGE = (
    "Indiquez l'ID National Structure, et l'ID Offre si besoin : `/ror rechercher 1110000056` ou "
    "`/ror rechercher 1110000056 91/11359` (ou un RPPS de 11 chiffres)."
)


def search_command(call: CommandCall) -> None:
    words = call.words
    if not words or len(words) > 2:
        call.reply(text=USAGE, blocks=None)
        return
    uow = call.ror.store.reader()
    if len(words) == 1 and guess_resource_kind(words[0]) is ResourceKind.PROFESSIONNEL:
        card = find_practitioner(rpps=words[0], member=call.member, uow=uow)
    else:
        # After the ack (often in a worker process): a structure or offer the ROR national alone knows is
        # fetched with no deadline but the adapter's own timeouts.
        card = find_resource(
            structure_id=words[0],
            offer_id=words[1] if len(words) > 1 else None,
            member=call.member,
            uow=uow,
            live=call.ror.live_directory(),
        )
    call.reply(text=resource_card_text(card), blocks=resource_card_blocks(card))


def add_routes(router: Router) -> None:
    router.subcommand(("rechercher", "chercher", "search"), search_command, read_only=True)
