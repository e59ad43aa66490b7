"""Access checks for staff pages: signed in, and holding the role (403 otherwise)."""

from functools import wraps

from flask import abort
from flask_login import current_user
from flask_login import login_required


def role_required(*roles: str):
    """The view needs a signed-in user holding one of ``roles`` (any district)."""

    def decorate(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not any(current_user.has_role(role) for role in roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorate
