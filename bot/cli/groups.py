"""`ror-bot group …`: operators manage habilitation groups, their perimeter and their members."""

import argparse

from bot.cli.main import UsageError
from bot.cli.output import to_json
from bot.context import AppContext
from domain.errors import UnknownGroup
from domain.habilitation import Group, Perimeter, clean_group_name, normalise_email
from domain.services import add_member, create_group, list_groups, remove_member


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    group = subparsers.add_parser("group", help="gérer les groupes d'habilitation")
    commands = group.add_subparsers(dest="group_command", required=True, metavar="ACTION")

    create = commands.add_parser("create", help="créer un groupe avec son périmètre")
    create.add_argument("name", metavar="NOM")
    where = create.add_mutually_exclusive_group(required=True)
    where.add_argument("--regions", metavar="CODES", help="codes région séparés par des virgules, ex. 76,93")
    where.add_argument("--national", action="store_true", help="périmètre national (toutes les régions)")
    create.set_defaults(func=run_create)

    add = commands.add_parser("add-member", help="ajouter un membre (adresse e-mail) à un groupe")
    add.add_argument("name", metavar="NOM")
    add.add_argument("email", metavar="EMAIL")
    add.set_defaults(func=run_add_member)

    remove = commands.add_parser("remove-member", help="retirer un membre d'un groupe (accès coupé aussitôt)")
    remove.add_argument("name", metavar="NOM")
    remove.add_argument("email", metavar="EMAIL")
    remove.set_defaults(func=run_remove_member)

    listing = commands.add_parser("list", help="lister les groupes, leur périmètre et leurs membres")
    listing.add_argument("--format", choices=("text", "json"), default="text")
    listing.set_defaults(func=run_list)


def run_create(args: argparse.Namespace) -> int:
    perimeter = Perimeter.everywhere() if args.national else Perimeter.parse(args.regions)
    context = AppContext.start()
    group = create_group(name=args.name, perimeter=perimeter, uow=context.uow())
    print(f"Groupe « {group.name} » créé, périmètre : {group.perimeter.describe()}.")
    return 0


def run_add_member(args: argparse.Namespace) -> int:
    context = AppContext.start()
    group = add_member(group_name=args.name, email=args.email, uow=context.uow())
    print(
        f"{normalise_email(args.email)} est membre du groupe « {group.name} » ({group.perimeter.describe()})."
    )
    return 0


def run_remove_member(args: argparse.Namespace) -> int:
    context = AppContext.start()
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
    context = AppContext.start()
    groups = list_groups(uow=context.uow())
    if args.format == "json":
        print(to_json([group_to_dict(g) for g in groups]))
        return 0
    if not groups:
        print("Aucun groupe d'habilitation. Créez-en un : ror-bot group create NOM --regions 76")
        return 0
    for group in groups:
        print(f"{group.name} — périmètre : {group.perimeter.describe()}")
        members = ", ".join(sorted(group.members)) if group.members else "aucun"
        print(f"  membres : {members}")
    return 0
