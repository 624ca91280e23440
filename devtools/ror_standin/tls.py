"""Test certificates made at run time (trustme): a CA, the stand-in's server certificate, and client
certificates for mTLS (RFC 8705); written to files so `ror-bot` can be pointed at them."""

import ssl
from dataclasses import dataclass, field
from pathlib import Path

import trustme


@dataclass(frozen=True)
class ClientFiles:
    cert: Path
    key: Path


@dataclass
class StandInCertificates:
    ca: trustme.CA = field(default_factory=trustme.CA)
    hosts: tuple[str, ...] = ("127.0.0.1", "localhost")

    def __post_init__(self) -> None:
        self.server = self.ca.issue_cert(*self.hosts)

    def server_context(self) -> ssl.SSLContext:
        """Server side: our certificate; client certificates optional at the TLS layer (the token endpoint
        and certificate-bound tokens decide), but a presented one must chain to this CA."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.server.configure_cert(context)
        self.ca.configure_trust(context)
        context.verify_mode = ssl.CERT_OPTIONAL
        return context

    def client_certificate(self, client_id: str) -> trustme.LeafCert:
        return self.ca.issue_cert("client.ror-standin.test", common_name=client_id)

    def write_ca(self, path: Path) -> Path:
        self.ca.cert_pem.write_to_path(str(path))
        return path

    def write_client(
        self, client_id: str, directory: Path, *, issuer: trustme.CA | None = None
    ) -> ClientFiles:
        """A client certificate for `client_id` (issued by `issuer`, by default this stand-in's CA)."""
        leaf = (issuer or self.ca).issue_cert("client.ror-standin.test", common_name=client_id)
        cert = directory / f"{client_id}.pem"
        key = directory / f"{client_id}.key"
        cert.write_bytes(b"".join(blob.bytes() for blob in leaf.cert_chain_pems))
        key.write_bytes(leaf.private_key_pem.bytes())
        return ClientFiles(cert=cert, key=key)
