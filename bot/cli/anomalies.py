"""`ror-bot anomalies …`: the Slack commands of SPEC §5, for scripts (declare, list, show, cancel) and the
operator's transitions."""

import argparse
import io
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from bot.cli.directory import ensure_demo_directory
from bot.cli.main import UsageError
from bot.cli.output import anomaly_to_dict, page_to_dict, render_detail, render_listing, to_json, write_csv
from bot.context import AppContext
from domain.errors import InvalidDeclaration
from domain.filters import parse_filter_words
from domain.habilitation import Actor, Member
from domain.services import (
    DeclarationRequest,
    DeclaredItem,
    cancel_anomaly,
    confirmation_text,
    declare_anomalies,
    export_anomalies,
    list_anomalies,
    resolve_member,
    show_anomaly,
    transition_anomaly,
)
from domain.services.lifecycle import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from domain.statuses import Status, parse_status

FILTER_HELP = (
    "filtres clé=valeur (un argument chacun) : region=76 dep=11 statut=bloquee,a_traiter ressource=offre "
    "'nom=hotel dieu' ref=ANO_1000 id=1110000056 'donnee=Adresse établissement' du=01/01/2026 au=15/01/2026"
)


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    anomalies = subparsers.add_parser("anomalies", help="déclarer, lister, voir et annuler des anomalies")
    commands = anomalies.add_subparsers(dest="anomalies_command", required=True, metavar="ACTION")

    declare = commands.add_parser(
        "declare",
        help="déclarer une ou plusieurs anomalies sur une ressource",
        description="Chaque --donnee va avec la --description de même rang.",
    )
    _as_member(declare)
    target = declare.add_mutually_exclusive_group(required=True)
    target.add_argument("--structure", metavar="ID", help="ID National Structure")
    target.add_argument(
        "--rpps", metavar="RPPS", help="numéro RPPS d'un professionnel de santé (11 chiffres)"
    )
    declare.add_argument("--offre", metavar="ID", help="ID Offre (facultatif), ex. 91/11359")
    declare.add_argument(
        "--donnee", action="append", default=[], metavar="LIBELLÉ", help="donnée en anomalie"
    )
    declare.add_argument(
        "--description", action="append", default=[], metavar="TEXTE", help="description de l'anomalie"
    )
    declare.set_defaults(func=run_declare)

    listing = commands.add_parser("list", help="lister les anomalies du périmètre", description=FILTER_HELP)
    _as_member(listing)
    listing.add_argument("filters", nargs="*", metavar="FILTRE", help=FILTER_HELP)
    listing.add_argument("--page", type=_positive, default=1, metavar="N")
    listing.add_argument(
        "--size",
        type=_positive,
        default=DEFAULT_PAGE_SIZE,
        metavar="N",
        help=f"anomalies par page (au plus {MAX_PAGE_SIZE})",
    )
    listing.add_argument(
        "--format",
        choices=("table", "csv", "json"),
        default="table",
        help="csv : toutes les anomalies correspondantes (pas seulement une page)",
    )
    listing.add_argument(
        "--output", "-o", metavar="FICHIER", help="écrire dans un fichier plutôt qu'à l'écran"
    )
    listing.set_defaults(func=run_list)

    show = commands.add_parser("show", help="voir une anomalie et son historique")
    _as_member(show)
    show.add_argument("reference", metavar="REF")
    show.add_argument("--format", choices=("text", "json"), default="text")
    show.set_defaults(func=run_show)

    cancel = commands.add_parser("cancel", help="annuler une anomalie")
    _as_member(cancel)
    cancel.add_argument("reference", metavar="REF")
    cancel.add_argument("--comment", default="", metavar="TEXTE")
    cancel.set_defaults(func=run_cancel)

    transition = commands.add_parser(
        "transition", help="(opérateur) changer le statut d'une anomalie selon le tableau des transitions"
    )
    transition.add_argument(
        "--status",
        required=True,
        metavar="STATUT",
        help="code (08), libellé ou mot-clé (corrigee) du statut visé",
    )
    transition.add_argument("reference", metavar="REF")
    transition.add_argument("--comment", default="", metavar="TEXTE")
    transition.add_argument(
        "--operator", default="Opérateur ROR", metavar="NOM", help="nom écrit dans l'historique"
    )
    transition.add_argument(
        "--destinataire",
        metavar="EMAIL",
        help="destinataire désigné avec l'envoi (04 ou 11 → 05) quand l'anomalie n'en a pas",
    )
    transition.set_defaults(func=run_transition)


def _as_member(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--as", dest="as_email", required=True, metavar="EMAIL", help="adresse e-mail du membre qui agit"
    )


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"« {text} » n'est pas un nombre entier") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} : un nombre supérieur ou égal à 1 est attendu")
    return value


def _start() -> AppContext:
    context = AppContext.start()
    ensure_demo_directory(context)
    return context


def _member(context: AppContext, email: str) -> Member:
    return resolve_member(email=email, uow=context.uow())


def run_declare(args: argparse.Namespace) -> int:
    labels: list[str] = args.donnee
    descriptions: list[str] = args.description
    if not labels:
        raise UsageError(
            'Indiquez au moins une donnée en anomalie : --donnee "LIBELLÉ" --description "TEXTE".'
        )
    if len(labels) != len(descriptions):
        raise UsageError(
            f"{len(labels)} --donnee pour {len(descriptions)} --description : chaque donnée en anomalie "
            "va avec sa description, dans le même ordre."
        )
    context = _start()
    member = _member(context, args.as_email)
    if args.rpps and args.offre:
        raise UsageError("--offre va avec --structure, pas avec --rpps.")
    request = DeclarationRequest(
        structure_id=args.structure or "",
        offer_id=args.offre,
        items=tuple(DeclaredItem(label, text) for label, text in zip(labels, descriptions, strict=True)),
        rpps=args.rpps,
    )
    try:
        created = declare_anomalies(
            request=request, member=member, uow=context.uow(), clock=context.clock, system=context.system
        )
    except InvalidDeclaration as error:
        for message in error.errors.values():
            print(f"Erreur : {message}", file=sys.stderr)
        return 1
    print(confirmation_text(created))
    return 0


@contextmanager
def _destination(path: str | None) -> Iterator[TextIO]:
    """The file named by --output, or standard output, always written in UTF-8."""
    if path:
        try:
            stream = open(path, "w", encoding="utf-8", newline="")  # noqa: SIM115 - closed below
        except OSError as error:
            raise UsageError(f"Impossible d'écrire dans « {path} » : {error.strerror}.") from None
        with stream:
            yield stream
        return
    if isinstance(sys.stdout, io.TextIOWrapper) and sys.stdout.encoding.lower().replace("-", "") != "utf8":
        sys.stdout.reconfigure(encoding="utf-8")
    yield sys.stdout
    sys.stdout.flush()


def run_list(args: argparse.Namespace) -> int:
    flt = parse_filter_words(args.filters)
    size = min(args.size, MAX_PAGE_SIZE)
    context = _start()
    member = _member(context, args.as_email)
    if args.format == "csv":
        with _destination(args.output) as stream:
            count = write_csv(export_anomalies(flt=flt, member=member, uow=context.store.reader()), stream)
        if args.output:
            print(f"{count} anomalie(s) exportée(s) dans {args.output}.", file=sys.stderr)
        return 0
    page = list_anomalies(flt=flt, member=member, uow=context.store.reader(), page=args.page, size=size)
    text = to_json(page_to_dict(page)) if args.format == "json" else render_listing(page)
    with _destination(args.output) as stream:
        print(text, file=stream)
    return 0


def run_show(args: argparse.Namespace) -> int:
    context = _start()
    member = _member(context, args.as_email)
    anomaly = show_anomaly(reference=args.reference, member=member, uow=context.store.reader())
    if args.format == "json":
        print(to_json(anomaly_to_dict(anomaly, history=True)))
    else:
        print(render_detail(anomaly))
    return 0


def run_cancel(args: argparse.Namespace) -> int:
    context = _start()
    member = _member(context, args.as_email)
    anomaly = cancel_anomaly(
        reference=args.reference,
        member=member,
        uow=context.uow(),
        clock=context.clock,
        system=context.system,
        comment=args.comment,
    )
    print(f"L'anomalie {anomaly.reference} est annulée.")
    return 0


def single_status(text: str) -> Status:
    """A status the operator names; a group such as `bloquee` is refused as ambiguous."""
    statuses = parse_status(text)
    if len(statuses) != 1:
        options = ", ".join(f"{s.code} {s.label}" for s in sorted(statuses))
        raise UsageError(f"« {text} » désigne plusieurs statuts ({options}) : précisez-en un seul.")
    return next(iter(statuses))


def run_transition(args: argparse.Namespace) -> int:
    target = single_status(args.status)
    context = AppContext.start()
    name = " ".join(args.operator.split()) or "Opérateur ROR"
    anomaly = transition_anomaly(
        reference=args.reference,
        target=target,
        uow=context.uow(),
        clock=context.clock,
        actor=Actor.operator(name=name),
        comment=args.comment,
        recipient_email=args.destinataire,
    )
    print(f"L'anomalie {anomaly.reference} est au statut « {anomaly.status.code} {anomaly.status.label} ».")
    return 0
