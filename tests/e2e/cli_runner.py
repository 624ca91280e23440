"""Running `ror-bot` in-process (its real entry point, `bot.cli.main.main`) and reading what the terminal shows."""

import pytest

from bot.cli.main import main
from domain.directory import Resource
from storage import Store


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
