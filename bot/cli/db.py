"""`ror-bot db upgrade`: bring the database schema to the latest revision."""

import argparse

from sqlalchemy.engine import make_url

from bot.settings import Settings
from storage import upgrade


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


def run_upgrade(_args: argparse.Namespace) -> int:
    settings = Settings()
    upgrade(settings.database_url)
    print(f"Base de données à jour : {describe_url(settings.database_url)}")
    return 0


def describe_url(url: str) -> str:
    """The URL without its password, safe to print."""
    return make_url(url).render_as_string(hide_password=True)
