"""One typed configuration, read from the environment and a `.env` file (SPEC §7)."""

from enum import StrEnum
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_FILE = "ror-anomalies.db"


class MissingSetting(Exception):
    """A variable needed for what was asked is not set; the message names it, in French."""

    def __init__(self, variable: str, purpose: str) -> None:
        super().__init__(f"La variable d'environnement {variable} est requise {purpose}.")
        self.variable = variable


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
    # *Système déclarant* (and the system of each history entry), per entry point (stored in 200 characters).
    ror_system_name: str = Field(default="Bot Slack ROR Anomalies", min_length=1, max_length=200)
    ror_cli_system_name: str = Field(default="Ligne de commande ROR Anomalies", min_length=1, max_length=200)
    ror_notebook_system_name: str = Field(default="Notebook ROR Anomalies", min_length=1, max_length=200)
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
        ZoneInfo(value)
        return value

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
