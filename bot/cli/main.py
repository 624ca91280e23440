"""Entry point of `ror-bot`: parse, run one command, turn user mistakes into one French line."""

import importlib
import os
import signal
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version

from bot.cli.parser import FrenchArgumentParser, UsageError
from bot.settings import ConfigurationError
from domain.errors import RorError

__all__ = ["UsageError", "build_parser", "main"]

# Each module exposes `register(subparsers)` and sets `func(args) -> int` on its parsers.
COMMAND_MODULES = (
    "bot.cli.serve",
    "bot.cli.db",
    "bot.cli.directory",
    "bot.cli.groups",
    "bot.cli.recipients",
    "bot.cli.anomalies",
    "bot.cli.digests",
    "bot.cli.ror",
)

EXAMPLES = """\
exemples :
  ror-bot directory demo
  ror-bot group create "Éditeur Occitanie" --regions 76
  ror-bot group add-member "Éditeur Occitanie" alice@editeur.fr
  ror-bot anomalies declare --as alice@editeur.fr --structure 1110000056 \\
      --donnee "Adresse établissement" --description "Le numéro de rue manque"
  ror-bot anomalies list --as alice@editeur.fr statut=bloquee
  ror-bot anomalies show --as alice@editeur.fr ANO_100000000001
  ror-bot run

Chaque commande a son aide : ror-bot anomalies --help, ror-bot anomalies list --help…
Base de données : DATABASE_URL (par défaut ror-anomalies.db dans le dossier courant)."""


def _version() -> str:
    try:
        return version("ror-anomalies")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "inconnue"


def build_parser() -> FrenchArgumentParser:
    parser = FrenchArgumentParser(
        prog="ror-bot",
        description="ROR Anomalies : déclarer, suivre et annuler les anomalies du ROR national.",
        epilog=EXAMPLES,
    )
    parser.add_argument(
        "-V",
        "--version",
        action="version",
        version=f"ror-bot {_version()}",
        help="afficher la version et quitter",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMANDE")
    for name in COMMAND_MODULES:
        # By name: adding a command is one line in COMMAND_MODULES.
        importlib.import_module(name).register(subparsers)
    return parser


def _reader_went_away() -> int:
    """`ror-bot … | head`: the reader closed the pipe before the end. Stop quietly, as a filter would: point
    standard output at /dev/null so the final flush at exit does not complain again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # no real file descriptor (tests capturing output)
        pass
    return 0


INTERRUPTED = "Commande interrompue : ce qui était enregistré avant l'interruption le reste."


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the command stands, as Ctrl-C is: its `with` blocks and `finally` clauses
    run (a transaction in progress is rolled back, a child process is stopped), nothing is cut mid-write."""


def _terminate(_signum: int, _frame: object) -> None:
    raise Terminated


def main(argv: Sequence[str] | None = None) -> int:
    # Commands that serve (`run`, `scheduler`) install their own handlers, which replace this one.
    signal.signal(signal.SIGTERM, _terminate)
    try:
        return _run(argv)
    except BrokenPipeError:
        return _reader_went_away()


def _run(argv: Sequence[str] | None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return int(args.func(args))
    except SystemExit as done:  # --help and --version print, then exit
        if done.code is None or isinstance(done.code, int):
            return done.code or 0
        print(done.code, file=sys.stderr)
        return 1
    except (RorError, ConfigurationError, UsageError) as error:
        print(f"Erreur : {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as stopped:
        print(INTERRUPTED, file=sys.stderr)
        return 128 + (signal.SIGTERM if isinstance(stopped, Terminated) else signal.SIGINT)


if __name__ == "__main__":
    sys.exit(main())
