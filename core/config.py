"""Configuration, read from the environment.

With nothing set the app runs embedded: SQLite in the instance folder, in-process rate
limits and the development identity provider. ``APP_ENV=production`` switches to the
strict profile, which refuses to start without real secrets (``SECRET_KEY``,
``VOTER_KEY_PEPPER``, ``AUDIT_KEY``) or with ``DEV_IDP=1``.
"""

import os

DEFAULT_SECRET = "dev-secret-change-me"
DEFAULT_PEPPER = "dev-pepper-change-me"
DEFAULT_AUDIT_KEY = "dev-audit-key-change-me"


class ConfigError(RuntimeError):
    """Raised when the configuration is unsafe for the chosen environment."""


def _flag(name: str, default: str = "0") -> bool:
    return os.environ.get(name, default).strip().lower() in {"1", "true", "yes", "on"}


def _database_url(default: str) -> str:
    url = os.environ.get("DATABASE_URL", default)
    # Accept the common postgres:// spelling and pick the psycopg 3 driver.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _engine_options(url: str) -> dict:
    """A server keeps as many connections as its worker has threads (``DB_POOL_SIZE``,
    default 16), so casting under load never opens and closes overflow connections.
    Idle connections are checked before use by ``core.pool``, not on every checkout."""
    options: dict = {}
    if not url.startswith("sqlite"):
        options["pool_size"] = int(os.environ.get("DB_POOL_SIZE", "16"))
        options["max_overflow"] = int(os.environ.get("DB_POOL_OVERFLOW", "8"))
    return options


def from_environment(instance_path: str) -> dict:
    """Build the config mapping for ``app.config`` from environment variables."""
    env = os.environ.get("APP_ENV", "development").strip().lower()
    production = env == "production"
    port = os.environ.get("PORT", "5000")
    dev_idp = _flag("DEV_IDP", "0" if production else "1")
    redis_url = os.environ.get("REDIS_URL") or None
    default_issuer = f"http://127.0.0.1:{port}/dev-idp" if dev_idp else ""
    database_url = _database_url("sqlite:///" + os.path.join(instance_path, "forum.db"))
    config = {
        "APP_ENV": env,
        "SECRET_KEY": os.environ.get("SECRET_KEY", DEFAULT_SECRET),
        "VOTER_KEY_PEPPER": os.environ.get("VOTER_KEY_PEPPER", DEFAULT_PEPPER),
        # Authenticates the audit log; the database never holds it. Retired keys that
        # verification still accepts, comma-separated, after a rotation.
        "AUDIT_KEY": os.environ.get("AUDIT_KEY", DEFAULT_AUDIT_KEY),
        "AUDIT_PREVIOUS_KEYS": [
            key.strip()
            for key in os.environ.get("AUDIT_PREVIOUS_KEYS", "").split(",")
            if key.strip()
        ],
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": _engine_options(database_url),
        "REDIS_URL": redis_url,
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_ENABLED": _flag("RATELIMIT_ENABLED", "1"),
        # No X-RateLimit-* headers: each costs a storage round trip on every request.
        # A refused request still gets 429 with Retry-After (core.errors).
        "RATELIMIT_HEADERS_ENABLED": False,
        # Redis holds only counters: when it is unreachable, limits fall back to each
        # process's memory and requests go on; Redis is never needed to cast a ballot.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        "RATELIMIT_SIGNIN": os.environ.get("RATELIMIT_SIGNIN", "20 per minute"),
        "RATELIMIT_CAST": os.environ.get("RATELIMIT_CAST", "30 per minute"),
        "RATELIMIT_COMMENT": os.environ.get("RATELIMIT_COMMENT", "10 per minute"),
        "DEV_IDP": dev_idp,
        "OIDC_ISSUER": os.environ.get("OIDC_ISSUER", default_issuer).rstrip("/"),
        "OIDC_CLIENT_ID": os.environ.get("OIDC_CLIENT_ID", "open-forum"),
        "OIDC_CLIENT_SECRET": os.environ.get("OIDC_CLIENT_SECRET", "dev-client-secret"),
        # Claim names carrying the residence district code and the birth year.
        "OIDC_DISTRICT_CLAIM": os.environ.get("OIDC_DISTRICT_CLAIM", "district"),
        "OIDC_BIRTH_YEAR_CLAIM": os.environ.get("OIDC_BIRTH_YEAR_CLAIM", "birth_year"),
        "FEATURES": ["auth", "deliberation", "voting"],
        "BABEL_DEFAULT_LOCALE": "ko",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Seoul",
        "LANGUAGES": ["ko", "en"],
        "DISPLAY_TIMEZONE": "Asia/Seoul",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_SECURE": production,
        "WTF_CSRF_TIME_LIMIT": None,
        # A signed-in session ends at sign-out or after this many hours, whichever is first.
        "SESSION_MAX_HOURS": int(os.environ.get("SESSION_MAX_HOURS", "12")),
    }
    return config


def check(config: dict) -> None:
    """Refuse unsafe settings: production needs real secrets and no dev identity provider."""
    if config.get("APP_ENV") != "production":
        return
    problems = []
    if config.get("DEV_IDP"):
        problems.append("DEV_IDP=1 is not allowed in production")
    if config.get("SECRET_KEY") in (None, "", DEFAULT_SECRET):
        problems.append("SECRET_KEY must be set")
    if config.get("VOTER_KEY_PEPPER") in (None, "", DEFAULT_PEPPER):
        problems.append("VOTER_KEY_PEPPER must be set")
    if config.get("AUDIT_KEY") in (None, "", DEFAULT_AUDIT_KEY):
        problems.append("AUDIT_KEY must be set")
    if not config.get("OIDC_ISSUER"):
        problems.append("OIDC_ISSUER must be set")
    if problems:
        raise ConfigError("refusing to start: " + "; ".join(problems))
