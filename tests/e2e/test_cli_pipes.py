"""The real `ror-bot` console script in a shell's place: piped into a reader that stops early (`| head`), and
its CSV opened by a spreadsheet (no formula from a description)."""

import csv
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from domain.catalogue import ResourceKind, data_items_of
from domain.habilitation import Perimeter
from domain.services import (
    DeclarationRequest,
    DeclaredItem,
    add_member,
    create_group,
    declare_anomalies,
    resolve_member,
)
from storage import Store, open_store
from tests.builders import geriatrie, narbonne
from tests.e2e.cli_runner import seed
from tests.fakes import FixedClock

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = '=HYPERLINK("http://evil.example","clic")'


def ror_bot_command() -> list[str]:
    script = shutil.which("ror-bot", path=str(Path(sys.executable).parent))
    return [script] if script else [sys.executable, "-m", "bot.cli.main"]


@pytest.fixture(scope="module")
def alice(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A database where alice@editeur.fr (Occitanie) sees 405 anomalies: well over a pipe's buffer (64 kB)
    once written out, so a reader that stops early really breaks the pipe."""
    path = tmp_path_factory.mktemp("pipes")
    url = f"sqlite:///{path / 'pipes.db'}"
    store: Store = open_store(url)
    seed(store, narbonne(), geriatrie())
    create_group(name="Éditeur Occitanie", perimeter=Perimeter.of_regions(["76"]), uow=store.uow())
    add_member(group_name="Éditeur Occitanie", email="alice@editeur.fr", uow=store.uow())
    member = resolve_member(email="alice@editeur.fr", uow=store.uow())
    items = [item.label for item in data_items_of(ResourceKind.STRUCTURE)]
    for number in range(405 // len(items)):
        request = DeclarationRequest(
            "1110000056", None, tuple(DeclaredItem(label, f"Erreur n° {number}") for label in items)
        )
        declare_anomalies(request=request, member=member, uow=store.uow(), clock=FixedClock(), system="test")
    store.dispose()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ROR_", "DATABASE_URL"))}
    env |= {"DATABASE_URL": url, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8"}
    return path, env


def run(workdir: tuple[Path, dict[str, str]], *argv: str) -> subprocess.CompletedProcess[str]:
    path, env = workdir
    return subprocess.run(
        [*ror_bot_command(), *argv],
        cwd=path,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("output", [["--format", "csv"], ["--format", "table"]])
def test_a_reader_that_stops_early_ends_the_command_quietly(alice, output: list[str]) -> None:
    path, env = alice
    process = subprocess.Popen(
        [*ror_bot_command(), "anomalies", "list", "--as", "alice@editeur.fr", *output],
        cwd=path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None
    assert process.stderr is not None
    process.stdout.close()  # like `head` once it has its lines: every write from now on is a broken pipe

    errors = process.stderr.read().decode("utf-8")
    code = process.wait(timeout=60)

    assert errors == ""
    assert code == 0


def test_head_reads_the_first_lines_of_a_csv_and_nothing_complains(alice) -> None:
    path, env = alice
    shell = " ".join([*ror_bot_command(), "anomalies list --as alice@editeur.fr --format csv | head -n 2"])

    done = subprocess.run(
        ["bash", "-o", "pipefail", "-c", shell],
        cwd=path,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )

    assert done.stderr == ""
    assert done.returncode == 0
    assert done.stdout.splitlines()[0].startswith("Référence,Code statut")
    assert len(done.stdout.splitlines()) == 2


def test_a_formula_in_a_description_is_never_a_formula_in_the_csv(alice) -> None:
    declared = run(
        alice, "anomalies", "declare", "--as", "alice@editeur.fr", "--structure", "1110000056",
        "--offre", "91/11359",
        "--donnee", "Adresse offre", "--description", HOSTILE,
        "--donnee", "Tarifs", "--description", "-1 € de trop",
    )  # fmt: skip
    assert declared.returncode == 0, declared.stderr

    listed = run(alice, "anomalies", "list", "--as", "alice@editeur.fr", "ressource=offre", "--format", "csv")

    assert listed.returncode == 0, listed.stderr
    header, *rows = csv.reader(io.StringIO(listed.stdout))
    descriptions = sorted(row[header.index("Description de l'anomalie")] for row in rows)
    assert descriptions == ["'-1 € de trop", "'" + HOSTILE]
    assert HOSTILE not in [cell for row in rows for cell in row]
