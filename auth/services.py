"""Identity use cases: derive the voter key, record a sign-in."""

import hashlib
import hmac

from flask import current_app

from auth.models import User
from core import clock
from core.extensions import db


def derive_voter_key(pepper: str, issuer: str, subject: str) -> str:
    """voter_key = HMAC-SHA256(pepper, issuer + "|" + subject), hex.

    The same person gets the same key on every channel that knows the same issuer and
    subject; the raw subject is never stored.
    """
    message = f"{issuer}|{subject}".encode()
    return hmac.new(pepper.encode(), message, hashlib.sha256).hexdigest()


def voter_key_for(issuer: str, subject: str) -> str:
    return derive_voter_key(current_app.config["VOTER_KEY_PEPPER"], issuer, subject)


def _birth_year(value) -> int | None:
    try:
        year = int(value)
    except (TypeError, ValueError):
        return None
    return year if 1900 <= year <= 2100 else None


def record_sign_in(issuer: str, claims: dict) -> User:
    """Create or update the user for a verified identity; returns the user, committed."""
    key = voter_key_for(issuer, str(claims["sub"]))
    district = claims.get(current_app.config["OIDC_DISTRICT_CLAIM"])
    birth_year = _birth_year(claims.get(current_app.config["OIDC_BIRTH_YEAR_CLAIM"]))
    now = clock.now()
    user = db.session.execute(db.select(User).filter_by(voter_key=key)).scalar_one_or_none()
    if user is None:
        user = User(voter_key=key, first_seen_at=now, last_login_at=now)
        db.session.add(user)
    user.district_code = str(district) if district is not None else None
    user.birth_year = birth_year
    user.last_login_at = now
    db.session.commit()
    return user


def load_user(user_id: str) -> User | None:
    try:
        return db.session.get(User, int(user_id))
    except (TypeError, ValueError):
        return None
