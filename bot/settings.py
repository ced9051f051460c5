"""planbot's settings: the environment (PLANBOT_*) plus an optional `.env` file.

Every setting here is documented in the README; a test keeps the two in step.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Annotated

from platformdirs import user_data_dir
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def default_data_dir() -> Path:
    return Path(user_data_dir("planbot", appauthor=False))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PLANBOT_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default_factory=default_data_dir, description="SQLite file, index and voice cache")
    database_url: str | None = Field(
        default=None, description="any SQLAlchemy URL; default SQLite in data_dir"
    )
    telegram_token: SecretStr | None = Field(default=None, description="bot token from @BotFather")
    telegram_api_url: str | None = Field(
        default=None, description="self-hosted Bot API server, e.g. for tests"
    )
    webhook_url: str | None = Field(default=None, description="public HTTPS URL; webhook mode when set")
    webhook_secret: SecretStr | None = Field(
        default=None, description="X-Telegram-Bot-Api-Secret-Token value"
    )
    webhook_listen: str = Field(default="127.0.0.1", description="address the webhook server binds")
    webhook_port: int = Field(default=8443, description="port the webhook server binds")
    admin_ids: Annotated[frozenset[int], NoDecode] = Field(
        default=frozenset(), description="comma-separated Telegram user ids allowed to use admin commands"
    )
    user_id_salt: SecretStr | None = Field(
        default=None,
        description="salt for hashing Telegram user ids; when unset, the key file below is used",
    )
    user_id_salt_file: Path | None = Field(
        default=None,
        description="file holding the salt (made 0600 at first start); default user-id.key in data_dir",
    )
    voice_cache_mb: int = Field(default=200, description="size cap of the on-disk voice-note cache")
    log_level: str = Field(default="INFO", description="logging level")

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(int(part) for part in value.replace(" ", "").split(",") if part)
        if isinstance(value, int):
            return frozenset({value})
        return value

    @cached_property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'planbot.sqlite3'}"

    @property
    def resolved_user_id_salt_file(self) -> Path:
        return self.user_id_salt_file or self.data_dir / "user-id.key"

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def voice_cache_dir(self) -> Path:
        return self.data_dir / "voice-cache"
