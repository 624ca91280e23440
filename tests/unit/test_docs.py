"""The guides say what works: the notebook guide runs top to bottom as written, and the Slack guide gives the
HTTP set-up in an order that can succeed."""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```$", re.DOTALL | re.MULTILINE)


def python_blocks(path: Path) -> list[str]:
    return PYTHON_BLOCK.findall(path.read_text(encoding="utf-8"))


def test_the_notebook_guide_runs_top_to_bottom_as_written(tmp_path: Path) -> None:
    blocks = python_blocks(ROOT / "docs" / "notebook.md")
    assert len(blocks) >= 5
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ROR_", "DATABASE_URL"))}
    env |= {"PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8"}

    # One process for all the blocks, as one notebook kernel would run its cells, in a fresh directory.
    done = subprocess.run(
        [sys.executable, "-c", "\n".join(blocks)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Les anomalies suivantes ont été créées :" in out
    assert "ANO_100000000001 Bloquée (destinataire manquant)" in out
    assert "Historique (fuseau Europe/Paris) :" in out
    assert "Import terminé : 1 anomalie créée, 0 déjà présente, 1 ligne refusée." in out
    assert "Ligne 2 : « Couleur » n'est pas une donnée pouvant être déclarée en anomalie" in out
    assert out.rstrip().endswith("['ANO_100000000002']\n1")
    assert (tmp_path / "ror.db").exists()


def test_the_slack_guide_orders_the_http_set_up_so_that_slack_can_verify_the_url() -> None:
    guide = (ROOT / "docs" / "slack-app.md").read_text(encoding="utf-8")
    http = guide[guide.index("### Mode HTTP") : guide.index("### Mode Socket Mode")]

    steps = ["From a manifest", "Signing Secret", "ror-bot run", "Retry"]
    positions = [http.index(step) for step in steps]

    assert positions == sorted(positions), "créer l'app, copier les secrets, démarrer, puis Retry"
    assert "/invite @ROR Anomalies" in guide
    assert "monserviceclient.ror@esante.gouv.fr" in guide
