"""One typed configuration, read from the environment and a `.env` file (SPEC §7)."""

from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_FILE = "ror-anomalies.db"


class ConfigurationError(Exception):
    """The configuration or what it points to (database, Slack, port) does not let the program start or
    run; the message, in French, names the cause and the variable to fix."""


class MissingSetting(ConfigurationError):
    """A variable needed for what was asked is not set."""

    def __init__(self, variable: str, purpose: str) -> None:
        super().__init__(f"La variable d'environnement {variable} est requise {purpose}.")
        self.variable = variable


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    database_url: str = Field(default_factory=lambda: f"sqlite:///{Path.cwd() / DEFAULT_DATABASE_FILE}")
    ror_timezone: str = "Europe/Paris"
    ror_system_name: str = "Bot Slack ROR Anomalies"
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
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"fuseau horaire inconnu « {value} » (par exemple Europe/Paris)") from error
        return value

    @property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.ror_timezone)

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


def load_settings(**values: Any) -> Settings:
    """The settings from the environment and `.env` (and `values`); ConfigurationError naming the
    variable when one is invalid."""
    try:
        return Settings(**values)
    except ValidationError as error:
        first = error.errors()[0]
        variable = str(first["loc"][0]).upper() if first.get("loc") else "?"
        raise ConfigurationError(
            f"La variable d'environnement {variable} est invalide : {_why(first)}."
        ) from error


def _why(error: Any) -> str:
    context = error.get("ctx") or {}
    kind = error.get("type")
    if kind == "value_error" and "error" in context:
        return str(context["error"])
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"nombre entier attendu, « {error.get('input')} » reçu"
    if kind in ("float_parsing", "float_type"):
        return f"nombre attendu, « {error.get('input')} » reçu"
    if kind in ("greater_than_equal", "greater_than"):
        return f"{error.get('input')} est trop petit (au moins {context.get('ge', context.get('gt'))})"
    if kind in ("less_than_equal", "less_than"):
        return f"{error.get('input')} est trop grand (au plus {context.get('le', context.get('lt'))})"
    return str(error.get("msg"))
