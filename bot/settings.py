"""One typed configuration, read from the environment and a `.env` file (SPEC §7)."""

from enum import StrEnum
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_FILE = "ror-anomalies.db"
SYSTEM_NAME_MAX = 200  # the width of the *Système déclarant* column


class MissingSetting(Exception):
    """A variable needed for what was asked is not set; the message names it, in French."""

    def __init__(self, variable: str, purpose: str) -> None:
        super().__init__(f"La variable d'environnement {variable} est requise {purpose}.")
        self.variable = variable


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
