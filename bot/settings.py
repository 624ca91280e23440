"""One typed configuration, read from the environment and a `.env` file (SPEC §7)."""

import ssl
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from rornational.config import ClientCertificate, RorConnection, RorHeaders

DEFAULT_DATABASE_FILE = "ror-anomalies.db"
SYSTEM_NAME_MAX = 200  # the width of the *Système déclarant* column


class ConfigurationError(Exception):
    """The configuration or what it points to (database, Slack, port) does not let the program start or
    run; the message, in French, names the cause and the variable to fix."""


class MissingSetting(ConfigurationError):
    """A variable needed for what was asked is not set; the message names it, in French."""

    def __init__(self, variable: str, purpose: str) -> None:
        super().__init__(f"La variable d'environnement {variable} est requise {purpose}.")
        self.variable = variable


class InvalidSetting(MissingSetting):
    """A variable is set to something unusable, or contradicts another; the message names it, in French."""

    def __init__(self, variable: str, message: str) -> None:
        Exception.__init__(self, message)
        self.variable = variable


# The four `Ror-…` header values the ANS gives at onboarding (api.md).
_ROR_HEADER_VARIABLES = (
    (
        "ROR_PROFIL_UTILISATEUR_CODE",
        "ror_profil_utilisateur_code",
        "Ror-Profil-Utilisateur-Code, par exemple CU20",
    ),
    (
        "ROR_PROFIL_UTILISATEUR_SYSTEM",
        "ror_profil_utilisateur_system",
        "Ror-Profil-Utilisateur-System, par exemple 1.2.250.1.213.1.6.1.66",
    ),
    ("ROR_ROLE_METIER_CODE", "ror_role_metier_code", "Ror-Role-Metier-Code, par exemple AUTOMATE"),
    (
        "ROR_ROLE_METIER_SYSTEM",
        "ror_role_metier_system",
        "Ror-Role-Metier-System, par exemple 1.2.250.1.213.1.1.4.6",
    ),
)


def invalid_settings_line(error: ValidationError) -> str:
    """One French line naming each refused variable (for `Erreur : …`)."""
    problems = []
    for item in error.errors():
        variable = "_".join(str(part) for part in item["loc"]).upper() or "configuration"
        cause = item.get("ctx", {}).get("error")
        reason = str(cause) if isinstance(cause, ValueError) else f"valeur « {item.get('input')} » refusée"
        problems.append(f"{variable} : {reason}")
    return "Configuration invalide : " + " ; ".join(problems) + "."


class Surface(StrEnum):
    """The entry point a declaration or a move comes from; each names itself in *Système déclarant*."""

    SLACK = "slack"  # the Slack app, its scheduler and notifications (`ror-bot run`, `ror-bot scheduler`)
    CLI = "cli"  # `ror-bot anomalies|group|recipient|directory …`
    NOTEBOOK = "notebook"  # `bot.notebook`


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    # How long a Web API call waits for Slack's answer. A digest post left unanswered is searched for in
    # its channel before any new attempt, so it is never posted twice.
    slack_timeout_seconds: int = Field(default=30, ge=1, le=300)
    database_url: str = Field(default_factory=lambda: f"sqlite:///{Path.cwd() / DEFAULT_DATABASE_FILE}")
    ror_timezone: str = "Europe/Paris"
    # *Système déclarant* (and the system of each history entry), per entry point.
    ror_system_name: str = "Bot Slack ROR Anomalies"
    ror_cli_system_name: str = "Ligne de commande ROR Anomalies"
    ror_notebook_system_name: str = "Notebook ROR Anomalies"
    port: int = 3000
    # Worker processes of `ror-bot run` for slash-command work after the ack (0: threads of the server).
    ror_background_workers: int = Field(default=2, ge=0, le=32)
    # Digests: the « mises à jour » window ends this many seconds before the run (clock skew between hosts).
    ror_digest_margin_seconds: float = Field(default=5.0, ge=0)
    # Digests built and posted at once by a run (each waits on the database and on Slack most of the time).
    ror_digest_workers: int = Field(default=4, ge=1, le=32)
    # Connected mode (SPEC §10): set ROR_ANOMALIES_URL and the ROR national is the system of record.
    ror_anomalies_url: str | None = None
    ror_fhir_url: str | None = None
    ror_auth_url: str | None = None
    ror_client_id: str | None = None
    ror_client_secret: SecretStr | None = None
    ror_client_cert: str | None = None
    ror_client_key: str | None = None
    ror_ca_bundle: str | None = None
    ror_profil_utilisateur_code: str | None = None
    ror_profil_utilisateur_system: str | None = None
    ror_role_metier_code: str | None = None
    ror_role_metier_system: str | None = None
    ror_sync_seconds: float = Field(default=60.0, gt=0)
    # Connected mode's journal (issue 8): how often the scheduler sends what waits, the first wait after
    # a failed send (doubled each time, up to the maximum; a Retry-After is never shortened), and how long
    # one call to the ROR national's anomaly API may take before it counts as unavailable.
    ror_push_seconds: float = Field(default=30.0, gt=0)
    ror_retry_seconds: float = Field(default=30.0, gt=0)
    ror_retry_max_seconds: float = Field(default=3600.0, gt=0)
    ror_timeout_seconds: float = Field(default=10.0, gt=0, le=300)

    def __init__(self, **values: Any) -> None:
        # A bad value (ROR_SYNC_SECONDS=abc, an unknown ROR_TIMEZONE…) is one French line naming the
        # variable, not pydantic's report.
        try:
            super().__init__(**values)
        except ValidationError as error:
            first = error.errors()[0]
            variable = str(first["loc"][0]).upper() if first["loc"] else "?"
            raise InvalidSetting(variable, invalid_settings_line(error)) from None

    @field_validator("slack_api_url")
    @classmethod
    def _trailing_slash(cls, value: str) -> str:
        return value if value.endswith("/") else value + "/"

    @field_validator("ror_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"fuseau horaire inconnu « {value} » (par exemple Europe/Paris)") from None
        return value

    @field_validator("ror_system_name", "ror_cli_system_name", "ror_notebook_system_name")
    @classmethod
    def _system_name(cls, value: str) -> str:
        name = " ".join(value.split())
        if not name or len(name) > SYSTEM_NAME_MAX:
            raise ValueError(f"un nom de 1 à {SYSTEM_NAME_MAX} caractères est attendu")
        return name

    @property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.ror_timezone)

    def system_name(self, surface: Surface) -> str:
        return {
            Surface.SLACK: self.ror_system_name,
            Surface.CLI: self.ror_cli_system_name,
            Surface.NOTEBOOK: self.ror_notebook_system_name,
        }[surface]

    @property
    def socket_mode(self) -> bool:
        return self.slack_app_token is not None

    def require_bot_token(self) -> str:
        if self.slack_bot_token is None:
            raise MissingSetting("SLACK_BOT_TOKEN", "pour parler à Slack (jeton du bot, xoxb-…)")
        return self.slack_bot_token.get_secret_value()

    def require_signing_secret(self) -> str:
        if self.slack_signing_secret is None:
            raise MissingSetting(
                "SLACK_SIGNING_SECRET", "en mode HTTP (secret de signature des requêtes Slack)"
            )
        return self.slack_signing_secret.get_secret_value()

    @property
    def connected(self) -> bool:
        """Connected to the ROR national (SPEC §10): ROR_ANOMALIES_URL is set."""
        return bool(self.ror_anomalies_url and self.ror_anomalies_url.strip())

    def ror_connection(self) -> RorConnection:
        """Everything needed to reach the ROR national, checked: the first missing, unusable or
        contradictory variable is one French line naming it (MissingSetting / InvalidSetting)."""
        purpose = "en mode connecté au ROR national"
        anomalies = _url(
            self.ror_anomalies_url,
            "ROR_ANOMALIES_URL",
            "pour se connecter au ROR national (base des anomalies, …/Task)",
        )
        fhir = _url(self.ror_fhir_url, "ROR_FHIR_URL", f"{purpose} (base FHIR de l'annuaire)")
        auth = _url(self.ror_auth_url, "ROR_AUTH_URL", f"{purpose} (point d'accès des jetons OAuth2)")
        client_id = (self.ror_client_id or "").strip()
        if not client_id:
            raise MissingSetting("ROR_CLIENT_ID", f"{purpose} (identifiant du client OAuth2 donné par l'ANS)")
        secret = self.ror_client_secret.get_secret_value() if self.ror_client_secret is not None else ""
        cert, key = (self.ror_client_cert or "").strip(), (self.ror_client_key or "").strip()
        if secret and (cert or key):
            raise InvalidSetting(
                "ROR_CLIENT_SECRET",
                "ROR_CLIENT_SECRET et ROR_CLIENT_CERT / ROR_CLIENT_KEY sont définis ensemble : choisissez le secret "
                "(profil d'accès 0) ou le certificat client (mTLS, profils 1 à 4).",
            )
        certificate = None
        if cert or key:
            if not cert:
                raise MissingSetting("ROR_CLIENT_CERT", "avec ROR_CLIENT_KEY (certificat client du mTLS)")
            if not key:
                raise MissingSetting(
                    "ROR_CLIENT_KEY", "avec ROR_CLIENT_CERT (clé privée du certificat client)"
                )
            certificate = ClientCertificate(
                cert=_readable(cert, "ROR_CLIENT_CERT"), key=_readable(key, "ROR_CLIENT_KEY")
            )
            try:
                ssl.create_default_context().load_cert_chain(str(certificate.cert), str(certificate.key))
            except (ssl.SSLError, OSError) as error:
                raise InvalidSetting(
                    "ROR_CLIENT_CERT",
                    f"ROR_CLIENT_CERT et ROR_CLIENT_KEY ne forment pas un certificat et sa clé privée PEM "
                    f"utilisables ({error.strerror or error}).",
                ) from None
        elif not secret:
            raise MissingSetting(
                "ROR_CLIENT_SECRET",
                f"{purpose} (secret du client, profil 0), à moins de définir ROR_CLIENT_CERT et ROR_CLIENT_KEY (mTLS)",
            )
        ca_bundle = None
        if self.ror_ca_bundle and self.ror_ca_bundle.strip():
            ca_bundle = _readable(self.ror_ca_bundle.strip(), "ROR_CA_BUNDLE")
            try:
                ssl.create_default_context(cafile=str(ca_bundle))
            except (ssl.SSLError, OSError):
                raise InvalidSetting(
                    "ROR_CA_BUNDLE",
                    f"ROR_CA_BUNDLE « {ca_bundle} » ne contient pas de certificats PEM utilisables.",
                ) from None
        values = {}
        for variable, attribute, meaning in _ROR_HEADER_VARIABLES:
            value = (getattr(self, attribute) or "").strip()
            if not value:
                raise MissingSetting(variable, f"{purpose} (valeur de l'en-tête {meaning})")
            values[attribute.removeprefix("ror_")] = value
        return RorConnection(
            anomalies_url=anomalies,
            fhir_url=fhir,
            auth_url=auth,
            client_id=client_id,
            client_secret=secret or None,
            certificate=certificate,
            ca_bundle=ca_bundle,
            headers=RorHeaders(**values),
        )


def _url(value: str | None, variable: str, purpose: str) -> str:
    text = (value or "").strip()
    if not text:
        raise MissingSetting(variable, purpose)
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise InvalidSetting(
            variable,
            f"{variable} n'est pas une URL http(s) valide : « {text} » (par exemple https://…/anomalies).",
        )
    return text.rstrip("/")


def _readable(value: str, variable: str) -> Path:
    path = Path(value).expanduser()
    try:
        with path.open("rb") as handle:
            handle.read(1)
    except OSError as error:
        raise InvalidSetting(
            variable, f"Le fichier {variable} « {path} » est illisible ({error.strerror})."
        ) from None
    return path
