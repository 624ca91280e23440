"""`ror-bot directory import|demo|sync`: load ROR FHIR resources (structures, offers, professionals) into
the directory that anomalies point to, from a file, the demo, or the ROR national itself; and the embedded
default's automatic demo directory."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from urllib.parse import urlsplit

from bot.cli.parser import UsageError
from bot.context import AppContext
from bot.directory_loading import (
    ensure_demo_directory,
    is_embedded_default,
    load_demo_directory,
    load_directory_text,
)
from bot.presentation.anomalies import plural
from bot.settings import Settings, Surface
from domain.services.directory_import import ImportReport
from domain.services.directory_sync import SyncReport, sync_directory

__all__ = ["ensure_demo_directory", "is_embedded_default", "register"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    directory = subparsers.add_parser("directory", help="charger l'annuaire des ressources du ROR")
    commands = directory.add_subparsers(dest="directory_command", metavar="ACTION")

    load = commands.add_parser(
        "import",
        help="importer un Bundle FHIR R4 (JSON) ou un fichier NDJSON de ressources ROR",
        description="Importe les structures, offres et professionnels d'un fichier de ressources FHIR du ROR "
        "(ROROrganization, RORHealthcareService, RORLocation, RORPractitioner, RORPractitionerRole). "
        "Une ressource déjà connue est mise à jour ; chaque ressource rejetée est écrite avec sa raison.",
        epilog="exemples :\n  ror-bot directory import annuaire.json\n  ror-bot directory import ror.ndjson",
    )
    load.add_argument("file", metavar="FICHIER", help="Bundle FHIR R4 (JSON) ou NDJSON, en UTF-8")
    load.set_defaults(func=run_import)

    demo = commands.add_parser(
        "demo",
        help="charger l'annuaire de démonstration (CH Narbonne et d'autres)",
        epilog="exemple :\n  ror-bot directory demo",
    )
    demo.set_defaults(func=run_demo)

    sync = commands.add_parser(
        "sync",
        help="synchroniser l'annuaire depuis le ROR national (ROR_FHIR_URL) : ce qui a changé depuis la "
        "dernière synchronisation",
        description="Récupère dans l'annuaire du ROR national (ROR_FHIR_URL) les structures, offres, "
        "adresses et professionnels modifiés depuis la dernière synchronisation (tout, la première fois), "
        "page par page, et les charge comme `directory import`. Le repère ne bouge qu'une fois tout "
        "enregistré.",
        epilog="exemple :\n  ror-bot directory sync",
    )
    sync.set_defaults(func=run_sync)


def _counts(report: ImportReport) -> str:
    text = (
        f"{plural(report.created, 'ressource créée', 'ressources créées')}, "
        f"{plural(report.updated, 'ressource mise à jour', 'ressources mises à jour')}"
    )
    if report.sent:
        text += f", {plural(len(report.sent), 'anomalie bloquée envoyée', 'anomalies bloquées envoyées')} au destinataire"
    return text


def run_import(args: argparse.Namespace) -> int:
    path = Path(args.file)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise UsageError(f"Le fichier « {path} » n'existe pas.") from None
    except IsADirectoryError:
        raise UsageError(f"« {path} » est un dossier, pas un fichier.") from None
    except UnicodeDecodeError:
        raise UsageError(
            f"Le fichier « {path} » n'est pas du texte UTF-8 (JSON ou NDJSON attendu)."
        ) from None
    except OSError as error:
        raise UsageError(f"Impossible de lire « {path} » : {error.strerror}.") from None
    context = AppContext.start(surface=Surface.CLI)
    report, rejected = load_directory_text(text, context)
    for what, why in rejected:
        print(f"Rejetée : {what} — {why}" if what else f"Rejetée : {why}", file=sys.stderr)
    print(
        f"Import de {path.name} : {_counts(report)}, {plural(len(rejected), 'ressource rejetée', 'ressources rejetées')}."
    )
    return 0 if report.created + report.updated > 0 else 1


def run_demo(_args: argparse.Namespace) -> int:
    context = AppContext.start(surface=Surface.CLI)
    report = load_demo_directory(context)
    print(f"Annuaire de démonstration chargé : {_counts(report)}.")
    return 0


def _sync_summary(report: SyncReport) -> str:
    counts = (
        f"{plural(report.created, 'ressource créée', 'ressources créées')}, "
        f"{plural(report.updated, 'mise à jour', 'mises à jour')}, "
        f"{plural(report.unchanged, 'inchangée')}, "
        f"{plural(len(report.rejected), 'rejetée')}"
    )
    if report.sent:
        counts += (
            f", {plural(len(report.sent), 'anomalie bloquée envoyée', 'anomalies bloquées envoyées')} "
            "au destinataire"
        )
    previous = report.previous.text if report.previous is not None else "aucun, première synchronisation"
    mark = report.watermark.text if report.watermark is not None else "aucun"
    return (
        f"Annuaire synchronisé depuis {urlsplit(report.origin).netloc or report.origin} : {counts} ; "
        f"repère {mark} (précédent : {previous})."
    )


def run_sync(_args: argparse.Namespace) -> int:
    settings = Settings()
    if not settings.connected and not (settings.ror_fhir_url or "").strip():
        raise UsageError(
            "ROR_FHIR_URL n'est pas définie : la synchronisation de l'annuaire demande la connexion au ROR "
            "national (ROR_ANOMALIES_URL, ROR_FHIR_URL, ROR_AUTH_URL… ; voir le README). Sans elle, chargez "
            "un fichier avec `ror-bot directory import`."
        )
    connection = settings.ror_connection()
    from rornational.client import connect  # the HTTP stack is only loaded when needed

    context = AppContext.start(settings, surface=Surface.CLI)
    with connect(connection) as ror:
        report = sync_directory(
            source=ror,
            origin=connection.fhir_url,
            uow=context.uow(),
            clock=context.clock,
            system=context.system,
        )
    for rejected in report.rejected:
        where = f"page {rejected.page}, {rejected.rejection.where}"
        print(f"Rejetée : {where} — {rejected.rejection.reason}", file=sys.stderr)
    print(_sync_summary(report))
    return 0
