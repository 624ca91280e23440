"""The notebook and the Slack app (its CSV export included) share the row and format definitions of
`bot.presentation` with the command line; none of them reaches into `bot.cli` for them, not even from inside
a function."""

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "domain", "storage")


def module_file(name: str) -> Path | None:
    path = ROOT.joinpath(*name.split("."))
    for candidate in (path.with_suffix(".py"), path / "__init__.py"):
        if candidate.exists():
            return candidate
    return None


def imported_by(name: str) -> Iterator[str]:
    """The project modules `name` imports, wherever the import statement is (module level or function)."""
    path = module_file(name)
    assert path is not None, name
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join([*parts[: len(parts) - node.level + 1], *([base] if base else [])])
            targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for target in targets:
            if target.split(".")[0] in PACKAGES and module_file(target) is not None:
                yield target


def reachable(start: str) -> dict[str, str]:
    """Every project module `start` imports, directly or not, with the module that imports it."""
    seen: dict[str, str] = {start: ""}
    todo = [start]
    while todo:
        current = todo.pop()
        for target in imported_by(current):
            if target not in seen:
                seen[target] = current
                todo.append(target)
    return seen


def chain(seen: dict[str, str], module: str) -> str:
    path = [module]
    while seen[path[-1]]:
        path.append(seen[path[-1]])
    return " ← ".join(path)


@pytest.mark.parametrize("start", ["bot.notebook", "bot.csv_export", "bot.listeners.listing", "bot.app"])
def test_the_notebook_and_the_slack_app_do_not_import_the_command_line(start: str) -> None:
    seen = reachable(start)

    assert "bot.presentation.anomalies" in seen or start == "bot.app"
    offending = [
        chain(seen, module) for module in seen if module == "bot.cli" or module.startswith("bot.cli.")
    ]
    assert offending == []


def test_the_presentation_speaks_neither_slack_nor_argparse() -> None:
    for path in (ROOT / "bot" / "presentation").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {
            alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
        } | {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert not {
            n for n in names if n.split(".")[0] in ("slack_sdk", "slack_bolt", "argparse", "sqlalchemy")
        }
        assert not {n for n in names if n.startswith(("bot.cli", "bot.listeners", "bot.views"))}
