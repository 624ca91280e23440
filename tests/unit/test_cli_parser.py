"""The French argparse of `ror-bot`: a catalogue complete for the running Python, every argument explained,
every command with examples, and argparse left as it was outside our parsers."""

import argparse
import ast
import inspect
import re
from collections.abc import Iterator

import pytest

from bot.cli.main import build_parser
from bot.cli.parser import ARGPARSE_FRENCH, ARGPARSE_FRENCH_PLURALS, UsageError, bounded_int, in_french

PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[sr]")


def argparse_messages() -> tuple[set[str], set[tuple[str, str]]]:
    """Every message argparse passes to its gettext hooks, read from the running Python's argparse."""
    singles: set[str] = set()
    plurals: set[tuple[str, str]] = set()
    for node in ast.walk(ast.parse(inspect.getsource(argparse))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
            continue
        texts = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
        if node.func.id == "_" and texts:
            singles.add(texts[0])
        elif node.func.id == "ngettext" and len(texts) == 2:
            plurals.add((texts[0], texts[1]))
    return singles, plurals


def test_the_catalogue_translates_every_message_of_this_pythons_argparse() -> None:
    singles, plurals = argparse_messages()

    assert singles, "argparse's messages could not be read"
    assert singles - set(ARGPARSE_FRENCH) == set()
    assert plurals - set(ARGPARSE_FRENCH_PLURALS) == set()


def _placeholders(text: str) -> tuple[list[str], int]:
    found = PLACEHOLDER.findall(text)
    return sorted(name for name in found if name), sum(1 for name in found if not name)


@pytest.mark.parametrize("message", sorted(ARGPARSE_FRENCH))
def test_each_translation_takes_the_values_the_english_is_given(message: str) -> None:
    french = ARGPARSE_FRENCH[message]
    names, positional = _placeholders(message)
    french_names, french_positional = _placeholders(french)

    assert set(french_names) <= set(names)  # a named value may be left out, never invented
    assert french_positional == positional
    if names:
        assert french % dict.fromkeys(names, "x")
    elif positional:
        assert french % (("x",) * positional)


def parsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in dict.fromkeys(action.choices.values()):
                yield from parsers(child)


ALL = list(parsers(build_parser()))


@pytest.mark.parametrize("parser", ALL, ids=[p.prog for p in ALL])
def test_every_argument_has_a_help_text(parser: argparse.ArgumentParser) -> None:
    for action in parser._actions:
        where = f"{parser.prog} {action.option_strings or action.dest}"
        assert action.help, where
        assert action.help != argparse.SUPPRESS, where


LEAVES = [p for p in ALL if not any(isinstance(a, argparse._SubParsersAction) for a in p._actions)]


@pytest.mark.parametrize("parser", LEAVES, ids=[p.prog for p in LEAVES])
def test_every_command_has_french_help_with_an_example(parser: argparse.ArgumentParser) -> None:
    text = parser.format_help()

    assert text.startswith(f"utilisation : {parser.prog}")
    assert "exemple" in text
    assert parser.prog in text.split("exemple", 1)[1]  # the example is a command line to copy
    assert not any(english in text for english in ("usage:", "positional arguments", "show this help"))


def test_argparse_speaks_english_again_outside_our_parsers() -> None:
    build_parser().format_help()
    with in_french():
        assert argparse.ArgumentParser(prog="autre").format_usage().startswith("utilisation : autre")

    assert argparse.ArgumentParser(prog="autre").format_usage().startswith("usage: autre")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("abc", "« abc » n'est pas un nombre entier"),
        ("", "«  » n'est pas un nombre entier"),
        ("0", "la taille vaut au moins 1 (et non 0)"),
        ("201", "la taille vaut au plus 200 (et non 201)"),
        ("9" * 10_000, "la taille vaut au plus 200 (et non 99999999999999999999999999999…)"),
        ("-" + "9" * 10_000, "la taille vaut au moins 1"),
    ],
)
def test_numbers_out_of_range_are_refused_in_french(text: str, message: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match=re.escape(message)):
        bounded_int("la taille", low=1, high=200)(text)


def test_misuse_raises_a_usage_error_instead_of_exiting_with_2() -> None:
    with pytest.raises(UsageError, match=r"^argument\(s\) obligatoire\(s\) manquant\(s\) : --as"):
        build_parser().parse_args(["anomalies", "show", "ANO_100000000001"])
