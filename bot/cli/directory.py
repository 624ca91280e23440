"""`ror-bot directory import|demo`: load ROR FHIR resources (structures, offers, professionals) into the
directory that anomalies point to; and the embedded default's automatic demo directory."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.cli.parser import UsageError
from bot.context import AppContext
from bot.directory_loading import (
    ensure_demo_directory,
    is_embedded_default,
    load_demo_directory,
    load_directory_text,
)
from bot.presentation.anomalies import plural
from bot.settings import Surface
from domain.services.directory_import import ImportReport

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
