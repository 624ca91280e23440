"""`ror-bot ror check` through the real command line, against the stand-in: one French line per check,
exit 0 when all pass; each failure says what failed and why, exit 1."""

import socket
from pathlib import Path

import pytest
import trustme

from bot.cli.main import main
from devtools.ror_standin import RorStandIn

ROR_VARIABLES = (
    "ROR_ANOMALIES_URL",
    "ROR_FHIR_URL",
    "ROR_AUTH_URL",
    "ROR_CLIENT_ID",
    "ROR_CLIENT_SECRET",
    "ROR_CLIENT_CERT",
    "ROR_CLIENT_KEY",
    "ROR_CA_BUNDLE",
    "ROR_PROFIL_UTILISATEUR_CODE",
    "ROR_PROFIL_UTILISATEUR_SYSTEM",
    "ROR_ROLE_METIER_CODE",
    "ROR_ROLE_METIER_SYSTEM",
)


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    monkeypatch.chdir(tmp_path)  # no .env
    for name in ROR_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def point_at(environment: pytest.MonkeyPatch, standin: RorStandIn, **overrides: str) -> None:
    for name, value in {**standin.environment(), **overrides}.items():
        environment.setenv(name, value)


def check(capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str], str]:
    code = main(["ror", "check"])
    out, err = capsys.readouterr()
    return code, out.strip().splitlines(), err


def test_a_working_connection_prints_three_lines_and_exits_0(environment, standin, capsys):
    point_at(environment, standin)

    code, lines, err = check(capsys)

    assert code == 0, lines
    assert err == ""
    assert len(lines) == 3
    assert lines[0].startswith(f"Jeton d'accès : obtenu auprès de 127.0.0.1:{standin.port}")
    assert "client « ror-anomalies », secret client, valable 300 s" in lines[0]
    assert lines[1] == f"Base des anomalies : joignable à 127.0.0.1:{standin.port}, 0 anomalie."
    assert lines[2].startswith(f"Annuaire : joignable à 127.0.0.1:{standin.port}, 38 structures")


def test_without_ror_anomalies_url_the_check_says_the_app_is_standalone(environment, capsys):
    code, lines, err = check(capsys)

    assert code == 1
    assert lines == []
    assert err.strip() == (
        "Erreur : ROR_ANOMALIES_URL n'est pas définie : l'application fonctionne en mode autonome, "
        "sans connexion au ROR national."
    )


def test_a_missing_variable_is_named_before_anything_is_called(environment, standin, capsys):
    point_at(environment, standin)
    environment.delenv("ROR_ROLE_METIER_SYSTEM")

    code, lines, err = check(capsys)

    assert code == 1
    assert lines == []
    assert err.startswith("Erreur : La variable d'environnement ROR_ROLE_METIER_SYSTEM est requise")
    assert standin.received == []


def test_a_bad_secret_fails_the_token_line_and_skips_the_others(environment, standin, capsys):
    point_at(environment, standin, ROR_CLIENT_SECRET="mauvais")

    code, lines, _ = check(capsys)

    assert code == 1
    assert lines[0].startswith("Jeton d'accès : échec — Le serveur d'authentification du ROR national")
    assert "ROR_CLIENT_SECRET" in lines[0]
    assert lines[1:] == [
        "Base des anomalies : non vérifiée (pas de jeton d'accès).",
        "Annuaire : non vérifié (pas de jeton d'accès).",
    ]


def test_a_refused_header_fails_both_bases_saying_which_header(environment, standin, capsys):
    point_at(environment, standin, ROR_PROFIL_UTILISATEUR_CODE="CU99")

    code, lines, _ = check(capsys)

    assert code == 1
    assert lines[0].startswith("Jeton d'accès : obtenu")
    assert lines[1].startswith(
        "Base des anomalies : échec — Le ROR national (base des anomalies) refuse l'accès (HTTP 403)"
    )
    assert "En-tête Ror-Profil-Utilisateur-Code refusé" in lines[1]
    assert lines[2].startswith("Annuaire : échec — Le ROR national (annuaire) refuse l'accès (HTTP 403)")


def test_an_unreachable_base_is_said_so(environment, standin, capsys):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    point_at(environment, standin, ROR_FHIR_URL=f"http://127.0.0.1:{closed}/ws-diffusion-fhir")

    code, lines, _ = check(capsys)

    assert code == 1
    assert lines[1].startswith("Base des anomalies : joignable")
    assert lines[2] == (
        f"Annuaire : échec — Le ROR national (annuaire) est injoignable à 127.0.0.1:{closed} "
        "(connexion impossible) : nouvel essai plus tard."
    )


def test_the_ror_s_operation_outcome_text_is_shown(environment, standin, capsys):
    point_at(environment, standin)
    standin.fail(400, path="/anomalies/Task", diagnostics="Paramètre _count refusé pour ce profil.")

    code, lines, _ = check(capsys)

    assert code == 1
    assert lines[1] == (
        "Base des anomalies : échec — Le ROR national (base des anomalies) a refusé la demande (HTTP 400) : "
        "Paramètre _count refusé pour ce profil."
    )


def test_with_a_client_certificate_the_check_passes_over_mutual_tls(environment, tmp_path, capsys):
    with RorStandIn(
        client_id="editeur-mtls", client_secret=None, certificate_clients=("editeur-mtls",), tls=True
    ) as standin:
        assert standin.certificates is not None
        client = standin.certificates.write_client("editeur-mtls", tmp_path)
        point_at(
            environment,
            standin,
            ROR_CLIENT_CERT=str(client.cert),
            ROR_CLIENT_KEY=str(client.key),
            ROR_CA_BUNDLE=str(standin.certificates.write_ca(tmp_path / "ca.pem")),
        )

        code, lines, _ = check(capsys)

    assert code == 0, lines
    assert "certificat client (mTLS)" in lines[0]


def test_a_refused_certificate_is_said_so(environment, tmp_path, capsys):
    with RorStandIn(
        client_id="editeur-mtls", client_secret=None, certificate_clients=("editeur-mtls",), tls=True
    ) as standin:
        assert standin.certificates is not None
        stranger = standin.certificates.write_client("editeur-mtls", tmp_path, issuer=trustme.CA())
        point_at(
            environment,
            standin,
            ROR_CLIENT_CERT=str(stranger.cert),
            ROR_CLIENT_KEY=str(stranger.key),
            ROR_CA_BUNDLE=str(standin.certificates.write_ca(tmp_path / "ca.pem")),
        )

        code, lines, _ = check(capsys)

    assert code == 1
    assert lines[0].startswith(
        "Jeton d'accès : échec — Le serveur d'authentification du ROR national refuse le certificat client présenté"
    )


def test_the_stand_in_runs_as_a_command_and_ror_bot_checks_against_it(environment, tmp_path, capsys):
    import subprocess
    import sys
    import time

    env_file = tmp_path / "ror-standin.env"
    process = subprocess.Popen(
        [sys.executable, "-m", "devtools.ror_standin", "--port", "0", "--env-file", str(env_file)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        deadline = time.monotonic() + 20
        while not env_file.exists() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert env_file.exists(), process.stderr.read() if process.stderr else ""
        for line in env_file.read_text().splitlines():
            name, _, value = line.partition("=")
            environment.setenv(name, value)

        code, lines, _ = check(capsys)
    finally:
        process.terminate()
        process.wait(timeout=10)

    assert code == 0, lines
    assert len(lines) == 3
