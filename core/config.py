"""Configuration, read from the environment.

With nothing set the app runs embedded: SQLite in the instance folder, in-process rate
limits and the development identity provider. ``APP_ENV=production`` switches to the
strict profile, which refuses to start without real secrets (``SECRET_KEY``,
``VOTER_KEY_PEPPER``, ``AUDIT_KEY``) or with ``DEV_IDP=1``. Any other ``APP_ENV``
than the three known ones refuses to start: a misspelt production must never run the
development profile.
"""

import json
import os
from urllib.parse import urlsplit

from core.providers import configured
from core.providers import DEV_ISSUER
from core.providers import ProviderError

DEFAULT_SECRET = "dev-secret-change-me"
DEFAULT_PEPPER = "dev-pepper-change-me"
DEFAULT_AUDIT_KEY = "dev-audit-key-change-me"
DEFAULT_CLIENT_SECRET = "dev-client-secret"
APP_ENVS = ("development", "testing", "production")
# A key of 32 characters or more: a short one can be guessed offline from a cookie.
SECRET_MIN_LENGTH = 32


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


def _app_env() -> str:
    env = os.environ.get("APP_ENV", "development").strip().lower()
    if env not in APP_ENVS:
        raise ConfigError(_unknown_env(env))
    return env


def _unknown_env(env) -> str:
    return f"refusing to start: APP_ENV={env!r} is not one of {', '.join(APP_ENVS)}"


def _worker_settings() -> dict:
    """The background worker (``flask worker``): how often it scans open forums and
    checks the casting tables' statistics, when daily jobs run (Seoul time), and the
    SMTP server that alerts operators. Without ``SMTP_HOST`` or ``ALERT_EMAILS`` alerts
    show only as a badge on the operator page."""
    return {
        "ANOMALY_SCAN_SECONDS": int(os.environ.get("ANOMALY_SCAN_SECONDS", "300")),
        "CASTING_STATISTICS_SECONDS": int(os.environ.get("CASTING_STATISTICS_SECONDS", "30")),
        "DAILY_JOBS_AT": os.environ.get("DAILY_JOBS_AT", "04:00"),
        "SMTP_HOST": os.environ.get("SMTP_HOST", ""),
        "SMTP_PORT": int(os.environ.get("SMTP_PORT", "25")),
        "SMTP_USER": os.environ.get("SMTP_USER", ""),
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD", ""),
        "SMTP_STARTTLS": _flag("SMTP_STARTTLS"),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "open-forum@localhost"),
        "ALERT_EMAILS": [
            address.strip()
            for address in os.environ.get("ALERT_EMAILS", "").split(",")
            if address.strip()
        ],
    }


def _admission_settings() -> dict:
    """Casting past capacity (``core.admission``): per server process, how many casts
    are inside the app at once, how many more wait and for how long, and the seconds a
    shed cast is told to wait before it is sent again (README, "Performance and
    scaling"). A process needs more threads than LIMIT + QUEUE, so that shedding always
    has a thread, and at least as many as the connections the front keeps to it, so that
    a cast waits in no queue before the gate: the defaults suit ``--threads 64``."""
    return {
        "CAST_ADMISSION_LIMIT": _whole("CAST_ADMISSION_LIMIT", "12", least=1),
        "CAST_ADMISSION_QUEUE": _whole("CAST_ADMISSION_QUEUE", "3", least=0),
        "CAST_ADMISSION_WAIT_MS": _whole("CAST_ADMISSION_WAIT_MS", "100", least=0),
        "CAST_RETRY_AFTER": _whole("CAST_RETRY_AFTER", "3", least=1),
    }


def _whole(name: str, default: str, least: int) -> int:
    """A whole-number setting of at least ``least``; anything else stops the start."""
    text = os.environ.get(name, default).strip()
    if not text.isdigit() or int(text) < least:
        raise ConfigError(f"{name} must be a whole number of at least {least}, not {text!r}")
    return int(text)


def from_environment(instance_path: str) -> dict:
    """Build the config mapping for ``app.config`` from environment variables."""
    env = _app_env()
    production = env == "production"
    redis_url = os.environ.get("REDIS_URL") or None
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
        # Outside production the factory also loads devtools (development identity
        # provider, demo data); production refuses it here.
        "FEATURES": ["auth", "deliberation", "voting", "privacy"],
        "BABEL_DEFAULT_LOCALE": "ko",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Seoul",
        "LANGUAGES": ["ko", "en"],
        "DISPLAY_TIMEZONE": "Asia/Seoul",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_SECURE": production,
        "WTF_CSRF_TIME_LIMIT": None,
        # Request bodies over 256 KiB get a 413 before they are read. The largest form,
        # an agenda item (5,764 characters at most), stays under 70 KiB even in
        # four-byte characters percent-encoded; nothing is uploaded as a file.
        "MAX_CONTENT_LENGTH": 256 * 1024,
        # A signed-in session ends at sign-out or after this many hours, whichever is first.
        "SESSION_MAX_HOURS": int(os.environ.get("SESSION_MAX_HOURS", "12")),
    }
    config.update(_worker_settings())
    config.update(_admission_settings())
    config.update(_identity_settings(production))
    config.update(_privacy_settings())
    return config


def _privacy_settings() -> dict:
    """What a district decides about personal data (README, "Personal data")."""
    return {
        # Named on the privacy policy; production refuses to start without the contact.
        "PRIVACY_OFFICER_NAME": os.environ.get("PRIVACY_OFFICER_NAME", "").strip(),
        "PRIVACY_OFFICER_CONTACT": os.environ.get("PRIVACY_OFFICER_CONTACT", "").strip(),
        # Days after a forum's publication (its objection period) before voter keys and
        # review signals leave its ballots.
        "RETENTION_DAYS_AFTER_PUBLICATION": int(
            os.environ.get("RETENTION_DAYS_AFTER_PUBLICATION", "30")
        ),
        # Residents younger than this (birth year against the voting date) cannot take part.
        "MIN_AGE": int(os.environ.get("MIN_AGE", "14")),
        # The consent texts' version (a date) and, optionally, a JSON file with the
        # district's own texts; a new version asks every resident again.
        "CONSENT_VERSION": os.environ.get("CONSENT_VERSION", "").strip() or None,
        "CONSENT_TEXTS_FILE": os.environ.get("CONSENT_TEXTS_FILE", "").strip() or None,
    }


def _identity_settings(production: bool) -> dict:
    """The identity provider and where residents reach the app."""
    port = os.environ.get("PORT", "5000")
    dev_idp = _flag("DEV_IDP", "0" if production else "1")
    # Where residents reach the app: redirect URIs are built from it, never from the
    # Host header. Production must set it; elsewhere it follows PORT.
    default_public_url = "" if production else f"http://127.0.0.1:{port}"
    public_url = os.environ.get("PUBLIC_URL", default_public_url).strip().rstrip("/")
    default_issuer = DEV_ISSUER if dev_idp else ""
    return {
        "DEV_IDP": dev_idp,
        "OIDC_ISSUER": os.environ.get("OIDC_ISSUER", default_issuer).strip().rstrip("/"),
        # Where the provider's discovery document is, when not under the issuer.
        "OIDC_METADATA_URL": os.environ.get("OIDC_METADATA_URL", "").strip(),
        "OIDC_CLIENT_ID": os.environ.get("OIDC_CLIENT_ID", "open-forum"),
        "OIDC_CLIENT_SECRET": os.environ.get("OIDC_CLIENT_SECRET", DEFAULT_CLIENT_SECRET),
        "PUBLIC_URL": public_url,
        # Seconds to wait for the identity provider before answering 503.
        "OIDC_TIMEOUT": float(os.environ.get("OIDC_TIMEOUT", "5")),
        # Claim names carrying the residence district code and the birth year.
        "OIDC_DISTRICT_CLAIM": os.environ.get("OIDC_DISTRICT_CLAIM", "district"),
        "OIDC_BIRTH_YEAR_CLAIM": os.environ.get("OIDC_BIRTH_YEAR_CLAIM", "birth_year"),
        # A claim naming the person across providers (e.g. ci); empty: issuer and subject.
        "OIDC_PERSON_CLAIM": os.environ.get("OIDC_PERSON_CLAIM", "").strip(),
        # Several providers, as a JSON list (README, "Sign-in providers").
        "OIDC_PROVIDERS": _providers_json(os.environ.get("OIDC_PROVIDERS", "")),
    }


def _providers_json(text: str) -> list:
    if not text.strip():
        return []
    try:
        entries = json.loads(text)
    except ValueError as error:
        raise ConfigError(f"refusing to start: OIDC_PROVIDERS is not valid JSON: {error}") from None
    if not isinstance(entries, list):
        raise ConfigError("refusing to start: OIDC_PROVIDERS must be a JSON list")
    return entries


def _secret_problem(config: dict, name: str, default: str) -> str | None:
    value = (config.get(name) or "").strip()
    if not value or value == default:
        return f"{name} must be set"
    if len(value) < SECRET_MIN_LENGTH:
        return f"{name} must be at least {SECRET_MIN_LENGTH} characters"
    return None


def _secure_issuer(issuer: str) -> bool:
    """An issuer is reached over https, except on the machine itself (tests, a local
    provider behind the same host)."""
    parts = urlsplit(issuer)
    loopback = parts.hostname in {"localhost", "127.0.0.1", "::1"}
    if not parts.hostname:
        return False
    return parts.scheme == "https" or (parts.scheme == "http" and loopback)


def _public_url_problem(url: str | None) -> str | None:
    """PUBLIC_URL is an https origin: scheme and host, no path, query or fragment."""
    parts = urlsplit(url or "")
    if parts.scheme != "https" or not parts.hostname:
        return "PUBLIC_URL must be set to the https address residents use"
    if parts.path or parts.query or parts.fragment:
        return "PUBLIC_URL must be an origin only (e.g. https://forum.example)"
    return None


def _officer_problem(config: dict) -> str | None:
    """The privacy policy must name how to reach the privacy officer (PIPA Art 30, 31)."""
    if not (config.get("PRIVACY_OFFICER_CONTACT") or "").strip():
        return "PRIVACY_OFFICER_CONTACT must be set (the privacy officer's contact)"
    return None


def check(config: dict) -> None:
    """Refuse unsafe settings. APP_ENV must be a known profile; production needs real
    secrets (not empty, not a default, at least 32 characters), the client secret the
    provider issued, an https PUBLIC_URL, the privacy officer's contact and no dev
    identity provider."""
    if config.get("APP_ENV") not in APP_ENVS:
        raise ConfigError(_unknown_env(config.get("APP_ENV")))
    if config["APP_ENV"] != "production":
        return
    problems = [
        _secret_problem(config, "SECRET_KEY", DEFAULT_SECRET),
        _secret_problem(config, "VOTER_KEY_PEPPER", DEFAULT_PEPPER),
        _secret_problem(config, "AUDIT_KEY", DEFAULT_AUDIT_KEY),
        _public_url_problem(config.get("PUBLIC_URL")),
        _officer_problem(config),
    ]
    if config.get("DEV_IDP"):
        problems.append("DEV_IDP=1 is not allowed in production")
    if "devtools" in config.get("FEATURES", ()):
        problems.append("the devtools feature (development only) is not allowed in production")
    problems += _provider_problems(config)
    problems = [problem for problem in problems if problem]
    if problems:
        raise ConfigError("refusing to start: " + "; ".join(problems))


def _provider_problems(config: dict) -> list[str]:
    """Each provider has an https issuer (loopback aside) and the secret it issued."""
    if not config.get("OIDC_PROVIDERS"):
        problems = []
        if (config.get("OIDC_CLIENT_SECRET") or "").strip() in ("", DEFAULT_CLIENT_SECRET):
            problems.append("OIDC_CLIENT_SECRET must be set to the secret the provider issued")
        if not config.get("OIDC_ISSUER"):
            return problems + ["OIDC_ISSUER must be set"]
        if not _secure_issuer(config["OIDC_ISSUER"]):
            problems.append("OIDC_ISSUER must be an https address (only loopback may use http)")
        return problems
    try:
        providers = configured(config)
    except ProviderError as error:
        return [f"OIDC_PROVIDERS: {error}"]
    problems = []
    for provider in providers:
        if provider.client_secret.strip() in ("", DEFAULT_CLIENT_SECRET):
            problems.append(f"provider {provider.name!r} needs the client_secret it was issued")
        if not _secure_issuer(provider.issuer):
            problems.append(f"provider {provider.name!r} must have an https issuer")
    return problems
