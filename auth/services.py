"""Identity use cases: derive the voter key, record a sign-in."""

import hashlib
import hmac

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from auth.models import Role
from auth.models import ROLES
from auth.models import User
from core import audit
from core import clock
from core.districts import SEOUL_DISTRICTS
from core.errors import DomainError
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


# --- staff roles ----------------------------------------------------------------------


def display_name(voter_key: str) -> str:
    """A stable pseudonym for public pages (comments): never reveals the voter key."""
    pepper = current_app.config["VOTER_KEY_PEPPER"].encode()
    digest = hmac.new(pepper, b"display|" + voter_key.encode(), hashlib.sha256).hexdigest()
    return digest[:6].upper()


def _check_role(role: str, district_code: str | None) -> str:
    if role not in ROLES:
        raise DomainError(
            _("Unknown role %(role)s. Choose one of: %(roles)s.", role=role, roles=", ".join(ROLES))
        )
    if role == "district_team":
        code = (district_code or "").strip()
        if not code:
            raise DomainError(_("A district team role needs a district."))
        if code not in SEOUL_DISTRICTS and not code.startswith("pb:"):
            raise DomainError(_("Unknown district code %(code)s.", code=code))
        return code
    return ""


def grant_role(
    subject: str, role: str, district_code: str | None, actor: str, issuer: str | None = None
) -> Role:
    """Grant a staff role to the person who signs in with this subject at the issuer."""
    subject = (subject or "").strip()
    if not subject:
        raise DomainError(_("Enter the identifier the person signs in with."))
    code = _check_role(role, district_code)
    key = voter_key_for(issuer or current_app.config["OIDC_ISSUER"], subject)
    existing = db.session.execute(
        select(Role).filter_by(voter_key=key, role=role, district_code=code)
    ).scalar_one_or_none()
    if existing is not None:
        return existing
    granted = Role(
        voter_key=key, role=role, district_code=code, granted_at=clock.now(), granted_by=actor
    )
    db.session.add(granted)
    db.session.flush()
    audit.record(actor, "role.grant", f"role:{granted.id}", after={"role": role, "district": code})
    db.session.commit()
    return granted


def revoke_role(role_id: int, actor: str) -> None:
    granted = db.session.get(Role, role_id)
    if granted is None:
        raise DomainError(_("That role does not exist."), status=404)
    before = {"role": granted.role, "district": granted.district_code}
    db.session.delete(granted)
    audit.record(actor, "role.revoke", f"role:{role_id}", before=before)
    db.session.commit()


def list_roles() -> list[Role]:
    return list(
        db.session.execute(select(Role).order_by(Role.role, Role.district_code, Role.id)).scalars()
    )
