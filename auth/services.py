"""Identity use cases: derive the voter key, record a sign-in."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_
from sqlalchemy import bindparam
from sqlalchemy import select
from sqlalchemy import String
from sqlalchemy import update

from auth import claims as read_claims
from auth import oidc
from auth.models import Role
from auth.models import ROLES
from auth.models import User
from auth.models import UserSession
from core import audit
from core import clock
from core.districts import district_names
from core.districts import SEOUL_DISTRICTS
from core.districts import valid_districts_text
from core.errors import DomainError
from core.extensions import db
from core.i18n import localized
from core.providers import Provider


def derive_voter_key(pepper: str, issuer: str, subject: str) -> str:
    """voter_key = HMAC-SHA256(pepper, issuer + "|" + subject), hex.

    The same person gets the same key on every channel that knows the same issuer and
    subject; the raw subject is never stored.
    """
    message = f"{issuer}|{subject}".encode()
    return hmac.new(pepper.encode(), message, hashlib.sha256).hexdigest()


def voter_key_for(issuer: str, subject: str) -> str:
    return derive_voter_key(current_app.config["VOTER_KEY_PEPPER"], issuer, subject)


def derive_person_key(pepper: str, person: str) -> str:
    """voter_key = HMAC-SHA256(pepper, "person|" + person), hex.

    For providers that name the person with a claim shared across providers (a Korean
    identity-verification CI): every such provider gives the same person one key,
    hence one ballot. The "person|" prefix keeps these keys apart from issuer|subject.
    """
    return hmac.new(pepper.encode(), f"person|{person}".encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Resident:
    """A person as their identity provider vouched for them: the voter key, and the
    residence and birth year the provider's claims give (None when unreadable)."""

    voter_key: str
    district_code: str | None
    birth_year: int | None


def _voter_key(provider: Provider, claims: dict) -> str:
    pepper = current_app.config["VOTER_KEY_PEPPER"]
    if not provider.person_claim:
        return derive_voter_key(pepper, provider.issuer, str(claims["sub"]))
    person = claims.get(provider.person_claim)
    if person is None or isinstance(person, (dict, list, bool)) or not str(person).strip():
        current_app.logger.warning(
            "signin_no_person provider=%s claim=%s", provider.name, provider.person_claim
        )
        raise DomainError(
            _("The identity provider did not say who you are. Please use another way to sign in."),
            code="signin_no_person",
        )
    return derive_person_key(pepper, str(person).strip())


def resident_from_claims(provider: Provider, claims: dict) -> Resident:
    """The one derivation of a person from verified claims, for an online sign-in and for
    a resident verifying at a support point alike, so both give the same voter key."""
    born = claims.get(provider.birth_year_claim, claims.get("birthdate"))
    return Resident(
        voter_key=_voter_key(provider, claims),
        district_code=read_claims.district_code(claims.get(provider.district_claim)),
        birth_year=read_claims.birth_year(born, this_year=clock.now().year),
    )


def unknown_district(provider: Provider, claims: dict) -> str | None:
    """The residence a provider sent that is no Seoul district (another city, an unknown
    code), as sent, so the resident is told so rather than "no residence"; None when
    the claim is absent or names a Seoul district."""
    value = claims.get(provider.district_claim)
    if value is None or str(value).strip() == "" or read_claims.district_code(value):
        return None
    return " ".join(str(value).split())[:80]


def record_sign_in(provider: Provider, claims: dict) -> User:
    """Create or update the user for a verified identity and start a new session for it.

    Returns the user, committed, with ``session_token`` set for ``login_user``.
    """
    resident = resident_from_claims(provider, claims)
    key = resident.voter_key
    now = clock.now()
    user = db.session.execute(db.select(User).filter_by(voter_key=key)).scalar_one_or_none()
    if user is None:
        user = User(voter_key=key, first_seen_at=now, last_login_at=now)
        db.session.add(user)
    user.district_code = resident.district_code
    user.birth_year = resident.birth_year
    user.last_login_at = now
    user.deleted_at = None  # signing in again after deleting the account
    start_session(user)
    db.session.commit()
    return user


def token_digest(token: str) -> str:
    """What is stored of a session token, and how anything else may name a session."""
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user: User) -> str:
    """Add a new session for the user (committed by the caller) and return its token.

    Every sign-in gets a fresh random token, so a session id known before sign-in is
    worth nothing after it.
    """
    if user.id is None:
        db.session.flush()
    token = secrets.token_urlsafe(32)
    db.session.add(
        UserSession(user_id=user.id, token_hash=token_digest(token), created_at=clock.now())
    )
    user.session_token = token
    return token


def session_lifetime() -> timedelta:
    return timedelta(hours=current_app.config["SESSION_MAX_HOURS"])


def live_session_clause(digest=None, after=None):
    """The rule for a live session, as SQL over ``user_sessions``: the token's digest
    matches, the session was not ended (signed out) and is younger than its lifetime.

    By default bound parameters ``session_digest`` and ``session_after`` (from
    ``live_session_params``); a query over many sessions passes its own expressions
    for them. One place for the rule, used by every query that accepts a session.
    """
    if digest is None:
        digest = bindparam("session_digest")
    if after is None:
        after = bindparam("session_after", type_=UserSession.created_at.type)
    return and_(
        UserSession.token_hash == digest,
        UserSession.ended_at.is_(None),
        UserSession.created_at > after,
    )


def live_session_params(token: str) -> dict:
    return {
        "session_digest": token_digest(token),
        "session_after": clock.now() - session_lifetime(),
        "consent_version": current_app.config.get("CONSENT_VERSION"),
    }


def consented_clause(version=None):
    """The user has agreed to the current consent texts, as SQL over ``users`` (bound
    parameter ``consent_version`` from ``live_session_params`` by default); the same
    rule as ``privacy.rules.consent_is_current``, for statements that load no user."""
    if version is None:
        version = bindparam("consent_version", type_=String)
    return User.consent_version == version


def plausible_token(token) -> bool:
    return isinstance(token, str) and 0 < len(token) <= 64


def load_user(token: str) -> User | None:
    """The user of a live session (see ``live_session_clause``), or None."""
    if not plausible_token(token):
        return None
    query = (
        select(User).join(UserSession, UserSession.user_id == User.id).where(live_session_clause())
    )
    user = db.session.execute(query, live_session_params(token)).scalar_one_or_none()
    if user is not None:
        user.session_token = token
    return user


def end_session(user: User) -> None:
    """Sign out: the session's row is ended, so its cookie no longer signs anyone in."""
    if user.session_token:
        db.session.execute(
            update(UserSession)
            .where(UserSession.token_hash == token_digest(user.session_token))
            .values(ended_at=clock.now())
        )
        db.session.commit()


# --- staff roles ----------------------------------------------------------------------


def display_name(voter_key: str) -> str:
    """A stable pseudonym for public pages (comments): never reveals the voter key."""
    pepper = current_app.config["VOTER_KEY_PEPPER"].encode()
    digest = hmac.new(pepper, b"display|" + voter_key.encode(), hashlib.sha256).hexdigest()
    return digest[:6].upper()


ROLE_LABELS = {
    "district_team": _l("District team"),
    "operator": _l("Vote reviewer"),
    "admin": _l("Administrator"),
}
NAME_MAX = 80


def role_label(role: str) -> str:
    """A role in words, in the page's language (the code itself if unknown)."""
    return str(ROLE_LABELS.get(role, role))


def district_label(code: str) -> str:
    """A district by its name in the page's language; "" for roles without one."""
    if not code:
        return ""
    korean, english = district_names(code)
    return localized(korean, english)


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
            raise DomainError(
                _(
                    "Unknown district code %(code)s. Valid codes: %(codes)s.",
                    code=code,
                    codes=valid_districts_text(),
                )
            )
        return code
    return ""


def _check_name(name: str | None) -> str:
    """The holder's display name: required, so a role list says who holds each role."""
    name = " ".join((name or "").split())
    if not name:
        raise DomainError(_("Enter the name of the person who holds the role."))
    if len(name) > NAME_MAX:
        raise DomainError(_("The name is too long (at most %(n)d characters).", n=NAME_MAX))
    return name


def _granted_key(subject: str, issuer: str | None) -> str:
    """The voter key a role is granted to: the given issuer's subject; otherwise the
    first configured provider's, which is the person claim's value (a CI) when that
    provider declares one, so the role holds whichever provider the person uses."""
    if issuer:
        return voter_key_for(issuer, subject)
    first = next(iter(oidc.providers()), None)
    if first is None:
        return voter_key_for(current_app.config["OIDC_ISSUER"], subject)
    if first.person_claim:
        return derive_person_key(current_app.config["VOTER_KEY_PEPPER"], subject)
    return voter_key_for(first.issuer, subject)


def grant_role(
    subject: str,
    role: str,
    district_code: str | None,
    actor: str,
    name: str | None = None,
    issuer: str | None = None,
) -> Role:
    """Grant a staff role, under a display name, to whoever signs in with this subject.

    Granting an existing role again keeps one role and only updates its name.
    """
    subject = (subject or "").strip()
    if not subject:
        raise DomainError(_("Enter the identifier the person signs in with."))
    name = _check_name(name)
    code = _check_role(role, district_code)
    key = _granted_key(subject, issuer)
    granted = db.session.execute(
        select(Role).filter_by(voter_key=key, role=role, district_code=code)
    ).scalar_one_or_none()
    if granted is not None and granted.name == name:
        return granted
    before = None
    if granted is None:
        granted = Role(
            voter_key=key, role=role, district_code=code, granted_at=clock.now(), granted_by=actor
        )
        db.session.add(granted)
    else:
        before = {"name": granted.name}
    granted.name = name
    db.session.flush()
    after = {"role": role, "district": code, "name": name}
    audit.record(actor, "role.grant", f"role:{granted.id}", before=before, after=after)
    db.session.commit()
    return granted


def revoke_role(role_id: int, actor: str) -> None:
    granted = db.session.get(Role, role_id)
    if granted is None:
        raise DomainError(_("That role does not exist."), status=404)
    before = {"role": granted.role, "district": granted.district_code, "name": granted.name}
    db.session.delete(granted)
    audit.record(actor, "role.revoke", f"role:{role_id}", before=before)
    db.session.commit()


def list_roles() -> list[Role]:
    return list(
        db.session.execute(
            select(Role).order_by(Role.role, Role.district_code, Role.name, Role.id)
        ).scalars()
    )


def actor_names(actors) -> dict[str, str]:
    """How the audit log's actors read on a page: staff by the name and role given at
    grant time ("홍길동 · 투표 검토자"), residents by their public pseudonym, the command
    line in words. Entries keep the row id ("user:58"); only the page shows names.
    """
    ids = {int(a.split(":", 1)[1]) for a in actors if a.startswith("user:") and a[5:].isdigit()}
    keys = dict(db.session.execute(select(User.id, User.voter_key).where(User.id.in_(ids))).all())
    roles: dict[str, list[Role]] = {}
    for granted in db.session.execute(
        select(Role).where(Role.voter_key.in_(set(keys.values()))).order_by(Role.id)
    ).scalars():
        roles.setdefault(granted.voter_key, []).append(granted)
    names = {
        "cli": _("Command line"),
        "system:cli": _("Command line"),
        "demo": _("Demo data"),
        "system:upgrade": _("Database upgrade"),
    }
    for user_id, key in keys.items():
        held = roles.get(key, [])
        name = next((r.name for r in held if r.name), "") or display_name(key)
        labels = ", ".join(dict.fromkeys(role_label(r.role) for r in held))
        names[f"user:{user_id}"] = f"{name} · {labels}" if labels else name
    return {actor: names.get(actor, actor) for actor in actors}
