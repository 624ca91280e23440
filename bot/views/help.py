"""`/ror aide`: what the bot does, with examples."""

from bot.ids import DeclareIds, HomeIds
from bot.views.blocks import Block, actions, button, context, header, section
from domain.errors import ACCESS_REQUEST_ADDRESS

_COMMANDS = (
    (
        "`/ror rechercher 1110000056 [91/11359]`",
        "affiche une ressource du ROR (ID National Structure, ID Offre facultatif), ses données et ses anomalies ouvertes.",
    ),
    (
        "`/ror declarer [1110000056 [91/11359]]`",
        "ouvre le formulaire *Déclarer une anomalie* (une anomalie par donnée choisie).",
    ),
    (
        "`/ror anomalies [filtres]`",
        "liste les anomalies de votre périmètre, avec filtres, pages, export CSV et annulation groupée.",
    ),
    ("`/ror voir ANO_100000000909`", "détail d'une anomalie et son historique."),
    ("`/ror annuler ANO_100000000909`", "annule une anomalie, après confirmation."),
    (
        "`/ror abonner [filtres] [quotidien|hebdo [lundi…]] [HH:MM]`",
        "abonne ce canal à un récapitulatif des anomalies bloquées ou mises à jour.",
    ),
    ("`/ror abonnements` · `/ror desabonner &lt;n&gt;`", "liste ou supprime les abonnements de ce canal."),
    ("`/ror digest`", "publie tout de suite le récapitulatif des abonnements de ce canal."),
    ("`/ror aide`", "cette aide."),
)

FILTER_HELP = (
    "*Filtres* : mots `clé=valeur`, par exemple `region=76 dep=11 statut=bloquee,a_traiter ressource=offre "
    'nom="hotel dieu" ref=ANO_1000 id=1110000056 donnee="Adresse établissement" du=01/01/2026 '
    "au=15/01/2026`. Statuts : codes (`04`), libellés ou mots-clés (`creee`, `a_traiter`, `annulee`, "
    "`bloquee_manquant`, `envoyee`, `toleree_temporairement`, `toleree_definitivement`, `corrigee`, `refusee`, "
    "`a_verifier`, `bloquee_errone`, et les groupes `bloquee`, `ouverte`, `fermee`)."
)


def help_blocks(*, intro: str | None = None) -> list[Block]:
    blocks: list[Block] = [header("ROR Anomalies — aide")]
    if intro:
        blocks.append(section(intro))
    blocks.append(
        section(
            "Déclarez, suivez et annulez les anomalies du Répertoire Opérationnel des Ressources (ROR) "
            "sans quitter Slack. Vous voyez les anomalies des régions de votre groupe d'habilitation."
        )
    )
    blocks.append(section("\n".join(f"• {cmd} : {what}" for cmd, what in _COMMANDS)))
    blocks.append(section(FILTER_HELP))
    blocks.append(
        section(
            "*Récapitulatifs dans un canal* : invitez d'abord le bot dans le canal (`/invite @ROR Anomalies`), "
            "sinon il ne peut pas y publier. Les listes, exports et confirmations arrivent en message privé "
            "ou ne sont visibles que de vous : pas besoin d'invitation pour eux."
        )
    )
    blocks.append(
        context(
            "Les commandes acceptent aussi l'anglais : `help`, `search`, `declare`, `list`, `show`, `cancel`, "
            "`subscribe`, `subscriptions`, `unsubscribe`."
        )
    )
    blocks.append(
        context(
            "Besoin d'un accès ou d'aide ? Écrivez à l'équipe du programme ROR à l'ANS : "
            f"{ACCESS_REQUEST_ADDRESS}"
        )
    )
    blocks.append(
        actions(
            button("Déclarer une anomalie", DeclareIds.OPEN_MODAL, "open", style="primary"),
            button("Voir les anomalies", HomeIds.LIST_ALL, "all"),
        )
    )
    return blocks


def help_text() -> str:
    return "Aide de /ror : rechercher, declarer, anomalies, voir, annuler, abonner, digest."
