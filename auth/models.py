"""Residents and staff as the app knows them: a voter key, never a raw identifier."""

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey
from sqlalchemy import select
from sqlalchemy import String
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from core.extensions import db


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # HMAC-SHA256(VOTER_KEY_PEPPER, issuer|subject), hex. The only identity we keep.
    voter_key: Mapped[str] = mapped_column(String(64), unique=True)
    district_code: Mapped[str | None] = mapped_column(String(16))
    birth_year: Mapped[int | None]
    first_seen_at: Mapped[datetime]
    last_login_at: Mapped[datetime]
    # The version of the consent texts this person last agreed to (privacy package);
    # casting checks it against the current version in the statement that stores a ballot.
    consent_version: Mapped[str | None] = mapped_column(String(20))
    # Set when the person deleted their account: only the voter key is left, until every
    # forum they voted in has been purged (privacy.account).
    deleted_at: Mapped[datetime | None]

    # The token of the signed-in session this object was loaded for (not a column).
    session_token = None

    def get_id(self) -> str:
        """What the session cookie carries: the session's token, never the row id.

        Ending the session row on the server (sign-out) therefore signs out every copy of
        the cookie, which a stateless cookie session could not do on its own.
        """
        if not self.session_token:
            raise RuntimeError("a user is signed in only through auth.services.start_session")
        return self.session_token

    @property
    def roles(self) -> list["Role"]:
        """This user's staff roles (loaded once per request)."""
        if not hasattr(self, "_roles"):
            query = select(Role).where(Role.voter_key == self.voter_key)
            self._roles = list(db.session.execute(query).scalars())
        return self._roles

    def has_role(self, role: str, district_code: str | None = None) -> bool:
        return any(
            r.role == role and (district_code is None or r.district_code == district_code)
            for r in self.roles
        )

    def team_districts(self) -> set[str]:
        return {r.district_code for r in self.roles if r.role == "district_team"}

    @property
    def is_staff(self) -> bool:
        return bool(self.roles)

    @property
    def actor(self) -> str:
        """How the audit log names this user: by row id, never by identity."""
        return f"user:{self.id}"


ROLES = ("district_team", "operator", "admin")


class Role(db.Model):
    """A staff role, granted to a voter key so it can be granted before first sign-in."""

    __tablename__ = "roles"
    __table_args__ = (UniqueConstraint("voter_key", "role", "district_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    voter_key: Mapped[str] = mapped_column(String(64), index=True)
    role: Mapped[str] = mapped_column(String(32))
    # The district a district team works for; empty for operators and admins.
    district_code: Mapped[str] = mapped_column(String(64), default="")
    # The holder's name as given at grant time, so staff can tell who holds a role. The
    # only personal data a staff role keeps; residents stay voter keys only.
    name: Mapped[str] = mapped_column(String(80), default="", server_default="")
    granted_at: Mapped[datetime]
    granted_by: Mapped[str] = mapped_column(String(120))


class UserSession(db.Model):
    """One sign-in of one browser. The cookie holds the token, the database its digest."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
