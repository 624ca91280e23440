"""`ror-bot anomalies …`: the Slack commands of SPEC §5, for scripts (declare, list, show, cancel), bulk
declaring from a file (import) and the operator's transitions."""

import argparse
import errno
import io
import json
import os
import sys
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import TextIO

from bot.cli.parser import UsageError, bounded_int
from bot.context import AppContext
from bot.directory_loading import ensure_demo_directory
from bot.import_files import FileFormat, format_of, open_import, read_lines
from bot.presentation.anomalies import anomaly_to_dict, page_to_dict, plural
from bot.presentation.csv_writer import PLAIN, write_anomalies_csv
from bot.presentation.text import render_detail, render_listing
from bot.settings import Surface
from domain.errors import CancellationQueued, InvalidDeclaration
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
from domain.services.bulk_import import LineError, import_anomalies
from domain.services.lifecycle import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from domain.services.ror_sending import REFUSAL_PREFIX, declaration_report, send_declaration
from domain.statuses import Status, parse_status

# Far beyond any directory (a billion pages), low enough that the SQL offset can never overflow.
MAX_PAGE = 1_000_000_000

DECLARE_EXAMPLES = """\
exemples :
  ror-bot anomalies declare --as alice@editeur.fr --structure 1110000056 \\
      --donnee "Adresse établissement" --description "Le numéro de rue manque" \\
      --donnee "Contact établissement" --description "Le standard a changé"
  ror-bot anomalies declare --as alice@editeur.fr --structure 1110000056 --offre 91/11359 \\
      --donnee "Horaires" --description "Fermé le samedi"
  ror-bot anomalies declare --as alice@editeur.fr --rpps 10003456782 \\
      --donnee "Profession" --description "Pédiatre, pas généraliste"

Chaque --donnee va avec la --description de même rang ; tout est créé, ou rien."""

LIST_EXAMPLES = """\
exemples :
  ror-bot anomalies list --as alice@editeur.fr statut=bloquee
  ror-bot anomalies list --as alice@editeur.fr region=76 'nom=hôtel dieu' du=01/01/2026 --page 2 --size 50
  ror-bot anomalies list --as alice@editeur.fr --format json
  ror-bot anomalies list --as alice@editeur.fr statut=ouverte --format csv -o ouvertes.csv

filtres, un argument clé=valeur chacun (valeur avec espaces entre guillemets) :
  region=76 dep=11 ref=ANO_1000 id=1110000056 ressource=structure|offre|ps
  statut=bloquee,a_traiter (codes 04, libellés ou mots-clés ; groupes bloquee, ouverte, fermee)
  'nom=hôtel dieu' (contient, sans tenir compte des accents) 'donnee=Adresse établissement'
  du=01/01/2026 au=15/01/2026 (dernière modification, jours inclus, fuseau ROR_TIMEZONE)

Tri : dernière modification la plus récente d'abord. --format csv écrit toutes les anomalies
correspondantes (pas seulement une page) ; une cellule qui commence par = + - @ est précédée de « ' »."""

SHOW_EXAMPLES = """\
exemples :
  ror-bot anomalies show --as alice@editeur.fr ANO_100000000001
  ror-bot anomalies show --as alice@editeur.fr ANO_100000000001 --format json"""

CANCEL_EXAMPLES = """\
exemple :
  ror-bot anomalies cancel --as alice@editeur.fr ANO_100000000001 --comment "Doublon\""""

IMPORT_EXAMPLES = """\
exemples :
  ror-bot anomalies import --as qualite@editeur.fr resultats-regles.csv
  ror-bot anomalies import --as qualite@editeur.fr --format ndjson - < resultats.ndjson

fichier CSV (virgule ou point-virgule, UTF-8 avec ou sans BOM), une anomalie par ligne :
  ressource;donnee;description;regle;valeur_proposee
  1110000056;Adresse établissement;Le numéro de rue manque;R-ADR-01;12 boulevard Dr Lacroix
  91/11359;Horaires;Fermé le samedi;R-HOR-02;
  10003456782;Profession;Pédiatre, pas généraliste;;

ressource : ID National Structure, ID Offre ou RPPS ; donnee : libellé de l'IHM du ROR ; regle et
valeur_proposee facultatives. Une ligne refusée est signalée (numéro et raison) sans bloquer les autres ;
importer deux fois le même fichier ne crée rien de plus (clé : règle + ressource + donnée + description)."""

TRANSITION_EXAMPLES = """\
exemples :
  ror-bot anomalies transition --status envoyee ANO_100000000001 --destinataire referent@ch-narbonne.fr
  ror-bot anomalies transition --status 08 ANO_100000000001 --comment "Adresse corrigée" --operator "Équipe ROR\""""


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    anomalies = subparsers.add_parser(
        "anomalies",
        help="déclarer, lister, voir et annuler des anomalies",
        description="Les commandes de /ror dans Slack, pour les scripts : chacune agit au nom d'un membre "
        "(--as EMAIL), dans le périmètre de son groupe d'habilitation.",
    )
    commands = anomalies.add_subparsers(dest="anomalies_command", metavar="ACTION")

    declare = commands.add_parser(
        "declare",
        help="déclarer une ou plusieurs anomalies sur une ressource",
        description="Déclare une anomalie par donnée en anomalie d'une ressource (structure, offre ou "
        "professionnel de santé).",
        epilog=DECLARE_EXAMPLES,
    )
    _as_member(declare)
    target = declare.add_mutually_exclusive_group(required=True)
    target.add_argument("--structure", metavar="ID", help="ID National Structure, ex. 1110000056")
    target.add_argument(
        "--rpps", metavar="RPPS", help="numéro RPPS d'un professionnel de santé (11 chiffres)"
    )
    declare.add_argument("--offre", metavar="ID", help="ID Offre de la structure (facultatif), ex. 91/11359")
    declare.add_argument(
        "--donnee",
        action="append",
        default=[],
        metavar="LIBELLÉ",
        help="donnée en anomalie, libellé de l'IHM du ROR (répétable)",
    )
    declare.add_argument(
        "--description",
        action="append",
        default=[],
        metavar="TEXTE",
        help="description de l'anomalie, 800 caractères au plus (une par --donnee)",
    )
    declare.set_defaults(func=run_declare)

    bulk = commands.add_parser(
        "import",
        help="déclarer en masse : une anomalie par ligne d'un fichier CSV ou NDJSON",
        description="Déclare une anomalie par ligne du fichier (résultats de règles qualité), chacune "
        "vérifiée comme une déclaration unique, dans le périmètre du membre.",
        epilog=IMPORT_EXAMPLES,
    )
    _as_member(bulk)
    bulk.add_argument("file", metavar="FICHIER", help="fichier CSV ou NDJSON, ou - pour l'entrée standard")
    bulk.add_argument(
        "--format",
        choices=[f.value for f in FileFormat],
        help="csv ou ndjson (par défaut : d'après l'extension .csv, .ndjson ou .jsonl, sinon le contenu)",
    )
    bulk.set_defaults(func=run_import)

    listing = commands.add_parser(
        "list",
        help="lister les anomalies du périmètre (tableau, JSON ou CSV)",
        description="Liste les anomalies du périmètre du membre, filtrées, page par page.",
        epilog=LIST_EXAMPLES,
    )
    _as_member(listing)
    listing.add_argument("filters", nargs="*", metavar="FILTRE", help="filtre clé=valeur (voir plus bas)")
    listing.add_argument(
        "--page",
        type=bounded_int("le numéro de page", low=1, high=MAX_PAGE),
        default=1,
        metavar="N",
        help="numéro de la page à afficher (par défaut : 1)",
    )
    listing.add_argument(
        "--size",
        type=bounded_int(
            "la taille de page",
            low=1,
            high=MAX_PAGE_SIZE,
            hint="--format csv écrit toutes les anomalies sans pagination",
        ),
        default=DEFAULT_PAGE_SIZE,
        metavar="N",
        help=f"anomalies par page, de 1 à {MAX_PAGE_SIZE} (par défaut : {DEFAULT_PAGE_SIZE})",
    )
    listing.add_argument(
        "--format",
        choices=("table", "csv", "json"),
        default="table",
        help="table (par défaut), json (une page) ou csv (toutes les anomalies correspondantes)",
    )
    listing.add_argument(
        "--output", "-o", metavar="FICHIER", help="écrire dans ce fichier plutôt qu'à l'écran"
    )
    listing.set_defaults(func=run_list)

    show = commands.add_parser("show", help="voir une anomalie et son historique", epilog=SHOW_EXAMPLES)
    _as_member(show)
    show.add_argument("reference", metavar="REF", help="référence de l'anomalie, ex. ANO_100000000001")
    show.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="text (par défaut) ou json (avec l'historique)",
    )
    show.set_defaults(func=run_show)

    cancel = commands.add_parser("cancel", help="annuler une anomalie", epilog=CANCEL_EXAMPLES)
    _as_member(cancel)
    cancel.add_argument("reference", metavar="REF", help="référence de l'anomalie, ex. ANO_100000000001")
    cancel.add_argument("--comment", default="", metavar="TEXTE", help="commentaire écrit dans l'historique")
    cancel.set_defaults(func=run_cancel)

    transition = commands.add_parser(
        "transition",
        help="(opérateur) changer le statut d'une anomalie selon le tableau des transitions",
        description="Change le statut de n'importe quelle anomalie, selon les transitions permises aux "
        "opérateurs (SPEC §4).",
        epilog=TRANSITION_EXAMPLES,
    )
    transition.add_argument(
        "--status",
        required=True,
        metavar="STATUT",
        help="code (08), libellé ou mot-clé (corrigee) du statut visé",
    )
    transition.add_argument("reference", metavar="REF", help="référence de l'anomalie, ex. ANO_100000000001")
    transition.add_argument(
        "--comment", default="", metavar="TEXTE", help="commentaire écrit dans l'historique"
    )
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


def _start() -> AppContext:
    context = AppContext.start(surface=Surface.CLI)
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
    if args.rpps and args.offre:
        raise UsageError("--offre va avec --structure, pas avec --rpps.")
    context = _start()
    member = _member(context, args.as_email)
    request = DeclarationRequest(
        structure_id=args.structure or "",
        offer_id=args.offre,
        items=tuple(DeclaredItem(label, text) for label, text in zip(labels, descriptions, strict=True)),
        rpps=args.rpps,
    )
    try:
        created = declare_anomalies(
            request=request,
            member=member,
            uow=context.uow(),
            clock=context.clock,
            system=context.system,
            live=context.live_directory(),
            connected=context.settings.connected,
        )
    except InvalidDeclaration as error:
        for message in error.errors.values():
            print(f"Erreur : {message}", file=sys.stderr)
        return 1
    sender = context.ror_sender()
    if sender is None:
        print(confirmation_text(created))
        return 0
    # Connected: one POST per item now; what the ROR cannot take waits in the journal (ror-bot ror push).
    results = send_declaration(sender, references=[a.reference for a in created])
    lines = declaration_report(results).split("\n")
    refusals = [line for line in lines if line.startswith(REFUSAL_PREFIX)]
    print("\n".join(line for line in lines if not line.startswith(REFUSAL_PREFIX)))
    for line in refusals:
        print(f"Erreur : {line}", file=sys.stderr)
    return 1 if refusals else 0


_OPEN_ERRORS = {
    errno.ENOENT: "fichier introuvable",
    errno.EACCES: "accès refusé",
    errno.EISDIR: "c'est un dossier, pas un fichier",
}


def run_import(args: argparse.Namespace) -> int:
    context = _start()
    member = _member(context, args.as_email)
    try:
        stream = open_import(args.file, sys.stdin.buffer)
    except OSError as error:
        reason = _OPEN_ERRORS.get(error.errno or 0, error.strerror)
        raise UsageError(f"Impossible de lire « {args.file} » : {reason}.") from None
    errors = sys.stderr

    def report(error: LineError) -> None:
        print(f"Erreur : {error}", file=errors)

    with stream:
        result = import_anomalies(
            lines=read_lines(stream, format_of(args.file, args.format)),
            member=member,
            store=context.store.importer,
            clock=context.clock,
            system=context.system,
            on_error=report,
            connected=context.settings.connected,
        )
    print(result.summary())
    return 1 if result.refused else 0


def _utf8_stdout() -> TextIO:
    if isinstance(sys.stdout, io.TextIOWrapper) and sys.stdout.encoding.lower().replace("-", "") != "utf8":
        sys.stdout.reconfigure(encoding="utf-8")
    return sys.stdout


@contextmanager
def _destination(path: str | None) -> Iterator[TextIO]:
    """The file named by --output, or standard output, always written in UTF-8.

    A file is written beside its final name and renamed when complete: a failure midway leaves nothing."""
    if not path:
        stream = _utf8_stdout()
        yield stream
        stream.flush()
        return
    target = Path(path)
    # Beside the final name (same file system, so the rename is atomic), created with the usual permissions.
    partial = target.with_name(f".{target.name}.{os.getpid()}.part")
    try:
        stream = open(partial, "x", encoding="utf-8", newline="")  # noqa: SIM115 - closed below
    except OSError as error:
        raise UsageError(f"Impossible d'écrire dans « {path} » : {error.strerror}.") from None
    try:
        with stream:
            yield stream
        os.replace(partial, target)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise UsageError(f"Impossible d'écrire dans « {path} » : {error.strerror}.") from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def run_list(args: argparse.Namespace) -> int:
    flt = parse_filter_words(args.filters)
    context = _start()
    member = _member(context, args.as_email)
    if args.format == "csv":
        anomalies = export_anomalies(flt=flt, member=member, uow=context.store.reader())
        with closing(anomalies), _destination(args.output) as stream:
            written = write_anomalies_csv(anomalies, stream, dialect=PLAIN)
        if args.output:
            print(
                f"{plural(written.rows, 'anomalie exportée', 'anomalies exportées')} dans {args.output}.",
                file=sys.stderr,
            )
        return 0
    page = list_anomalies(flt=flt, member=member, uow=context.store.reader(), page=args.page, size=args.size)
    if page.page > page.pages:
        if page.total == 0:
            raise UsageError(f"La page {page.page} n'existe pas : aucune anomalie ne correspond.")
        fits = "tient" if page.total == 1 else "tiennent"
        raise UsageError(
            f"La page {page.page} n'existe pas : {plural(page.total, 'anomalie')} {fits} sur "
            f"{plural(page.pages, 'page')} de {page.size} (--page de 1 à {page.pages})."
        )
    text = (
        to_json(page_to_dict(page))
        if args.format == "json"
        else render_listing(page, context.settings.timezone)
    )
    with _destination(args.output) as stream:
        print(text, file=stream)
    return 0


def to_json(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


def run_show(args: argparse.Namespace) -> int:
    context = _start()
    member = _member(context, args.as_email)
    anomaly = show_anomaly(reference=args.reference, member=member, uow=context.store.reader())
    if args.format == "json":
        print(to_json(anomaly_to_dict(anomaly, history=True)))
    else:
        print(render_detail(anomaly, context.settings.timezone))
    return 0


def run_cancel(args: argparse.Namespace) -> int:
    context = _start()
    member = _member(context, args.as_email)
    try:
        anomaly = cancel_anomaly(
            reference=args.reference,
            member=member,
            uow=context.uow(),
            clock=context.clock,
            system=context.system,
            comment=args.comment,
            ror=context.ror_national(),
        )
    except CancellationQueued as queued:  # recorded: the journal sends it (exit 0, nothing to redo)
        print(queued.message)
        return 0
    print(f"L'anomalie {anomaly.shown_reference} est annulée.")
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
    context = AppContext.start(surface=Surface.CLI)
    name = " ".join(args.operator.split()) or "Opérateur ROR"
    anomaly = transition_anomaly(
        reference=args.reference,
        target=target,
        uow=context.uow(),
        clock=context.clock,
        actor=Actor.operator(name=name, system=context.system),
        comment=args.comment,
        recipient_email=args.destinataire,
    )
    print(
        f"L'anomalie {anomaly.shown_reference} est au statut « {anomaly.status.code} {anomaly.status.label} »."
    )
    return 0
