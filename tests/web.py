"""Helpers for tests that talk HTTP to the app."""

import re

from auth.models import User

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(html: str) -> str:
    match = CSRF.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


def sign_in(client, user: User) -> None:
    """Mark the test client's session as signed in, as the OIDC callback does."""
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True


def text(response) -> str:
    return response.get_data(as_text=True)
