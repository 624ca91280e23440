"""The SPEC's example walked with the real `ror-bot` console script, on the embedded default (a SQLite
file in the working directory, the demo directory loaded on first use): issue 2's acceptance."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # every step is a new `ror-bot` process

ROOT = Path(__file__).resolve().parents[2]
CONFIRMATION = re.compile(
    r"Les anomalies suivantes ont été créées :\n"
    r"(ANO_\d{12}) pour la ressource 1110000056 - « CH NARBONNE - HOTEL DIEU » sur la donnée « Adresse établissement »\n"
    r"(ANO_\d{12}) pour la ressource 1110000056 - « CH NARBONNE - HOTEL DIEU » sur la donnée « Contact établissement »\n"
)


def _command() -> list[str]:
    """The installed console script (`pip install -e .`), else the same entry point through Python."""
    script = shutil.which("ror-bot", path=str(Path(sys.executable).parent))
    if script:
        return [script]
    return [sys.executable, "-c", "import sys; from bot.cli.main import main; sys.exit(main())"]


class RorBot:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "ROR_SYSTEM_NAME")}
        self.env["PYTHONPATH"] = str(ROOT)
        self.env["PYTHONIOENCODING"] = "utf-8"

    def __call__(self, *argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*_command(), *argv],
            cwd=self.workdir,
            env=self.env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=60,
            check=False,
        )

    def ok(self, *argv: str) -> str:
        done = self(*argv)
        assert done.returncode == 0, done.stderr
        assert "Traceback" not in done.stderr
        return done.stdout

    def fails(self, *argv: str) -> str:
        done = self(*argv)
        assert done.returncode == 1, done.stdout
        assert "Traceback" not in done.stderr
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1, done.stderr
        assert lines[0].startswith("Erreur : ")
        return lines[0]


@pytest.fixture
def ror_bot(tmp_path: Path) -> RorBot:
    return RorBot(tmp_path)


def test_the_spec_walkthrough_on_the_embedded_default(ror_bot: RorBot, tmp_path: Path) -> None:
    ror_bot.ok("group", "create", "Éditeur Occitanie", "--regions", "76")
    ror_bot.ok("group", "add-member", "Éditeur Occitanie", "alice@editeur.fr")
    ror_bot.ok("group", "create", "Éditeur ARA", "--regions", "84")
    ror_bot.ok("group", "add-member", "Éditeur ARA", "bob@editeur.fr")

    # Alice (perimeter 76) declares two data items of 1110000056 at once.
    out = ror_bot.ok(
        "anomalies", "declare", "--as", "alice@editeur.fr", "--structure", "1110000056",
        "--donnee", "Adresse établissement", "--description", "Le numéro de rue manque",
        "--donnee", "Contact établissement", "--description", "Le standard a changé",
    )  # fmt: skip
    match = CONFIRMATION.fullmatch(out)
    assert match, out
    first, second = match.groups()
    assert (tmp_path / "ror-anomalies.db").exists()

    # The structure has no recipient: both are Bloquée (destinataire manquant).
    listing = json.loads(
        ror_bot.ok("anomalies", "list", "--as", "alice@editeur.fr", "id=1110000056", "--format", "json")
    )
    assert listing["total"] == 2
    assert {i["reference"]: i["statut"] for i in listing["items"]} == {
        first: "Bloquée (destinataire manquant)",
        second: "Bloquée (destinataire manquant)",
    }
    table = ror_bot.ok("anomalies", "list", "--as", "alice@editeur.fr", "statut=bloquee")
    assert first in table
    assert "Bloquée (destinataire manquant)" in table

    # Bob (perimeter 84) neither lists nor shows nor cancels them: answered as not found.
    assert first not in ror_bot.ok("anomalies", "list", "--as", "bob@editeur.fr")
    not_found = f"Erreur : Aucune anomalie {first} n'est accessible dans votre périmètre."
    assert ror_bot.fails("anomalies", "show", "--as", "bob@editeur.fr", first) == not_found
    assert ror_bot.fails("anomalies", "cancel", "--as", "bob@editeur.fr", first) == not_found

    # Alice cancels one; cancelling it again names its status.
    assert (
        ror_bot.ok("anomalies", "cancel", "--as", "alice@editeur.fr", first)
        == f"L'anomalie {first} est annulée.\n"
    )
    again = ror_bot.fails("anomalies", "cancel", "--as", "alice@editeur.fr", first)
    assert "« Annulée »" in again

    shown = json.loads(ror_bot.ok("anomalies", "show", "--as", "alice@editeur.fr", first, "--format", "json"))
    assert shown["statut_code"] == "03"
    assert [h["statut"] for h in shown["historique"]][-1] == "Annulée"


def test_a_stranger_is_refused_in_french_without_a_traceback(ror_bot: RorBot) -> None:
    line = ror_bot.fails("anomalies", "list", "--as", "mallory@ailleurs.fr")

    assert "n'est rattachée à aucun groupe" in line
    assert "monserviceclient.ror@esante.gouv.fr" in line
