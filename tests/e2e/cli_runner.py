"""Running `ror-bot` in-process (its real entry point, `bot.cli.main.main`) and reading what the terminal shows."""

from pathlib import Path

import pytest

from bot.cli.main import main
from domain.directory import Resource
from storage import Store, open_store
from tests.builders import geriatrie, lyon, narbonne, practitioner


class Cli:
    def __init__(self, capsys: pytest.CaptureFixture[str]) -> None:
        self.capsys = capsys

    def __call__(self, *argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = self.capsys.readouterr()
        return code, out, err

    def ok(self, *argv: str) -> str:
        code, out, err = self(*argv)
        assert code == 0, err
        assert err == ""
        return out

    def fails(self, *argv: str) -> str:
        """A user mistake: exit 1, nothing on stdout, one French line on stderr."""
        code, out, err = self(*argv)
        assert code == 1, out
        assert out == ""
        lines = err.strip().splitlines()
        assert len(lines) == 1, err
        assert lines[0].startswith("Erreur : ")
        return lines[0]


def seed(store: Store, *resources: Resource) -> None:
    with store.uow() as uow:
        for resource in resources:
            uow.directory.upsert(resource)
        uow.commit()


def open_demo_cli_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    """A SQLite store in `tmp_path` that `ror-bot` run from there uses (DATABASE_URL), holding Narbonne, its
    gériatrie offer, Lyon and a practitioner; the caller disposes of it."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", url)
    opened = open_store(url)
    seed(opened, narbonne(), geriatrie(), lyon(), practitioner())
    return opened
