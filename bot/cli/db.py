"""`ror-bot db upgrade`: bring the database schema to the latest revision; `ror-bot db rebuild-counts`:
recompute the derived tables of fast listing (counters, name dictionary) from the anomalies."""

import argparse

from sqlalchemy.engine import make_url

from bot.settings import Settings
from storage import open_store, upgrade
from storage.maintenance import counts_are_exact, rebuild_derived


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    db = subparsers.add_parser("db", help="gérer la base de données (DATABASE_URL)")
    commands = db.add_subparsers(dest="db_command", metavar="ACTION")
    up = commands.add_parser(
        "upgrade",
        help="créer ou mettre à jour le schéma de la base (DATABASE_URL)",
        epilog="exemples :\n  ror-bot db upgrade\n"
        "  DATABASE_URL=postgresql+psycopg://ror@db.example.fr/ror ror-bot db upgrade",
    )
    up.set_defaults(func=run_upgrade)
    rebuild = commands.add_parser(
        "rebuild-counts",
        help="recalculer les compteurs d'anomalies (totaux rapides) à partir des anomalies elles-mêmes",
        description="Vérifie puis recalcule les tables dérivées des listes (compteurs par région, "
        "département, statut, ressource et donnée ; dictionnaire des noms), par exemple après un "
        "chargement en masse. Sans danger pendant que l'app tourne.",
        epilog="exemples :\n  ror-bot db rebuild-counts\n"
        "  DATABASE_URL=postgresql+psycopg://ror@db.example.fr/ror ror-bot db rebuild-counts",
    )
    rebuild.set_defaults(func=run_rebuild_counts)


def run_upgrade(_args: argparse.Namespace) -> int:
    settings = Settings()
    upgrade(settings.database_url)
    print(f"Base de données à jour : {describe_url(settings.database_url)}")
    return 0


def describe_url(url: str) -> str:
    """The URL without its password, safe to print."""
    return make_url(url).render_as_string(hide_password=True)


def run_rebuild_counts(_args: argparse.Namespace) -> int:
    settings = Settings()
    store = open_store(settings.database_url, timezone=settings.ror_timezone)
    try:
        with store.engine.begin() as connection:
            was_exact = counts_are_exact(connection)
            rebuild_derived(connection)
    finally:
        store.dispose()
    before = "ils étaient exacts" if was_exact else "ils ne l'étaient pas et sont corrigés"
    print(f"Compteurs d'anomalies recalculés ({describe_url(settings.database_url)}) : {before}.")
    return 0
