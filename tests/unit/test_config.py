"""Configuration: embedded defaults, and a production profile that refuses unsafe settings."""

import pytest

from core import config
from core.config import ConfigError
from core.providers import configured


def production(**overrides) -> dict:
    settings = {
        "APP_ENV": "production",
        "DEV_IDP": False,
        "SECRET_KEY": "a-real-secret-of-at-least-32-characters",
        "VOTER_KEY_PEPPER": "a-real-pepper-of-at-least-32-characters",
        "AUDIT_KEY": "a-real-audit-key-of-at-least-32-characters",
        "OIDC_ISSUER": "https://idp.example",
        "OIDC_CLIENT_SECRET": "the-secret-the-provider-issued",
        "PUBLIC_URL": "https://forum.example",
        "PRIVACY_OFFICER_CONTACT": "개인정보 보호책임자 02-0000-0000 privacy@forum.example",
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
        ({"OIDC_ISSUER": "http://idp.example"}, "OIDC_ISSUER"),  # only https off the machine
        ({"OIDC_ISSUER": "idp.example"}, "OIDC_ISSUER"),
        ({"SECRET_KEY": " "}, "SECRET_KEY"),
        ({"SECRET_KEY": " " * 40}, "SECRET_KEY"),
        ({"SECRET_KEY": "short-but-not-empty"}, "SECRET_KEY"),
        ({"SECRET_KEY": "x" * 31}, "SECRET_KEY"),
        ({"SECRET_KEY": " " * 10 + "x" * 31 + " " * 10}, "SECRET_KEY"),
        ({"VOTER_KEY_PEPPER": ""}, "VOTER_KEY_PEPPER"),
        ({"VOTER_KEY_PEPPER": "\t\n"}, "VOTER_KEY_PEPPER"),
        ({"VOTER_KEY_PEPPER": "pepper"}, "VOTER_KEY_PEPPER"),
        ({"OIDC_CLIENT_SECRET": "dev-client-secret"}, "OIDC_CLIENT_SECRET"),
        ({"OIDC_CLIENT_SECRET": ""}, "OIDC_CLIENT_SECRET"),
        ({"OIDC_CLIENT_SECRET": "  "}, "OIDC_CLIENT_SECRET"),
        ({"OIDC_CLIENT_SECRET": None}, "OIDC_CLIENT_SECRET"),
        ({"PUBLIC_URL": ""}, "PUBLIC_URL"),
        ({"PUBLIC_URL": None}, "PUBLIC_URL"),
        ({"PUBLIC_URL": "http://forum.example"}, "PUBLIC_URL"),
        ({"PUBLIC_URL": "forum.example"}, "PUBLIC_URL"),
        ({"PUBLIC_URL": "https://forum.example/forums"}, "PUBLIC_URL"),
        ({"PUBLIC_URL": "https://forum.example?x=1"}, "PUBLIC_URL"),
        ({"PUBLIC_URL": "https://"}, "PUBLIC_URL"),
        ({"AUDIT_KEY": None}, "AUDIT_KEY"),
        ({"AUDIT_KEY": ""}, "AUDIT_KEY"),
        ({"AUDIT_KEY": config.DEFAULT_AUDIT_KEY}, "AUDIT_KEY"),
        ({"AUDIT_KEY": "short-audit-key"}, "AUDIT_KEY"),
        ({"PRIVACY_OFFICER_CONTACT": ""}, "PRIVACY_OFFICER_CONTACT"),
        ({"PRIVACY_OFFICER_CONTACT": "   "}, "PRIVACY_OFFICER_CONTACT"),
    ],
)
def test_production_refuses_unsafe_settings(overrides, problem):
    with pytest.raises(ConfigError, match=problem):
        config.check(production(**overrides))


def test_embedded_defaults_need_no_configuration(monkeypatch, tmp_path):
    for name in (
        "APP_ENV",
        "DATABASE_URL",
        "REDIS_URL",
        "DEV_IDP",
        "OIDC_ISSUER",
        "PORT",
        "PUBLIC_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    settings = config.from_environment(str(tmp_path))
    assert settings["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert settings["RATELIMIT_STORAGE_URI"] == "memory://"
    assert settings["DEV_IDP"] is True
    assert settings["OIDC_ISSUER"] == config.DEV_ISSUER
    assert settings["PUBLIC_URL"] == "http://127.0.0.1:5000"
    config.check(settings)


def test_the_dev_provider_issuer_does_not_depend_on_port(monkeypatch, tmp_path):
    """A role granted in a shell without PORT matches a sign-in on PORT=5123: the voter
    key hangs on the issuer, so the issuer is one constant; only where the app fetches
    the provider's metadata follows PORT."""
    for name in ("APP_ENV", "DEV_IDP", "OIDC_ISSUER", "OIDC_METADATA_URL", "PUBLIC_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("PORT", raising=False)
    plain = config.from_environment(str(tmp_path))
    monkeypatch.setenv("PORT", "5123")
    on_port = config.from_environment(str(tmp_path))
    assert plain["OIDC_ISSUER"] == on_port["OIDC_ISSUER"] == config.DEV_ISSUER
    [dev] = configured(on_port)
    assert dev.discovery_url == "http://127.0.0.1:5123/dev-idp/.well-known/openid-configuration"


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


@pytest.mark.parametrize("name", ["prod", "Prod ", "staging", "live", "dev", "test", "", " "])
def test_an_unknown_app_env_refuses_to_start(monkeypatch, tmp_path, name):
    """Only development, testing and production exist: a typo never means development."""
    monkeypatch.setenv("APP_ENV", name)
    with pytest.raises(ConfigError, match="APP_ENV"):
        config.from_environment(str(tmp_path))


@pytest.mark.parametrize("name", ["prod", "production ", "Production", "", None])
def test_check_refuses_an_app_env_that_is_not_exactly_known(name):
    with pytest.raises(ConfigError, match="APP_ENV"):
        config.check({"APP_ENV": name})


@pytest.mark.parametrize("name", ["development", "testing", " Development ", "TESTING"])
def test_known_app_envs_start(monkeypatch, tmp_path, name):
    monkeypatch.setenv("APP_ENV", name)
    settings = config.from_environment(str(tmp_path))
    assert settings["APP_ENV"] == name.strip().lower()
    config.check(settings)


def test_app_env_prod_does_not_start_the_app_with_the_development_provider(monkeypatch, tmp_path):
    from core import create_app

    monkeypatch.setenv("APP_ENV", "prod")
    with pytest.raises(ConfigError, match="APP_ENV"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'prod.db'}"})


def test_production_from_the_environment_starts_with_real_settings(monkeypatch, tmp_path):
    for name, value in production().items():
        if name != "DEV_IDP":
            monkeypatch.setenv(name, value)
    monkeypatch.delenv("DEV_IDP", raising=False)
    monkeypatch.setenv("APP_ENV", " Production ")
    settings = config.from_environment(str(tmp_path))
    assert settings["APP_ENV"] == "production"
    assert settings["PUBLIC_URL"] == "https://forum.example"
    config.check(settings)


def test_production_refuses_the_default_client_secret_from_the_environment(monkeypatch, tmp_path):
    for name, value in production().items():
        if name not in ("DEV_IDP", "OIDC_CLIENT_SECRET"):
            monkeypatch.setenv(name, value)
    monkeypatch.delenv("OIDC_CLIENT_SECRET", raising=False)
    monkeypatch.delenv("DEV_IDP", raising=False)
    with pytest.raises(ConfigError, match="OIDC_CLIENT_SECRET"):
        config.check(config.from_environment(str(tmp_path)))


def test_the_public_url_outside_production_follows_the_port(monkeypatch, tmp_path):
    monkeypatch.delenv("APP_ENV", raising=False)
    monkeypatch.delenv("PUBLIC_URL", raising=False)
    monkeypatch.setenv("PORT", "8000")
    assert config.from_environment(str(tmp_path))["PUBLIC_URL"] == "http://127.0.0.1:8000"
    monkeypatch.setenv("PUBLIC_URL", "http://localhost:8000/")
    assert config.from_environment(str(tmp_path))["PUBLIC_URL"] == "http://localhost:8000"


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


@pytest.mark.parametrize("issuer", ["http://127.0.0.1:9000/idp", "http://localhost:9000"])
def test_production_accepts_an_http_issuer_on_the_machine_itself(issuer):
    config.check(production(OIDC_ISSUER=issuer))
