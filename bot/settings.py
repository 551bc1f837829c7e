"""Settings from ``VZ_*`` environment variables and an optional ``.env`` file."""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import time
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from pydantic_settings import SettingsError as SourceError

from civic.quiet_hours import QuietHours, quiet_window
from storage.settings_url import default_database_url

KNOWN_ACTIONS = frozenset({"sign", "vote", "create_petition"})


class SettingsError(Exception):
    """A setting is missing or malformed; the message names the variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="VZ_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str = Field(default_factory=default_database_url)
    # Connections `serve` may hold open. There is no overflow beyond it: a connection opened
    # for a burst and closed after it costs more than waiting for a pooled one. Telegram is
    # told to keep no more webhook requests in flight than this (up to its limit of 100).
    database_pool_size: int = Field(default=40, ge=1, le=1000)
    secret_key: SecretStr | None = None
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8080, ge=1, le=65535)
    public_url: str | None = None
    # The admin web's sessions end after this long without a page, and this long after
    # signing in whatever happens.
    admin_session_idle_minutes: int = Field(default=30, ge=1, le=24 * 60)
    admin_session_hours: int = Field(default=12, ge=1, le=24 * 7)
    default_locale: Literal["uk", "en"] = "uk"
    timezone: str = "Europe/Kyiv"
    # Which actions need a phone number verified by the messenger. Signing and voting do
    # by default; a deployment may add "create_petition" (or drop one, at its own risk).
    verified_actions: Annotated[frozenset[str], NoDecode] = frozenset({"sign", "vote"})
    telegram_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org"
    telegram_mode: Literal["webhook", "polling"] | None = None
    telegram_webhook_secret: SecretStr | None = None
    # E-mail: requests forwarded to authorities, answer copies, reminders to officials.
    # smtp://[user:password@]host[:port] (STARTTLS when offered), or smtps:// for TLS.
    smtp_url: SecretStr | None = None
    mail_from: str = "VzayemoDiia <noreply@vzayemodiia.invalid>"
    viber_token: SecretStr | None = None
    viber_api_url: str = "https://chatapi.viber.com/pa"
    viber_name: str = Field(default="VzayemoDiia", min_length=1, max_length=28)
    # How often the scheduled steps (closing expired petitions...) run inside `serve`.
    schedule_interval_seconds: int = Field(default=60, ge=1)
    # The outbox's sending rates, messages per second per messenger, as the API sees them
    # (evenly spaced: no burst above it). Telegram allows about 30/s for free; with paid
    # broadcasts (allow_paid_broadcast, 0.1 Star per message above the free rate) up to
    # 1000/s. These are per worker process: several workers share the messenger's limit.
    telegram_rate: float = Field(default=25, gt=0, le=1000)
    telegram_paid_broadcast: bool = False
    viber_rate: float = Field(default=25, gt=0, le=500)
    # What one message costs on each messenger, in VZ_PRICE_CURRENCY (an ISO 4217 code):
    # the admin web's broadcast preview shows the audience times the price where it is
    # above 0. Viber bills business messages by its contract; Telegram is free within its
    # rate (paid broadcasts are priced in Stars, see VZ_TELEGRAM_PAID_BROADCAST).
    viber_message_price: float = Field(default=0, ge=0)
    telegram_message_price: float = Field(default=0, ge=0)
    price_currency: str = Field(default="UAH", pattern=r"^[A-Z]{3}$")
    # When broadcasts wait (HH:MM-HH:MM in VZ_TIMEZONE; empty: never), for citizens who
    # keep quiet hours on (the default). A citizen's own affairs are never held back.
    quiet_hours: str = "22:00-08:00"
    # When the daily digest of low-priority broadcasts leaves (HH:MM in VZ_TIMEZONE), for
    # citizens who chose the digest.
    digest_time: time = time(18, 0)

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        if not value.startswith(("postgresql+asyncpg://", "sqlite+aiosqlite://")):
            raise ValueError("must start with postgresql+asyncpg:// or sqlite+aiosqlite://")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {value!r}") from error
        return value

    @field_validator("verified_actions", mode="before")
    @classmethod
    def _split_actions(cls, value: object) -> object:
        if isinstance(value, str):
            value = {part.strip() for part in value.split(",") if part.strip()}
        return value

    @field_validator("verified_actions")
    @classmethod
    def _known_actions(cls, value: frozenset[str]) -> frozenset[str]:
        unknown = value - KNOWN_ACTIONS
        if unknown:
            raise ValueError(
                f"unknown action(s) {', '.join(sorted(unknown))}; "
                f"known: {', '.join(sorted(KNOWN_ACTIONS))}"
            )
        return value

    @field_validator("quiet_hours")
    @classmethod
    def _quiet_hours_shape(cls, value: str) -> str:
        if value.strip() and not re.fullmatch(r"\s*\d{2}:\d{2}-\d{2}:\d{2}\s*", value):
            raise ValueError("must be HH:MM-HH:MM (e.g. 22:00-08:00), or empty for none")
        if value.strip():
            quiet_window(value)  # raises ValueError for 25:00 and the like
        return value.strip()

    @field_validator("digest_time")
    @classmethod
    def _whole_minutes(cls, value: time) -> time:
        if value.tzinfo is not None:
            raise ValueError("must be a local time HH:MM, without a zone")
        return value.replace(second=0, microsecond=0)

    @property
    def quiet(self) -> QuietHours | None:
        return quiet_window(self.quiet_hours) if self.quiet_hours else None

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _telegram_secret_charset(cls, value: SecretStr | None) -> SecretStr | None:
        # Telegram accepts 1-256 characters of A-Z, a-z, 0-9, "_" and "-".
        if value is not None and not re.fullmatch(
            r"[A-Za-z0-9_-]{1,256}", value.get_secret_value()
        ):
            raise ValueError("must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @property
    def effective_telegram_mode(self) -> Literal["webhook", "polling"]:
        if self.telegram_mode is not None:
            return self.telegram_mode
        return "webhook" if self.public_url else "polling"

    def telegram_secret(self) -> str:
        """VZ_TELEGRAM_WEBHOOK_SECRET, or one derived from the secret key."""
        if self.telegram_webhook_secret is not None:
            return self.telegram_webhook_secret.get_secret_value()
        digest = hmac.new(
            self.require_secret_key().encode(), b"vzayemodiia/telegram-webhook/v1", hashlib.sha256
        ).hexdigest()
        return digest

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def require_secret_key(self) -> str:
        if self.secret_key is None or not self.secret_key.get_secret_value():
            raise SettingsError(
                "VZ_SECRET_KEY is not set: set it to a long random string "
                "(it signs sessions and keys the phone-number hashes)"
            )
        value = self.secret_key.get_secret_value()
        if len(value) < 16:
            raise SettingsError("VZ_SECRET_KEY is too short: use at least 16 characters")
        return value


def load_settings() -> Settings:
    """Read the settings, turning pydantic's report into one line per bad variable."""
    try:
        return Settings()
    except ValidationError as error:
        lines = []
        for problem in error.errors():
            field = str(problem["loc"][0]) if problem["loc"] else "?"
            lines.append(f"VZ_{field.upper()}: {problem['msg']}")
        raise SettingsError("; ".join(lines)) from None
    except SourceError as error:
        # pydantic-settings names the field in its message: "... field "http_port" ..."
        field = str(error).split('"')[1] if '"' in str(error) else "?"
        raise SettingsError(f"VZ_{field.upper()}: cannot be read ({error})") from None
