"""The layers of STYLE.md, read from the source: no import cycle in bot/, domain/ and storage/ (imports inside
functions and under TYPE_CHECKING included), domain/ on the standard library alone, storage/ never on bot/."""

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "domain", "storage")


@dataclass(frozen=True)
class Import:
    importer: str
    imported: str  # the module as written (the deepest name that is a module of ours, else as written)
    line: int


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {
        _module_name(path): path for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))
    }


MODULES = _modules()


def _ours(name: str) -> str | None:
    """The deepest module of ours that `name` is or lies in (`bot.views.blocks.section` → `bot.views.blocks`)."""
    while name:
        if name in MODULES:
            return name
        name = name.rpartition(".")[0]
    return None


def _imports(module: str, path: Path) -> Iterator[Import]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):  # every import, wherever it is: module level, functions, TYPE_CHECKING
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(module, _ours(alias.name) or alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package
                for _ in range(node.level - 1):
                    anchor = anchor.rpartition(".")[0]
                base = f"{anchor}.{base}" if base else anchor
            for alias in node.names:
                yield Import(module, _ours(f"{base}.{alias.name}") or _ours(base) or base, node.lineno)


IMPORTS = [found for module, path in MODULES.items() for found in _imports(module, path)]


def _graph() -> dict[str, set[str]]:
    """Module → modules of ours it makes Python run: the one it names and that one's packages (their
    `__init__` runs first), except the packages the importer is itself inside (already running)."""
    graph: dict[str, set[str]] = {module: set() for module in MODULES}
    for found in IMPORTS:
        if found.imported not in MODULES:
            continue
        target = found.imported
        while target:
            inside = found.importer == target or found.importer.startswith(target + ".")
            if target in MODULES and not inside:
                graph[found.importer].add(target)
            target = target.rpartition(".")[0]
    return graph


def _a_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle, as the list of modules along it, or None."""
    state: dict[str, str] = {}  # "open" while on the current path, "done" once fully explored
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = "open"
        path.append(module)
        for target in sorted(graph[module]):
            if state.get(target) == "open":
                return [*path[path.index(target) :], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        path.pop()
        state[module] = "done"
        return None

    for module in sorted(graph):
        if module not in state and (cycle := visit(module)):
            return cycle
    return None


def test_the_packages_have_no_import_cycle():
    cycle = _a_cycle(_graph())
    assert cycle is None, "cycle d'imports : " + " → ".join(cycle or [])


def test_the_cycle_finder_finds_a_cycle_through_an_import_inside_a_function():
    graph = {"bot.app": {"bot.listeners"}, "bot.listeners": {"bot.background"}, "bot.background": {"bot.app"}}
    assert _a_cycle(graph) == ["bot.app", "bot.listeners", "bot.background", "bot.app"]
    assert _a_cycle({"a": {"b"}, "b": set()}) is None


def test_imports_inside_functions_and_type_checking_blocks_are_read():
    sample = ROOT / "bot" / "cli" / "serve.py"  # imports the app inside its command function
    inside = [found.imported for found in IMPORTS if found.importer == "bot.cli.serve"]
    assert MODULES["bot.cli.serve"] == sample
    assert "bot.app" in inside


def test_domain_imports_only_the_standard_library_and_itself():
    outside = sorted(
        f"{found.importer}:{found.line} {found.imported}"
        for found in IMPORTS
        if found.importer.split(".")[0] == "domain"
        and found.imported.split(".")[0] != "domain"
        and found.imported.split(".")[0] not in sys.stdlib_module_names
    )
    assert outside == []


def test_storage_never_imports_the_bot():
    assert [
        f"{f.importer}:{f.line}"
        for f in IMPORTS
        if f.importer.startswith("storage") and f.imported.startswith("bot")
    ] == []


def test_only_bot_slack_client_builds_web_api_clients():
    """One rate-limit and retry policy: every Web API client comes from bot.slack_client.web_client."""
    builders = sorted(
        f"{module}:{node.lineno}"
        for module, path in MODULES.items()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "WebClient"
    )
    assert builders == [f"bot.slack_client:{_line_of('bot.slack_client', 'WebClient(')}"]


def _line_of(module: str, text: str) -> int:
    lines = MODULES[module].read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, start=1) if text in line)
