"""Loading the directory that anomalies point to — from ROR FHIR text, or the bundled demo directory — and
the embedded default's first run (demo directory loaded into an empty SQLite file). Shared by the command
line and the notebook."""

from pathlib import Path

from bot.context import AppContext
from bot.demo import DEMO_DIRECTORY
from bot.settings import Settings
from domain.catalogue import ResourceKind
from domain.directory import Resource
from domain.fhir.directory_import import parse_directory
from domain.services.directory_import import ImportReport, import_directory


def is_embedded_default(settings: Settings) -> bool:
    """True when DATABASE_URL is the embedded default (the SQLite file in the working directory)."""
    default = Settings.model_fields["database_url"].get_default(call_default_factory=True)
    return bool(settings.database_url == default)


def load_directory_text(text: str, context: AppContext) -> tuple[ImportReport, list[tuple[str, str]]]:
    """Parse and load; returns the import report and the rejected resources as (what, why) lines.

    Offers may point to structures loaded by an earlier import, so the parser may look them up."""
    with context.store.reader() as uow:

        def known_structure(structure_id: str) -> Resource | None:
            return uow.directory.get(ResourceKind.STRUCTURE, structure_id)

        result = parse_directory(text, known_structure=known_structure)
    rejected = [(item.where, item.reason) for item in result.rejected]
    report = import_directory(
        resources=result.resources, uow=context.uow(), clock=context.clock, system=context.system
    )
    return report, rejected


def load_demo_directory(context: AppContext) -> ImportReport:
    report, _ = load_directory_text(Path(DEMO_DIRECTORY).read_text(encoding="utf-8"), context)
    return report


def ensure_demo_directory(context: AppContext) -> ImportReport | None:
    """On the embedded default, fill an empty directory with the demo one (first run); else do nothing."""
    if not is_embedded_default(context.settings):
        return None
    with context.store.reader() as uow:
        if not uow.directory.is_empty():
            return None
    return load_demo_directory(context)
