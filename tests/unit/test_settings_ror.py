"""Connected-mode settings: a missing or contradictory variable is one French line naming it."""

from pathlib import Path

import pytest
import trustme

from bot.settings import InvalidSetting, MissingSetting, Settings

SECRET_PROFILE = {
    "ror_anomalies_url": "https://rortest.example/anomalies/",
    "ror_fhir_url": "https://api-fhir.example/ws-diffusion-fhir",
    "ror_auth_url": "https://auth.example/auth/realms/ror/protocol/openid-connect/token",
    "ror_client_id": "editeur-x",
    "ror_client_secret": "s3cret",
    "ror_profil_utilisateur_code": "CU20",
    "ror_profil_utilisateur_system": "1.2.250.1.213.1.6.1.66",
    "ror_role_metier_code": "AUTOMATE",
    "ror_role_metier_system": "1.2.250.1.213.1.1.4.6",
}


@pytest.fixture(autouse=True)
def no_ambient_configuration(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no .env
    for name in [
        *SECRET_PROFILE,
        "ror_client_cert",
        "ror_client_key",
        "ror_ca_bundle",
        "ror_sync_seconds",
        "ror_push_seconds",
        "ror_retry_seconds",
        "ror_retry_max_seconds",
        "ror_timeout_seconds",
    ]:
        monkeypatch.delenv(name.upper(), raising=False)


def settings(**changes: object) -> Settings:
    values = {**SECRET_PROFILE, **changes}
    return Settings(_env_file=None, **{k: v for k, v in values.items() if v is not None})


@pytest.fixture
def certificate_files(tmp_path: Path) -> tuple[Path, Path, Path]:
    ca = trustme.CA()
    leaf = ca.issue_cert("client.example", common_name="editeur-x")
    cert, key, bundle = tmp_path / "client.pem", tmp_path / "client.key", tmp_path / "ca.pem"
    cert.write_bytes(b"".join(blob.bytes() for blob in leaf.cert_chain_pems))
    key.write_bytes(leaf.private_key_pem.bytes())
    ca.cert_pem.write_to_path(str(bundle))
    return cert, key, bundle


def failure(**changes: object) -> MissingSetting:
    with pytest.raises(MissingSetting) as caught:
        settings(**changes).ror_connection()
    return caught.value


def test_without_ror_anomalies_url_the_app_is_standalone():
    assert not Settings(_env_file=None).connected
    assert settings().connected


def test_the_secret_profile_gives_a_connection_with_the_four_headers():
    connection = settings().ror_connection()

    assert connection.anomalies_url == "https://rortest.example/anomalies"
    assert connection.client_secret == "s3cret"
    assert connection.certificate is None
    assert connection.headers.as_dict() == {
        "Ror-Profil-Utilisateur-Code": "CU20",
        "Ror-Profil-Utilisateur-System": "1.2.250.1.213.1.6.1.66",
        "Ror-Role-Metier-Code": "AUTOMATE",
        "Ror-Role-Metier-System": "1.2.250.1.213.1.1.4.6",
    }
    assert (connection.connect_timeout, connection.read_timeout) == (5.0, 20.0)


def test_the_certificate_profile_gives_a_connection_with_the_certificate_and_the_ca_bundle(certificate_files):
    cert, key, bundle = certificate_files

    connection = settings(
        ror_client_secret=None, ror_client_cert=str(cert), ror_client_key=str(key), ror_ca_bundle=str(bundle)
    ).ror_connection()

    assert connection.certificate is not None
    assert (connection.certificate.cert, connection.certificate.key) == (cert, key)
    assert connection.ca_bundle == bundle
    assert connection.client_secret is None


@pytest.mark.parametrize(
    "missing",
    [
        "ror_fhir_url",
        "ror_auth_url",
        "ror_client_id",
        "ror_profil_utilisateur_code",
        "ror_profil_utilisateur_system",
        "ror_role_metier_code",
        "ror_role_metier_system",
    ],
)
def test_each_missing_variable_is_named(missing):
    error = failure(**{missing: None})

    assert error.variable == missing.upper()
    assert missing.upper() in str(error)
    assert "\n" not in str(error)


def test_neither_secret_nor_certificate_names_both_ways():
    error = failure(ror_client_secret=None)

    assert error.variable == "ROR_CLIENT_SECRET"
    assert "ROR_CLIENT_CERT" in str(error)


def test_a_secret_and_a_certificate_together_are_contradictory(certificate_files):
    cert, key, _ = certificate_files

    error = failure(ror_client_cert=str(cert), ror_client_key=str(key))

    assert isinstance(error, InvalidSetting)
    assert "ROR_CLIENT_SECRET et ROR_CLIENT_CERT" in str(error)


def test_a_certificate_without_its_key_names_the_key(certificate_files):
    cert, _, _ = certificate_files

    assert failure(ror_client_secret=None, ror_client_cert=str(cert)).variable == "ROR_CLIENT_KEY"


def test_an_unreadable_certificate_file_is_named(tmp_path):
    error = failure(
        ror_client_secret=None, ror_client_cert=str(tmp_path / "absent.pem"), ror_client_key="k.pem"
    )

    assert error.variable == "ROR_CLIENT_CERT"
    assert "absent.pem" in str(error)
    assert "illisible" in str(error)


def test_a_key_that_does_not_match_the_certificate_is_refused(certificate_files, tmp_path):
    cert, _, _ = certificate_files
    other = tmp_path / "other.key"
    other.write_bytes(trustme.CA().issue_cert("x.example").private_key_pem.bytes())

    error = failure(ror_client_secret=None, ror_client_cert=str(cert), ror_client_key=str(other))

    assert error.variable == "ROR_CLIENT_CERT"


def test_a_ca_bundle_that_is_not_pem_is_refused(tmp_path):
    bundle = tmp_path / "ca.pem"
    bundle.write_text("pas un certificat")

    assert failure(ror_ca_bundle=str(bundle)).variable == "ROR_CA_BUNDLE"


@pytest.mark.parametrize(
    "url", ["rortest.example/anomalies", "ftp://rortest.example/anomalies", "https://", "https://x/a?b=c"]
)
def test_a_bad_url_is_named(url):
    error = failure(ror_anomalies_url=url)

    assert error.variable == "ROR_ANOMALIES_URL"
    assert "URL" in str(error)


def test_a_bad_sync_period_is_one_french_line_naming_the_variable(monkeypatch):
    monkeypatch.setenv("ROR_SYNC_SECONDS", "souvent")

    with pytest.raises(InvalidSetting) as caught:
        Settings(_env_file=None)

    assert caught.value.variable == "ROR_SYNC_SECONDS"
    assert str(caught.value) == "Configuration invalide : ROR_SYNC_SECONDS : valeur « souvent » refusée."


def test_the_sync_period_defaults_to_a_minute():
    assert Settings(_env_file=None).ror_sync_seconds == 60


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("ROR_PUSH_SECONDS", "souvent"),
        ("ROR_RETRY_SECONDS", "0"),
        ("ROR_RETRY_MAX_SECONDS", "-5"),
        ("ROR_TIMEOUT_SECONDS", "3600"),
    ],
)
def test_a_bad_value_of_the_journal_settings_is_one_french_line_naming_it(monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)

    with pytest.raises(InvalidSetting) as caught:
        Settings(_env_file=None)

    assert caught.value.variable == variable
    assert str(caught.value) == f"Configuration invalide : {variable} : valeur « {value} » refusée."


def test_the_journal_settings_have_their_defaults():
    loaded = Settings(_env_file=None)

    assert (loaded.ror_push_seconds, loaded.ror_retry_seconds) == (30, 30)
    assert (loaded.ror_retry_max_seconds, loaded.ror_timeout_seconds) == (3600, 10)
