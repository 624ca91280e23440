"""`ror-bot` in connected mode (issue 8), in-process against the stand-in ROR national: `anomalies
declare` POSTs one Task per item and prints the ROR's references, exits 1 when an item was refused;
`anomalies cancel` PATCHes 03; `ror push` sends what waited."""

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from devtools.ror_standin import RorStandIn
from storage import Store, open_store
from tests.builders import geriatrie, lyon, narbonne
from tests.e2e.cli_runner import Cli, seed

ROR_REFERENCE = re.compile(r"ANO_3\d{11}")
DECLARE = (
    "anomalies",
    "declare",
    "--as",
    "alice@editeur.fr",
    "--structure",
    "1110000056",
    "--donnee",
    "Adresse établissement",
    "--description",
    "Le numéro de rue manque",
    "--donnee",
    "Contact établissement",
    "--description",
    "Le standard a changé",
)


@pytest.fixture
def standin() -> Iterator[RorStandIn]:
    with RorStandIn() as running:
        yield running


@pytest.fixture
def cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], standin: RorStandIn
) -> Cli:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", url)
    for variable, value in standin.environment().items():
        monkeypatch.setenv(variable, value)
    monkeypatch.setenv("ROR_TIMEOUT_SECONDS", "1")
    monkeypatch.setenv("ROR_RETRY_SECONDS", "0.1")
    store: Store = open_store(url)
    seed(store, narbonne(), geriatrie(), lyon())
    store.dispose()
    runner = Cli(capsys)
    runner.ok("group", "create", "Éditeur Occitanie", "--regions", "76")
    runner.ok("group", "add-member", "Éditeur Occitanie", "alice@editeur.fr")
    return runner


def test_declare_posts_two_tasks_and_prints_the_ror_references(cli: Cli, standin: RorStandIn) -> None:
    out = cli.ok(*DECLARE)

    references = ROR_REFERENCE.findall(out)
    assert len(references) == 2
    assert sorted(references) == sorted(t["identifier"][0]["value"] for t in standin.all_tasks())
    assert out.startswith("Les anomalies suivantes ont été créées :\n")
    assert "(en attente)" not in out


def test_a_refused_item_exits_1_with_the_ror_s_reason_and_the_other_is_kept(
    cli: Cli, standin: RorStandIn
) -> None:
    standin.fail(422, times=1, method="POST", diagnostics="Valeur identique à celle du ROR")

    code, out, err = cli(*DECLARE)

    assert code == 1
    assert len(ROR_REFERENCE.findall(out)) == 1
    assert err.startswith("Erreur : Refusée par le ROR national, donc non enregistrée : la donnée « ")
    assert "(Valeur identique à celle du ROR)." in err
    assert len(standin.all_tasks()) == 1


def test_a_declaration_the_ror_cannot_take_waits_and_ror_push_sends_it_once(
    cli: Cli, standin: RorStandIn
) -> None:
    standin.fail(503, times=2, method="POST")

    waiting = cli.ok(*DECLARE)
    time.sleep(0.3)
    pushed = cli.ok("ror", "push")

    assert waiting.count("(en attente)") == 2
    assert "« En attente d'envoi au ROR national »" in waiting
    assert pushed.count(": envoyée.") == 2
    assert "0 opération(s) en attente d'envoi au ROR national." in pushed
    assert len(standin.all_tasks()) == 2


def test_cancel_patches_03_in_the_ror(cli: Cli, standin: RorStandIn) -> None:
    first, _ = ROR_REFERENCE.findall(cli.ok(*DECLARE))

    out = cli.ok("anomalies", "cancel", "--as", "alice@editeur.fr", first)

    assert out == f"L'anomalie {first} est annulée.\n"
    cancelled = [t for t in standin.all_tasks() if t["identifier"][0]["value"] == first]
    assert cancelled[0]["businessStatus"]["coding"][0]["code"] == "03"
    assert len(standin.requests_to("PATCH", "/Task/")) == 1
