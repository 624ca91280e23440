"""argparse in French — its own messages and headings too — where every misuse is one `Erreur : …` line.

argparse looks each of its messages up through its module-level gettext hooks (`argparse._` and
`argparse.ngettext`); while one of our parsers works, those hooks answer from the catalogue below.
`tests/unit/test_cli_parser.py` checks that the catalogue holds every message of the running Python's
argparse, so a new Python cannot bring English back unnoticed."""

import argparse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn


class UsageError(Exception):
    """A command-line mistake, already phrased in French."""


# argparse's messages (Python 3.11 and later) → French. Keys are argparse's own strings, to the letter.
ARGPARSE_FRENCH: dict[str, str] = {
    "usage: ": "utilisation : ",
    "positional arguments": "arguments",
    "options": "options",
    "subcommands": "commandes",
    "show this help message and exit": "afficher cette aide et quitter",
    "show program's version number and exit": "afficher la version et quitter",
    "argument %(argument_name)s: %(message)s": "argument %(argument_name)s : %(message)s",
    "the following arguments are required: %s": "argument(s) obligatoire(s) manquant(s) : %s",
    "one of the arguments %s is required": "l'un des arguments %s est obligatoire",
    "invalid choice: %(value)r (choose from %(choices)s)": (
        "choix invalide : « %(value)s » (valeurs possibles : %(choices)s)"
    ),
    "unknown parser %(parser_name)r (choices: %(choices)s)": (
        "commande inconnue : « %(parser_name)s » (valeurs possibles : %(choices)s)"
    ),
    "invalid %(type)s value: %(value)r": "valeur invalide : « %(value)s »",
    "unrecognized arguments: %s": "argument(s) non reconnu(s) : %s",
    "not allowed with argument %s": "incompatible avec l'argument %s",
    "ignored explicit argument %r": "valeur « %s » inattendue",
    "expected one argument": "une valeur est attendue",
    "expected at most one argument": "au plus une valeur est attendue",
    "expected at least one argument": "au moins une valeur est attendue",
    "ambiguous option: %(option)s could match %(matches)s": (
        "option ambiguë : %(option)s peut désigner %(matches)s"
    ),
    "unexpected option string: %s": "option inattendue : %s",
    "can't open '%(filename)s': %(error)s": "impossible d'ouvrir « %(filename)s » : %(error)s",
    'argument "-" with mode %r': "argument « - » impossible avec le mode %r",
    "%(prog)s: error: %(message)s\n": "%(prog)s : erreur : %(message)s\n",
    # Mistakes in the parser's own definition (a developer reads them, but in French all the same).
    ".__call__() not defined": ".__call__() n'est pas défini",
    "conflicting subparser: %s": "sous-commande en double : %s",
    "conflicting subparser alias: %s": "alias de sous-commande en double : %s",
    "cannot merge actions - two groups are named %r": (
        "impossible de fusionner les actions : deux groupes s'appellent %r"
    ),
    "'required' is an invalid argument for positionals": (
        "« required » n'a pas de sens pour un argument positionnel"
    ),
    "invalid option string %(option)r: must start with a character %(prefix_chars)r": (
        "option %(option)r invalide : elle doit commencer par l'un des caractères %(prefix_chars)r"
    ),
    "dest= is required for options like %r": "dest= est obligatoire pour une option comme %r",
    "invalid conflict_resolution value: %r": "valeur de conflict_resolution invalide : %r",
    "mutually exclusive arguments must be optional": "des arguments mutuellement exclusifs sont des options",
    "cannot have multiple subparser arguments": "un seul groupe de sous-commandes est permis",
    "%r is not callable": "%r n'est pas appelable",
}

# ngettext(singular, plural, n) messages → (French singular, French plural).
ARGPARSE_FRENCH_PLURALS: dict[tuple[str, str], tuple[str, str]] = {
    ("expected %s argument", "expected %s arguments"): ("%s valeur attendue", "%s valeurs attendues"),
    ("conflicting option string: %s", "conflicting option strings: %s"): (
        "option en double : %s",
        "options en double : %s",
    ),
}


def _gettext(message: str) -> str:
    return ARGPARSE_FRENCH.get(message, message)


def _ngettext(singular: str, plural: str, count: int) -> str:
    french_singular, french_plural = ARGPARSE_FRENCH_PLURALS.get((singular, plural), (singular, plural))
    return french_singular if count == 1 else french_plural


@contextmanager
def in_french() -> Iterator[None]:
    """argparse answers from the French catalogue inside this block (and as before after it)."""
    # Module attributes absent from argparse's type stubs, hence getattr/setattr.
    saved = {name: getattr(argparse, name) for name in ("_", "ngettext")}
    setattr(argparse, "_", _gettext)  # noqa: B010
    setattr(argparse, "ngettext", _ngettext)  # noqa: B010
    try:
        yield
    finally:
        for name, hook in saved.items():
            setattr(argparse, name, hook)


class FrenchHelpFormatter(argparse.HelpFormatter):
    """Headings with French typography (`options :`); a text of several lines (the examples) is kept as
    written, a one-line description is wrapped to the terminal."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if "\n" in text:
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)

    def start_section(self, heading: str | None) -> None:
        super().start_section(f"{heading} " if heading else heading)


class FrenchArgumentParser(argparse.ArgumentParser):
    """An ArgumentParser that speaks French, raises UsageError on misuse instead of exiting with 2, and
    shows its help when a command is typed without one of its sub-commands (bare `ror-bot`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", FrenchHelpFormatter)
        with in_french():
            super().__init__(*args, **kwargs)

    def add_subparsers(self, **kwargs: Any) -> Any:
        kwargs.setdefault("title", "commandes")
        kwargs.setdefault("help", "l'une des commandes ci-dessous, avec ses arguments")
        kwargs["required"] = False  # bare: the help below, not an error
        with in_french():
            subparsers = super().add_subparsers(**kwargs)
        self.set_defaults(func=self._show_help)
        return subparsers

    def _show_help(self, _args: argparse.Namespace) -> int:
        self.print_help()
        return 0

    def parse_args(self, args: Any = None, namespace: Any = None) -> Any:
        with in_french():  # « unrecognized arguments » is raised here, after parse_known_args
            return super().parse_args(args, namespace)

    def parse_known_args(self, args: Any = None, namespace: Any = None) -> Any:
        with in_french():
            return super().parse_known_args(args, namespace)

    def format_usage(self) -> str:
        with in_french():
            return super().format_usage()

    def format_help(self) -> str:
        with in_french():
            return super().format_help()

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (aide : {self.prog} --help).")


def bounded_int(name: str, *, low: int, high: int, hint: str = "") -> Callable[[str], int]:
    """An argparse `type` for a whole number within [low, high], refused in French otherwise."""

    def parse(text: str) -> int:
        shown = text if len(text) <= 30 else text[:29] + "…"
        digits = text.strip().removeprefix("-").removeprefix("+")
        if not digits.isdecimal():
            raise argparse.ArgumentTypeError(f"« {shown} » n'est pas un nombre entier")
        # Past 30 digits the value is out of range whatever it is (and int() refuses 4,300 digits and more).
        value = int(text) if len(digits) <= 30 else (low - 1 if text.strip().startswith("-") else high + 1)
        if value < low:
            raise argparse.ArgumentTypeError(f"{name} vaut au moins {low} (et non {shown})")
        if value > high:
            extra = f" ; {hint}" if hint else ""
            limit = f"{high:,}".replace(",", " ")
            raise argparse.ArgumentTypeError(f"{name} vaut au plus {limit} (et non {shown}){extra}")
        return value

    parse.__name__ = name
    return parse
