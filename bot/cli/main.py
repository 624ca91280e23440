"""Entry point of `ror-bot`: parse, run one command, turn user mistakes into one French line."""

import argparse
import importlib
import sys
from collections.abc import Sequence

from bot.settings import ConfigurationError
from domain.errors import RorError

# Each module exposes `register(subparsers)` and sets `func(args) -> int` on its parsers.
COMMAND_MODULES = (
    "bot.cli.serve",
    "bot.cli.db",
    "bot.cli.directory",
    "bot.cli.groups",
    "bot.cli.recipients",
    "bot.cli.anomalies",
    "bot.cli.digests",
)


class UsageError(Exception):
    """A command-line mistake, already phrased in French."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ror-bot", description="ROR Anomalies : déclarer et suivre les anomalies du ROR national."
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMANDE")
    for name in COMMAND_MODULES:
        # Imported here: the command modules import this one (UsageError).
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
    except (RorError, ConfigurationError, UsageError) as error:
        print(f"Erreur : {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
