"""Settings: VZ_ variables, defaults, and one-line errors that name the variable."""

from __future__ import annotations

import pytest

from bot.settings import Settings, SettingsError, load_settings


def test_defaults_are_the_embedded_sqlite_and_kyiv_time() -> None:
    """Without any variable the database is SQLite under ./var and deadlines use Kyiv time."""
    settings = load_settings()
    assert settings.database_url == "sqlite+aiosqlite:///var/vzayemodiia.sqlite3"
    assert settings.timezone == "Europe/Kyiv"
    assert settings.verified_actions == frozenset({"sign", "vote"})


def test_malformed_variable_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    """A malformed value produces an error naming the VZ_ variable, not a traceback dump."""
    monkeypatch.setenv("VZ_HTTP_PORT", "eighty")
    with pytest.raises(SettingsError, match=r"^VZ_HTTP_PORT: "):
        load_settings()


def test_unknown_database_driver_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the two async drivers we support are accepted in VZ_DATABASE_URL."""
    monkeypatch.setenv("VZ_DATABASE_URL", "mysql://root@localhost/x")
    with pytest.raises(SettingsError, match="VZ_DATABASE_URL"):
        load_settings()


def test_verified_actions_parse_from_a_comma_list(monkeypatch: pytest.MonkeyPatch) -> None:
    """VZ_VERIFIED_ACTIONS takes a comma-separated list and refuses unknown actions."""
    monkeypatch.setenv("VZ_VERIFIED_ACTIONS", "sign, create_petition")
    assert load_settings().verified_actions == frozenset({"sign", "create_petition"})
    monkeypatch.setenv("VZ_VERIFIED_ACTIONS", "sign,fly")
    with pytest.raises(SettingsError, match="unknown action"):
        load_settings()


def test_missing_secret_key_names_the_variable() -> None:
    """`serve` needs VZ_SECRET_KEY; the message names it and says what it is for."""
    with pytest.raises(SettingsError, match=r"^VZ_SECRET_KEY is not set"):
        Settings().require_secret_key()


def test_secret_key_is_not_shown_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    """The secret key is a secret type: printing the settings does not reveal it."""
    monkeypatch.setenv("VZ_SECRET_KEY", "very-secret-value-123456")
    assert "very-secret-value" not in repr(load_settings())


def test_unknown_timezone_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """A time zone name the system does not know is a settings error, not a crash later."""
    monkeypatch.setenv("VZ_TIMEZONE", "Europe/Atlantis")
    with pytest.raises(SettingsError, match="VZ_TIMEZONE"):
        load_settings()


def test_the_digest_time_is_a_local_time_of_day(monkeypatch: pytest.MonkeyPatch) -> None:
    """VZ_DIGEST_TIME is 18:00 by default, takes HH:MM, and refuses 25:00 naming itself."""
    assert load_settings().digest_time.isoformat() == "18:00:00"
    monkeypatch.setenv("VZ_DIGEST_TIME", "07:30")
    assert load_settings().digest_time.isoformat() == "07:30:00"
    monkeypatch.setenv("VZ_DIGEST_TIME", "25:00")
    with pytest.raises(SettingsError, match="VZ_DIGEST_TIME"):
        load_settings()
