"""Access profiles 1–4: mutual TLS (RFC 8705) with test certificates made now (trustme). The client
certificate is presented on the token request and on every API call; the token is bound to it."""

from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from devtools.ror_standin import RorStandIn
from domain.errors import RorNationalAuthenticationRefused
from rornational.client import connect
from rornational.config import ClientCertificate
from tests.standin_helpers import a_draft, connection_to

CLIENT = "editeur-mtls"


@pytest.fixture
def tls_standin() -> Iterator[RorStandIn]:
    with RorStandIn(client_id=CLIENT, client_secret=None, certificate_clients=(CLIENT,), tls=True) as running:
        yield running


@pytest.fixture
def files(tls_standin: RorStandIn, tmp_path: Path) -> dict[str, Path]:
    assert tls_standin.certificates is not None
    client = tls_standin.certificates.write_client(CLIENT, tmp_path)
    return {
        "ca": tls_standin.certificates.write_ca(tmp_path / "ca.pem"),
        "cert": client.cert,
        "key": client.key,
    }


def mtls(standin: RorStandIn, files: dict[str, Path], **changes: object):  # type: ignore[no-untyped-def]
    values = {
        "client_secret": None,
        "certificate": ClientCertificate(cert=files["cert"], key=files["key"]),
        "ca_bundle": files["ca"],
        **changes,
    }
    return connection_to(standin, **values)


def test_with_a_client_certificate_the_token_and_every_call_present_it(tls_standin, files):
    with connect(mtls(tls_standin, files)) as ror:
        submitted = ror.submit(a_draft())
        ror.get(submitted.task_id)

    assert tls_standin.anomalies_url.startswith("https://")
    token_requests = tls_standin.requests_to("POST", "/token")
    assert len(token_requests) == 1
    assert token_requests[0].client_certificate == CLIENT
    assert token_requests[0].body == {"grant_type": "client_credentials", "client_id": CLIENT}
    assert token_requests[0].header("Authorization") is None  # no secret: the certificate authenticates
    calls = [r for r in tls_standin.received if "/token" not in r.path]
    assert len(calls) == 2
    assert all(r.client_certificate == CLIENT for r in calls)


def test_a_certificate_from_an_unknown_authority_is_refused(tls_standin, files, tmp_path):
    assert tls_standin.certificates is not None
    stranger = tls_standin.certificates.write_client(CLIENT, tmp_path / "..", issuer=trustme.CA())

    with (
        connect(mtls(tls_standin, files, certificate=ClientCertificate(stranger.cert, stranger.key))) as ror,
        pytest.raises(RorNationalAuthenticationRefused) as caught,
    ):
        ror.submit(a_draft())

    assert "refuse le certificat client" in caught.value.message
    assert "ROR_CLIENT_CERT" in caught.value.message
    assert tls_standin.all_tasks() == []


def test_without_a_certificate_the_token_endpoint_refuses_the_client(tls_standin, files):
    with (
        connect(mtls(tls_standin, files, certificate=None, client_secret="devine")) as ror,
        pytest.raises(RorNationalAuthenticationRefused) as caught,
    ):
        ror.submit(a_draft())

    assert "refuse le client « editeur-mtls »" in caught.value.message


def test_a_server_certificate_outside_the_ca_bundle_is_refused_naming_the_bundle(
    tls_standin, files, tmp_path
):
    other_ca = (
        trustme.CA().cert_pem.write_to_path(str(tmp_path / "other-ca.pem")) or tmp_path / "other-ca.pem"
    )

    with (
        connect(mtls(tls_standin, files, ca_bundle=other_ca)) as ror,
        pytest.raises(RorNationalAuthenticationRefused) as caught,
    ):
        ror.submit(a_draft())

    assert "ROR_CA_BUNDLE" in caught.value.message
    assert "n'est pas reconnu" in caught.value.message
