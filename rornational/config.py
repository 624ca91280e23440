"""How to reach the ROR national: the adapter's whole configuration, already checked by the caller
(`bot.settings.Settings.ror_connection`). Stdlib only, so reading settings imports no HTTP library."""

from dataclasses import dataclass
from pathlib import Path

# Timeouts in seconds: a connection is refused or made fast; a search of 200 Tasks may take a while.
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 20.0


@dataclass(frozen=True, slots=True)
class RorHeaders:
    """The four headers the ANS gives at onboarding; every API call carries them."""

    profil_utilisateur_code: str
    profil_utilisateur_system: str
    role_metier_code: str
    role_metier_system: str

    def as_dict(self) -> dict[str, str]:
        return {
            "Ror-Profil-Utilisateur-Code": self.profil_utilisateur_code,
            "Ror-Profil-Utilisateur-System": self.profil_utilisateur_system,
            "Ror-Role-Metier-Code": self.role_metier_code,
            "Ror-Role-Metier-System": self.role_metier_system,
        }


@dataclass(frozen=True, slots=True)
class ClientCertificate:
    """mTLS (RFC 8705, access profiles 1–4): presented on the token request and on every API call."""

    cert: Path
    key: Path


@dataclass(frozen=True, slots=True)
class RorConnection:
    anomalies_url: str
    fhir_url: str
    auth_url: str
    client_id: str
    headers: RorHeaders
    client_secret: str | None = None
    certificate: ClientCertificate | None = None
    ca_bundle: Path | None = None
    connect_timeout: float = CONNECT_TIMEOUT
    read_timeout: float = READ_TIMEOUT
    # A cached token is renewed this many seconds before it expires (at most half its lifetime).
    token_margin: float = 30.0

    def __post_init__(self) -> None:
        if (self.client_secret is None) == (self.certificate is None):
            raise ValueError("exactly one of client_secret and certificate")
        for name in ("anomalies_url", "fhir_url"):
            object.__setattr__(self, name, getattr(self, name).rstrip("/"))

    @property
    def uses_certificate(self) -> bool:
        return self.certificate is not None
