"""Configuration: embedded defaults, and a production profile that refuses unsafe settings."""

import pytest

from core import config
from core.config import ConfigError


def production(**overrides) -> dict:
    settings = {
        "APP_ENV": "production",
        "DEV_IDP": False,
        "SECRET_KEY": "a-real-secret",
        "VOTER_KEY_PEPPER": "a-real-pepper",
        "AUDIT_KEY": "a-real-audit-key",
        "OIDC_ISSUER": "https://idp.example",
    }
    settings.update(overrides)
    return settings


def test_a_complete_production_config_starts():
    config.check(production())


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"DEV_IDP": True}, "DEV_IDP"),
        ({"SECRET_KEY": config.DEFAULT_SECRET}, "SECRET_KEY"),
        ({"SECRET_KEY": ""}, "SECRET_KEY"),
        ({"VOTER_KEY_PEPPER": None}, "VOTER_KEY_PEPPER"),
        ({"VOTER_KEY_PEPPER": config.DEFAULT_PEPPER}, "VOTER_KEY_PEPPER"),
        ({"OIDC_ISSUER": ""}, "OIDC_ISSUER"),
        ({"AUDIT_KEY": None}, "AUDIT_KEY"),
        ({"AUDIT_KEY": ""}, "AUDIT_KEY"),
        ({"AUDIT_KEY": config.DEFAULT_AUDIT_KEY}, "AUDIT_KEY"),
    ],
)
def test_production_refuses_unsafe_settings(overrides, problem):
    with pytest.raises(ConfigError, match=problem):
        config.check(production(**overrides))


def test_embedded_defaults_need_no_configuration(monkeypatch, tmp_path):
    for name in ("APP_ENV", "DATABASE_URL", "REDIS_URL", "DEV_IDP", "OIDC_ISSUER", "PORT"):
        monkeypatch.delenv(name, raising=False)
    settings = config.from_environment(str(tmp_path))
    assert settings["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert settings["RATELIMIT_STORAGE_URI"] == "memory://"
    assert settings["DEV_IDP"] is True
    assert settings["OIDC_ISSUER"] == "http://127.0.0.1:5000/dev-idp"
    config.check(settings)


def test_production_defaults_to_no_dev_provider_and_secure_cookies(monkeypatch, tmp_path):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.delenv("DEV_IDP", raising=False)
    settings = config.from_environment(str(tmp_path))
    assert settings["DEV_IDP"] is False
    assert settings["SESSION_COOKIE_SECURE"] is True


def test_database_and_redis_urls_are_taken_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgres://forum@db/forum")
    monkeypatch.setenv("REDIS_URL", "redis://cache:6379/0")
    settings = config.from_environment(str(tmp_path))
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://forum@db/forum"
    assert settings["RATELIMIT_STORAGE_URI"] == "redis://cache:6379/0"


def test_a_server_database_keeps_a_pool_as_large_as_a_workers_threads(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgres://forum@db/forum")
    monkeypatch.setenv("DB_POOL_SIZE", "12")
    options = config.from_environment(str(tmp_path))["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options == {"pool_size": 12, "max_overflow": 8}
    monkeypatch.delenv("DATABASE_URL")
    embedded = config.from_environment(str(tmp_path))["SQLALCHEMY_ENGINE_OPTIONS"]
    assert embedded == {}


def test_the_audit_key_and_retired_keys_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("AUDIT_KEY", raising=False)
    monkeypatch.delenv("AUDIT_PREVIOUS_KEYS", raising=False)
    settings = config.from_environment(str(tmp_path))
    assert settings["AUDIT_KEY"] == config.DEFAULT_AUDIT_KEY
    assert settings["AUDIT_PREVIOUS_KEYS"] == []
    monkeypatch.setenv("AUDIT_KEY", "k-now")
    monkeypatch.setenv("AUDIT_PREVIOUS_KEYS", "k-2024, k-2025,")
    settings = config.from_environment(str(tmp_path))
    assert settings["AUDIT_KEY"] == "k-now"
    assert settings["AUDIT_PREVIOUS_KEYS"] == ["k-2024", "k-2025"]
