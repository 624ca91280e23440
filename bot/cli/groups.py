"""`ror-bot group …`: operators manage habilitation groups, their perimeter and their members."""

import argparse
import json

from bot.cli.parser import UsageError
from bot.context import AppContext
from bot.settings import Surface
from domain.errors import UnknownGroup
from domain.habilitation import Group, Perimeter, clean_group_name, normalise_email
from domain.services import add_member, create_group, list_groups, remove_member


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    group = subparsers.add_parser(
        "group",
        help="gérer les groupes d'habilitation",
        description="Un groupe d'habilitation (un éditeur) a un périmètre (des régions ou national) et des "
        "membres désignés par leur adresse e-mail ; une adresse appartient à un seul groupe.",
    )
    commands = group.add_subparsers(dest="group_command", metavar="ACTION")

    create = commands.add_parser(
        "create",
        help="créer un groupe avec son périmètre",
        epilog='exemples :\n  ror-bot group create "Éditeur Occitanie" --regions 76,93\n'
        '  ror-bot group create "Éditeur national" --national',
    )
    create.add_argument("name", metavar="NOM", help="nom du groupe")
    where = create.add_mutually_exclusive_group(required=True)
    where.add_argument("--regions", metavar="CODES", help="codes région séparés par des virgules, ex. 76,93")
    where.add_argument("--national", action="store_true", help="périmètre national (toutes les régions)")
    create.set_defaults(func=run_create)

    add = commands.add_parser(
        "add-member",
        help="ajouter un membre (adresse e-mail) à un groupe",
        epilog='exemple :\n  ror-bot group add-member "Éditeur Occitanie" alice@editeur.fr',
    )
    add.add_argument("name", metavar="NOM", help="nom du groupe")
    add.add_argument("email", metavar="EMAIL", help="adresse e-mail du membre (celle de son compte Slack)")
    add.set_defaults(func=run_add_member)

    remove = commands.add_parser(
        "remove-member",
        help="retirer un membre d'un groupe (accès coupé aussitôt)",
        epilog='exemple :\n  ror-bot group remove-member "Éditeur Occitanie" alice@editeur.fr',
    )
    remove.add_argument("name", metavar="NOM", help="nom du groupe")
    remove.add_argument("email", metavar="EMAIL", help="adresse e-mail du membre")
    remove.set_defaults(func=run_remove_member)

    listing = commands.add_parser(
        "list",
        help="lister les groupes, leur périmètre et leurs membres",
        epilog="exemples :\n  ror-bot group list\n  ror-bot group list --format json",
    )
    listing.add_argument(
        "--format", choices=("text", "json"), default="text", help="text (par défaut) ou json"
    )
    listing.set_defaults(func=run_list)


def run_create(args: argparse.Namespace) -> int:
    perimeter = Perimeter.everywhere() if args.national else Perimeter.parse(args.regions)
    context = AppContext.start(surface=Surface.CLI)
    group = create_group(name=args.name, perimeter=perimeter, uow=context.uow())
    print(f"Groupe « {group.name} » créé, périmètre : {group.perimeter.describe()}.")
    return 0


def run_add_member(args: argparse.Namespace) -> int:
    context = AppContext.start(surface=Surface.CLI)
    group = add_member(group_name=args.name, email=args.email, uow=context.uow())
    print(
        f"{normalise_email(args.email)} est membre du groupe « {group.name} » ({group.perimeter.describe()})."
    )
    return 0


def run_remove_member(args: argparse.Namespace) -> int:
    context = AppContext.start(surface=Surface.CLI)
    email = args.email.strip().lower()
    name = clean_group_name(args.name)
    known = {g.name: g for g in list_groups(uow=context.uow())}
    current = known.get(name)
    if current is None:
        raise UnknownGroup(name)
    if email not in current.members:
        raise UsageError(f"{email} n'est pas membre du groupe « {current.name} ».")
    remove_member(group_name=current.name, email=email, uow=context.uow())
    print(f"{email} n'est plus membre du groupe « {current.name} ».")
    return 0


def group_to_dict(group: Group) -> dict[str, object]:
    return {
        "nom": group.name,
        "national": group.perimeter.national,
        "regions": sorted(group.perimeter.regions),
        "perimetre": group.perimeter.describe(),
        "membres": sorted(group.members),
    }


def run_list(args: argparse.Namespace) -> int:
    context = AppContext.start(surface=Surface.CLI)
    groups = list_groups(uow=context.uow())
    if args.format == "json":
        print(json.dumps([group_to_dict(g) for g in groups], ensure_ascii=False, indent=2))
        return 0
    if not groups:
        print("Aucun groupe d'habilitation. Créez-en un : ror-bot group create NOM --regions 76")
        return 0
    for group in groups:
        print(f"{group.name} — périmètre : {group.perimeter.describe()}")
        members = ", ".join(sorted(group.members)) if group.members else "aucun"
        print(f"  membres : {members}")
    return 0
