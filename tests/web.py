"""Helpers for tests that talk HTTP to the app."""

import re

from sqlalchemy import select

from auth import services
from auth.models import User
from auth.models import UserSession
from core.extensions import db
from privacy.texts import REQUIRED

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(html: str) -> str:
    match = CSRF.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


def session_token(user: User) -> str:
    """Start a session for the user, as the OIDC callback does, and return its token."""
    token = services.start_session(user)
    db.session.commit()
    return token


def session_cookie(app, user: User) -> str:
    """A signed session cookie for a new session of the user."""
    serializer = app.session_interface.get_signing_serializer(app)
    return serializer.dumps({"_user_id": session_token(user), "_fresh": True})


def sign_in(client, user: User) -> None:
    """Mark the test client's session as signed in, as the OIDC callback does."""
    token = session_token(user)
    with client.session_transaction() as session:
        session["_user_id"] = token
        session["_fresh"] = True


def give_consent(browser, base_url: str, optional: tuple[str, ...] = ()):
    """Tick every required box of the consent page (and ``optional`` ones) and send it,
    as a resident does at first sign-in; ``browser`` is a requests session. Returns
    the answer (302 when taken; 403 for someone under the minimum age)."""
    page = browser.get(f"{base_url}/consent")
    form = {"csrf_token": csrf_token(page.text)}
    form |= {key: "y" for key in (*REQUIRED, *optional)}
    return browser.post(f"{base_url}/consent", data=form, allow_redirects=False)


def text(response) -> str:
    return response.get_data(as_text=True)


def voter_key_signed_in(token: str | None) -> str | None:
    """The voter key of whoever a live session token signs in (None when none does)."""
    if token is None:
        return None
    db.session.expire_all()
    query = (
        select(User.voter_key)
        .join(UserSession, UserSession.user_id == User.id)
        .where(UserSession.token_hash == services.token_digest(token))
        .where(UserSession.ended_at.is_(None))
    )
    return db.session.execute(query).scalar_one_or_none()
